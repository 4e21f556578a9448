"""Read the most common statements without sqlglot, into the very same IR.

Most statements of a migration are short and follow a handful of shapes: ``ALTER TABLE t ADD
COLUMN c type [NOT NULL] [DEFAULT literal]``, ``ALTER COLUMN … SET NOT NULL``, ``DROP COLUMN``,
``ADD CONSTRAINT … CHECK (c IS NOT NULL) NOT VALID``, ``VALIDATE CONSTRAINT``, ``CREATE INDEX
CONCURRENTLY i ON t (c)``, ``DROP TABLE``, ``DROP TYPE``, plain ``CREATE TABLE``, ``UPDATE t SET
… [WHERE …]``, ``DELETE FROM t [WHERE …]``, ``INSERT INTO t … SELECT`` / ``VALUES … ON CONFLICT
DO NOTHING``. Building and printing a sqlglot tree for each costs ~0.1 ms; this reader tokenizes
the statement with one regular expression and follows a small recursive-descent grammar of
exactly those shapes.

It is conservative: any token, name or shape it does not expect (reserved words as names, ``name`` excepted,
comments, E'' strings, expressions beyond literals, options sqlglot reads in a peculiar way)
makes it return None, and the statement goes to sqlglot as before. Expressions that the IR does
not keep (WHERE, SET, CHECK in CREATE TABLE) are read with a small grammar — names, literals,
comparison/arithmetic/boolean operators, IS [NOT] NULL, [NOT] IN (list or simple SELECT), LIKE,
casts to known types and calls of a few functions with their exact number of arguments — so
that nothing sqlglot rejects (a syntax error, MG001) is accepted here. What it returns must be
identical — every field, those ignored by ``==`` included — to what the sqlglot path returns;
tests/test_fastpath.py compares both on the fixtures, a generated corpus and generated
statements (near misses sqlglot rejects included). :data:`ENABLED` switches it off.
"""

from __future__ import annotations

import re
from dataclasses import replace

from miglint.ir.ops import (
    AddColumn,
    AddConstraint,
    AlterColumnType,
    ColumnDef,
    ConstraintKind,
    CreateIndex,
    CreateTable,
    DataChange,
    DataChangeKind,
    DropColumn,
    DropConstraint,
    DropNotNull,
    DropTable,
    EnumChange,
    Operation,
    RenameColumn,
    RenameTable,
    SetDefault,
    SetNotNull,
    ValidateConstraint,
    norm_name,
)

__all__ = ["ENABLED", "RESERVED_WORDS", "read"]

#: Whether :func:`read` is tried before sqlglot (tests turn it off to compare).
ENABLED = True

# The tokens read here; anything else (a comment, ``$``, ``;``, E'' …) is no token at all.
# No two alternatives start with the same character: their order is that of how often they
# come. Possessive quantifiers: nothing is gained by giving characters back.
_TOKEN_ALTERNATIVES = r"""
      [A-Za-z_][A-Za-z0-9_]*+(?!\$)                     # word
    | [(),.\[\]]|-(?!-)                                # punctuation
    | "[^"\n]++"                                       # quoted name
    | (?:0|[1-9][0-9]*+)(?:\.[0-9]++)?(?![A-Za-z0-9_.]) # number
    | '(?:[^'\\\n]|\\(?![\\'\n])|'')*+'                  # string
    | <>|<=|>=|!=|\|\||::|[=<>+*%]|/(?!\*)             # operator
"""
# Each token's text (its first character tells its kind, see _Reader). Where no token starts,
# the last alternative takes all the rest of the statement: findall() then ends on that one
# "token", which is no token at all. One findall() in C costs less than a Python loop over
# match objects.
_TOKEN = re.compile(rf"\s*+({_TOKEN_ALTERNATIVES}|\S[\s\S]*)", re.VERBOSE)
_ONE_TOKEN = re.compile(_TOKEN_ALTERNATIVES, re.VERBOSE)
# Past the last token: the reader needs no bounds check for up to this many tokens ahead.
_LOOKAHEAD = 4
_WORD_START = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz_")
_DIGITS = frozenset("0123456789")
# What may follow a type or a cast and make it something else: a call, an array, a qualified name.
_TYPE_SUFFIXES = frozenset({"(", "[", "."})
_ADDITIVE = frozenset({"+", "-", "||"})
_MULTIPLICATIVE = frozenset({"*", "/", "%"})

# Unquoted names spelled like a keyword of PostgreSQL or of sqlglot's tokenizer are left to
# sqlglot, which rejects or reads some of them specially (tests/test_prefilter.py checks that
# this list covers the installed sqlglot).
_RESERVED_TEXT = """
    all alter analyse analyze and anti any apply array as asc asof asymmetric authorization
    auto_increment autoincrement begin between bigdecimal bigint bignum bignumeric bigserial
    binary bit blob bool boolean both bpchar by byte bytea cache call case cast char character
    check clob cluster collate collation column comment commit concurrently connect constraint
    copy create cross cstring cube current_catalog current_date current_role current_schema
    current_time current_timestamp current_user database date datemultirange daterange datetime
    dec decfloat decimal declare default deferrable delete desc describe distinct distribute div
    do double drop else end enum escape except exec execute exists explain false fetch file
    filter first fixed float for foreign format freeze from full function geography geometry
    glob grant group grouping having hstore hugeint if ilike in index inet initially inner inout
    insert int integer intersect interval into is isnull join json jsonb keep key kill lateral
    leading left like limit list load localtime localtimestamp lock long longblob longtext
    longvarchar map mediumblob mediumint mediumtext merge money name namespace natural nchar
    next not notnull null nullable number numeric nummultirange numrange nvarchar object offset
    oid on only operator optimize option or order ordinality out outer over overlaps overwrite
    partition partitioned partitioned_by percent pivot placing point pragma prepare primary
    procedure qualify range real recursive ref references refresh regclass regcollation
    regconfig regdictionary regexp regnamespace regoper regoperator regproc regprocedure regrole
    regtype reindex rename replace reset returning revoke right rlike rollback rollup row rows
    schema select semi sequence serial session session_user set settings short show similar
    smallint smallserial some sort sql str straight_join string struct symmetric system_user
    table tablesample temp temporary text then time time_ns timestamp timestamp_ltz
    timestamp_ntz timestampltz timestampntz timestamptz timetz tinyblob tinyint tinytext to
    trailing trigger true truncate tsmultirange tsrange tstzmultirange tstzrange type uhugeint
    uint uncache union unique unknown unnest unpivot update use user using uuid vacuum values
    varbinary varchar variadic variant vector verbose view volatile when where window with xml
    xor
"""
#: Words never read as an unquoted name without sqlglot (also by the INSERT prefilter of
#: miglint.parsers.sql).
RESERVED_WORDS = frozenset(_RESERVED_TEXT.split())
# Single-word types and how sqlglot prints them (lower-cased by the front end).
_TYPES = {
    "int": "int",
    "integer": "int",
    "int4": "int",
    "bigint": "bigint",
    "int8": "bigint",
    "smallint": "smallint",
    "int2": "smallint",
    "text": "text",
    "boolean": "boolean",
    "bool": "boolean",
    "uuid": "uuid",
    "jsonb": "jsonb",
    "json": "json",
    "bytea": "bytea",
    "timestamptz": "timestamptz",
    "timestamp": "timestamp",
    "date": "date",
    "real": "real",
    "numeric": "numeric",
    "decimal": "numeric",
    "varchar": "varchar",
    "char": "char",
    "serial": "serial",
    "bigserial": "bigserial",
    "smallserial": "smallserial",
    "inet": "inet",
}
# Types of several words: the words after the first, and the printed type.
_LONG_TYPES = {
    "double": ((("precision",), "double precision"),),
    "character": ((("varying",), "varchar"),),
    "timestamp": (
        (("with", "time", "zone"), "timestamptz"),
        (("without", "time", "zone"), "timestamp"),
    ),
}
_SIZED = frozenset({"varchar", "char", "numeric"})
_SERIAL = frozenset({"serial", "bigserial", "smallserial"})
# Function defaults without arguments: printed text and volatility (see sql.is_volatile).
_FUNCTIONS = {
    "now": ("CURRENT_TIMESTAMP", False),
    "gen_random_uuid": ("GEN_RANDOM_UUID()", True),
    "clock_timestamp": ("CLOCK_TIMESTAMP()", True),
}
_FK_ACTIONS = (("cascade",), ("restrict",), ("set", "null"), ("set", "default"), ("no", "action"))
# Keywords of sqlglot's tokenizer spelled with digits (RESERVED_WORDS has those without).
_DIGIT_KEYWORDS = frozenset(
    {
        "decimal128", "decimal256", "decimal32", "decimal64", "float4", "float8", "int1", "int128",
        "int16", "int2", "int256", "int32", "int4", "int4multirange", "int4range", "int64", "int8",
        "int8multirange", "int8range", "nvarchar2", "uint128", "uint256", "varchar2",
    }
)  # fmt: skip
# Casts of a string default and how sqlglot prints them: '{}'::jsonb is CAST('{}' AS JSONB).
_CASTS = {
    "jsonb": "JSONB",
    "json": "JSON",
    "text": "TEXT",
    "date": "DATE",
    "uuid": "UUID",
    "bytea": "BYTEA",
}
# Functions an expression may call (sqlglot reads each as a plain call): name -> (min, max) arguments.
_CALLS = {
    "now": (0, 0),
    "gen_random_uuid": (0, 0),
    "clock_timestamp": (0, 0),
    "random": (0, 0),
    "lower": (1, 1),
    "upper": (1, 1),
    "length": (1, 1),
    "char_length": (1, 1),
    "abs": (1, 1),
    "nullif": (2, 2),
    "coalesce": (1, 8),
    "greatest": (1, 8),
    "least": (1, 8),
}
# Words in RESERVED_WORDS that sqlglot nevertheless reads as a plain name wherever a name can
# stand, printing them as written (PostgreSQL accepts them unquoted too): ``name`` is a common
# column name. tests/test_fastpath.py compares them in every position.
_KEYWORD_NAMES = frozenset({"name"})
# Words never read as a name here.
_NOT_NAMES = (RESERVED_WORDS - _KEYWORD_NAMES) | _DIGIT_KEYWORDS
# Functions a CHECK may apply to its column, as sqlglot prints them.
_CHECK_FUNCTIONS = {"length": "LENGTH", "char_length": "LENGTH"}
_COMPARISONS = frozenset({"=", "<>", "!=", "<", ">", "<=", ">="})
# A user-defined type (an enum): a plain lower-case name; digits could spell a sqlglot type.
_USER_TYPE = re.compile(r"[a-z_]+")
_MAX_DEPTH = 40
_COLUMN_CONSTRAINTS = (
    ("not", "null"),
    ("null",),
    ("default",),
    ("primary", "key"),
    ("unique",),
    ("references",),
    ("check",),
    ("generated",),
)
_COLUMN_CONSTRAINT_STARTS = frozenset(words[0] for words in _COLUMN_CONSTRAINTS)


class _Bail(Exception):
    """The statement is not one of the shapes read here."""


class _Reader:
    """A cursor over the tokens of one statement.

    A token is its text; its first character tells its kind: a word (a letter or ``_``), a
    quoted name (``"``), a number (a digit), a string (``'``); operators and punctuation are
    compared by text. :data:`_LOOKAHEAD` empty tokens follow the last one.
    """

    def __init__(self, sql: str) -> None:
        texts: list[str] = _TOKEN.findall(sql)
        if texts and _ONE_TOKEN.fullmatch(texts[-1]) is None:
            raise _Bail  # a character no token starts with (a comment, ``$``, ``;`` …)
        self.count = len(texts)
        texts.extend([""] * _LOOKAHEAD)
        self.texts = texts
        #: Each token lower-cased: what at() compares (no other kind of token spells a word).
        #: No token holds a line break: lower-casing them joined by one is lower-casing each,
        #: in three calls instead of one per token.
        self.words = tuple("\n".join(texts).lower().split("\n"))
        self.i = 0

    # --- tokens -------------------------------------------------------------------------
    # These run some 100,000 times over a large corpus: they compare the first word alone
    # before slicing, as most calls test a word that is not there.

    def at(self, *words: str) -> bool:
        """Whether the next tokens are the (unquoted, any case) ``words``."""
        i = self.i
        return self.words[i] == words[0] and self.words[i : i + len(words)] == words

    def accept(self, *words: str) -> bool:
        i = self.i
        if self.words[i] != words[0] or self.words[i : i + len(words)] != words:
            return False
        self.i = i + len(words)
        return True

    def expect(self, *words: str) -> None:
        if not self.accept(*words):
            raise _Bail

    def punct(self, char: str) -> bool:
        if self.texts[self.i] == char:
            self.i += 1
            return True
        return False

    def need(self, char: str) -> None:
        if not self.punct(char):
            raise _Bail

    def done(self) -> bool:
        return self.i >= self.count

    # --- names --------------------------------------------------------------------------

    def plain_word(self) -> bool:
        """Take the next token if it is an unquoted name, not qualified (the commonest name).

        What ident() and the ``.`` test after it would do, without their tuple and calls: most
        names are read here.
        """
        i = self.i
        word = self.words[i]
        if word[:1] in _WORD_START and word not in _NOT_NAMES and self.texts[i + 1] != ".":
            self.i = i + 1
            return True
        return False

    def ident(self) -> tuple[str, bool]:
        """One identifier part: (text, quoted); reserved words and ``""`` escapes bail."""
        text = self.texts[self.i]
        if text[:1] in _WORD_START:
            if self.words[self.i] not in _NOT_NAMES:
                self.i += 1
                return text, False
        elif text[:1] == '"' and '""' not in text:
            self.i += 1
            return text[1:-1], True
        raise _Bail

    def name(self) -> str:
        """A column, constraint or index name, normalised as the sqlglot path does."""
        if self.plain_word():
            return self.words[self.i - 1]
        text, quoted = self.ident()
        if self.texts[self.i] == ".":
            raise _Bail
        # norm_name of a word (no blank, no dot) is the word lower-cased, as self.words has it.
        return norm_name(text, quoted=True) if quoted else self.words[self.i - 1]

    def table(self) -> str:
        """A possibly schema-qualified table name (at most ``schema.table``)."""
        if self.plain_word():
            return self.words[self.i - 1]
        text, quoted = self.ident()
        if not self.punct("."):
            return norm_name(text, quoted=True) if quoted else self.words[self.i - 1]
        schema = text if quoted else text.lower()
        text, quoted = self.ident()
        if self.texts[self.i] == ".":
            raise _Bail
        return norm_name(f"{schema}.{text if quoted else text.lower()}", quoted=True)

    def plain(self) -> str:
        """A lower-case unquoted name, printed as written in a regenerated expression."""
        text = self.texts[self.i]
        if text[:1] not in _WORD_START or text != self.words[self.i] or text in _NOT_NAMES:
            raise _Bail
        self.i += 1
        return text

    # --- types and defaults ------------------------------------------------------------

    def data_type(self, *, user: bool = False) -> str:
        """A type as sqlglot prints it; ``user``: a plain name is a user-defined type."""
        text = self.texts[self.i]
        if text[:1] not in _WORD_START:
            raise _Bail
        word = self.words[self.i]
        self.i += 1
        printed = _TYPES.get(word)
        for rest, long_name in _LONG_TYPES.get(word, ()):
            if self.accept(*rest):
                printed = long_name
                break
        if printed is None:
            if not user or not _USER_TYPE.fullmatch(text) or text in RESERVED_WORDS:
                raise _Bail
            if self.texts[self.i] in _TYPE_SUFFIXES:
                raise _Bail
            return text
        if self.punct("("):
            if printed not in _SIZED:
                raise _Bail
            sizes = [self.integer()]
            if self.punct(","):
                sizes.append(self.integer())
            self.need(")")
            printed += "(" + ",".join(sizes) + ")"
        if self.punct("["):
            self.need("]")
            printed += "[]"
            if self.texts[self.i] == "[":
                raise _Bail
        return printed

    def integer(self) -> str:
        text = self.texts[self.i]
        if text[:1] not in _DIGITS or "." in text:
            raise _Bail
        self.i += 1
        return text

    def default(self) -> tuple[str, bool]:
        """A literal or a known function call: (text as sqlglot prints it, volatile)."""
        i = self.i
        text = self.texts[i]
        if text == "-":
            nxt = self.texts[i + 1]
            if nxt[:1] not in _DIGITS:
                raise _Bail
            self.i += 2
            return "-" + nxt, False
        first = text[:1]
        if first == "'" and self.texts[i + 1] == "::":
            cast = _CASTS.get(self.words[i + 2])
            if cast is None or self.texts[i + 3] in _TYPE_SUFFIXES:
                raise _Bail
            self.i += 3
            return f"CAST({text} AS {cast})", False
        if first in _DIGITS or first == "'":
            self.i += 1
            return text, False
        if first in _WORD_START:
            word = self.words[i]
            if word in {"true", "false", "null", "current_timestamp"}:
                self.i += 1
                return word.upper(), False
            function = _FUNCTIONS.get(word)
            if function is not None and self.texts[i + 1] == "(" and self.texts[i + 2] == ")":
                self.i += 3
                return function
        raise _Bail

    # --- expressions (read, never printed: only whether sqlglot accepts them matters) --------

    def expression(self, depth: int = 0) -> None:
        """``a OR b``, ``a AND b``, ``NOT a``, comparisons, arithmetic, IS NULL, IN, LIKE."""
        if depth > _MAX_DEPTH:
            raise _Bail
        self.conjunction(depth)
        while self.accept("or"):
            self.conjunction(depth)

    def conjunction(self, depth: int) -> None:
        self.negation(depth)
        while self.accept("and"):
            self.negation(depth)

    def negation(self, depth: int) -> None:
        if self.accept("not"):
            self.negation(depth + 1)
            return
        self.comparison(depth)

    def comparison(self, depth: int) -> None:
        self.sum(depth)
        if self.texts[self.i] in _COMPARISONS:
            self.i += 1
            self.sum(depth)
        elif self.words[self.i] not in {"is", "in", "not", "like"}:
            return  # the common case, told before trying each of IS, IN and LIKE
        elif self.accept("is"):
            self.accept("not")
            if not (self.accept("null") or self.accept("true") or self.accept("false")):
                raise _Bail
        elif self.accept("in") or self.accept("not", "in"):
            self.need("(")
            if self.at("select"):
                self.select(depth + 1)
            else:
                self.expression(depth + 1)
                while self.punct(","):
                    self.expression(depth + 1)
            self.need(")")
        elif self.accept("like") or self.accept("not", "like"):
            self.sum(depth)

    def sum(self, depth: int) -> None:
        self.product(depth)
        while self.texts[self.i] in _ADDITIVE:
            self.i += 1
            self.product(depth)

    def product(self, depth: int) -> None:
        self.unary(depth)
        while self.texts[self.i] in _MULTIPLICATIVE:
            self.i += 1
            self.unary(depth)

    def unary(self, depth: int) -> None:
        if self.punct("-"):
            if depth > _MAX_DEPTH:
                raise _Bail
            self.unary(depth + 1)
            return
        self.primary(depth)
        while self.texts[self.i] == "::":
            self.i += 1
            self.data_type()

    def primary(self, depth: int) -> None:
        text = self.texts[self.i]
        first = text[:1]
        if first in _DIGITS or first == "'":
            self.i += 1
            return
        if text == "(":
            self.i += 1
            if self.at("select"):
                raise _Bail
            self.expression(depth + 1)
            self.need(")")
            return
        if first not in _WORD_START:
            raise _Bail
        word = self.words[self.i]
        if word in {"true", "false", "null", "current_timestamp", "current_date"}:
            self.i += 1
            return
        if word == "interval":
            if self.texts[self.i + 1][:1] != "'":
                raise _Bail
            self.i += 2
            return
        if self.texts[self.i + 1] == "(":
            arity = _CALLS.get(word)
            if arity is None:
                raise _Bail
            self.i += 2
            count = 0
            if not self.punct(")"):
                self.expression(depth + 1)
                count = 1
                while self.punct(","):
                    self.expression(depth + 1)
                    count += 1
                self.need(")")
            if not arity[0] <= count <= arity[1]:
                raise _Bail
            return
        self.ident()
        if self.punct("."):
            self.ident()

    def select(self, depth: int) -> None:
        """``SELECT * | e, … FROM t [WHERE e] [ORDER BY e [ASC|DESC], …] [LIMIT n|name] [FOR UPDATE …]``."""
        self.expect("select")
        if self.texts[self.i] == "*":
            self.i += 1
        else:
            self.expression(depth)
            while self.punct(","):
                self.expression(depth)
        self.expect("from")
        self.table()
        if self.accept("where"):
            self.expression(depth)
        if self.accept("order", "by"):
            while True:
                self.expression(depth)
                if not self.accept("asc"):
                    self.accept("desc")
                if not self.punct(","):
                    break
        if self.accept("limit"):
            if self.texts[self.i][:1] in _DIGITS:
                self.integer()
            else:
                self.ident()
        if self.accept("for", "update") and not self.accept("skip", "locked"):
            self.accept("nowait")

    # --- statements ---------------------------------------------------------------------

    def statement(self) -> list[Operation]:
        ops: list[Operation]
        # The first word tells the statement: one comparison each, not an accept() call each.
        first, second = self.words[0], self.words[1]
        if first == "alter":
            self.expect("alter", "table")
            ops = self.alter_table()
        elif first == "create" and second == "table":
            self.i = 2
            ops = [self.create_table()]
        elif first == "create":
            ops = [self.create_index()]
        elif first == "drop" and second == "table":
            self.i = 2
            ops = self.drop_table()
        elif first == "drop":
            self.expect("drop", "type")
            ops = self.drop_type()
        elif first == "update":
            self.i = 1
            ops = [self.update()]
        elif first == "delete":
            self.expect("delete", "from")
            ops = [self.delete()]
        elif first == "insert":
            self.expect("insert", "into")
            ops = [self.insert()]
        else:
            raise _Bail
        if not self.done():
            raise _Bail
        return ops

    def alter_table(self) -> list[Operation]:
        if self.words[self.i] in {"if", "only"}:
            raise _Bail  # sqlglot reads these in its own way; leave them to it
        table = self.table()
        if self.accept("validate", "constraint"):
            # sqlglot leaves this to the front end's own reader: table and name as it reads them.
            return [ValidateConstraint(table=table, name=self.name())]
        if self.at("add", "constraint") and self.lookahead_using_index():
            return [self.using_index(table)]
        ops: list[Operation] = []
        not_valid = False
        while True:
            op, marked = self.action(table)
            ops.append(op)
            not_valid = not_valid or marked
            if not self.punct(","):
                break
        if not_valid and len(ops) > 1:
            raise _Bail  # NOT VALID marks the whole statement in sqlglot's tree
        return ops

    def using_index(self, table: str) -> Operation:
        """``ADD CONSTRAINT c UNIQUE|PRIMARY KEY USING INDEX i``, alone (the front end's reader)."""
        self.expect("add", "constraint")
        name = self.name()
        if self.accept("unique"):
            kind = ConstraintKind.UNIQUE
        else:
            self.expect("primary", "key")
            kind = ConstraintKind.PRIMARY_KEY
        self.expect("using", "index")
        return AddConstraint(table=table, name=name, constraint=kind, using_index=self.name())

    def lookahead_using_index(self) -> bool:
        return "using" in self.words[self.i : self.count]

    def action(self, table: str) -> tuple[Operation, bool]:
        """One ALTER TABLE action, and whether it ended with NOT VALID."""
        verb = self.words[self.i]
        if verb == "add":
            if self.accept("add", "constraint"):
                return self.add_constraint(table)
            self.i += 1
            self.accept("column")
            if_not_exists = self.accept("if", "not", "exists")
            return AddColumn(table=table, column=self.column(), if_not_exists=if_not_exists), False
        if verb == "drop":
            if self.accept("drop", "constraint"):
                if_exists = self.accept("if", "exists")
                name = self.name()
                self.drop_behaviour()
                return DropConstraint(table=table, name=name, if_exists=if_exists), False
            self.i += 1
            self.accept("column")
            if_exists = self.accept("if", "exists")
            name = self.name()
            self.drop_behaviour()
            return DropColumn(table=table, column=name, if_exists=if_exists), False
        if verb == "alter":
            self.i += 1
            self.accept("column")
            return self.alter_column(table, self.name()), False
        if self.accept("rename", "column"):
            column = self.name()
            self.expect("to")
            return RenameColumn(table=table, column=column, new_name=self.name()), False
        if self.accept("rename", "to"):
            return RenameTable(table=table, new_name=self.name()), False
        raise _Bail

    def drop_behaviour(self) -> None:
        if not self.accept("cascade"):
            self.accept("restrict")

    def column(self) -> ColumnDef:
        """A column definition, its constraints applied in order as the sqlglot path does."""
        name = self.name()
        data_type = self.data_type(user=True)
        nullable = True
        default: str | None = None
        volatile = identity = primary = unique = False
        references: str | None = None
        while True:
            if self.words[self.i] == "constraint":
                self.i += 1
                self.name()
                if not self.at_column_constraint():
                    raise _Bail
            word = self.words[self.i]
            if word not in _COLUMN_CONSTRAINT_STARTS:
                break  # the common end of a column, told before trying each constraint
            # Each constraint starts with its own word: compare it before calling accept().
            if word == "not" and self.accept("not", "null"):
                nullable = False
            elif word == "null" and self.accept("null"):
                nullable = True
            elif word == "default" and default is None and self.accept("default"):
                default, volatile = self.default()
            elif word == "primary" and self.accept("primary", "key"):
                primary, nullable = True, False
            elif word == "unique" and self.accept("unique"):
                unique = True
            elif word == "references" and references is None and self.accept("references"):
                references = self.references()
            elif word == "check" and self.accept("check"):
                self.check_body()
            elif word == "generated" and self.accept("generated"):
                if not self.accept("always"):
                    self.expect("by", "default")
                self.expect("as", "identity")
                identity = True
            else:
                break
        return ColumnDef(
            name=name,
            type=data_type,
            nullable=nullable,
            default=default,
            default_volatile=volatile,
            identity=identity,
            serial=data_type in _SERIAL,
            primary_key=primary,
            unique=unique,
            references=references,
        )

    def at_column_constraint(self) -> bool:
        """Whether a column constraint follows (after ``CONSTRAINT name``)."""
        return any(self.at(*words) for words in _COLUMN_CONSTRAINTS)

    def references(self) -> str:
        """``REFERENCES t [(c, …)] [ON DELETE|UPDATE action]…``: the table (name only)."""
        table = self.table()
        if self.texts[self.i] == "(":
            self.name_list()
        seen: set[str] = set()
        while self.accept("on"):
            event = "delete" if self.accept("delete") else "update" if self.accept("update") else None
            if event is None or event in seen:
                raise _Bail
            seen.add(event)
            if not any(self.accept(*a) for a in _FK_ACTIONS):
                raise _Bail
        return table

    def check_body(self) -> None:
        """``(expression)`` of a CHECK whose text the IR does not keep."""
        self.need("(")
        self.expression()
        self.need(")")

    def alter_column(self, table: str, column: str) -> Operation:
        if self.accept("set", "not", "null"):
            return SetNotNull(table=table, column=column)
        if self.accept("drop", "not", "null"):
            return DropNotNull(table=table, column=column)
        if self.accept("set", "default"):
            default, volatile = self.default()
            return SetDefault(table=table, column=column, default=default, volatile=volatile)
        if self.accept("drop", "default"):
            return SetDefault(table=table, column=column, default=None)
        if self.accept("set", "data", "type") or self.accept("type"):
            new_type = self.data_type()
            using: str | None = None
            if self.accept("using"):
                # Only ``USING c AT TIME ZONE 'zone'``: sqlglot prints it with the keywords upper-case.
                source = self.plain()
                self.expect("at", "time", "zone")
                zone = self.texts[self.i]
                if zone[:1] != "'":
                    raise _Bail
                self.i += 1
                using = f"{source} AT TIME ZONE {zone}"
            if self.at("collate"):
                raise _Bail
            return AlterColumnType(table=table, column=column, new_type=new_type, using=using)
        raise _Bail

    def add_constraint(self, table: str) -> tuple[Operation, bool]:
        name = self.name()
        if self.accept("check"):
            self.need("(")
            expression = self.check_expression()
            self.need(")")
            not_valid = self.accept("not", "valid")
            op = AddConstraint(
                table=table,
                name=name,
                constraint=ConstraintKind.CHECK,
                not_valid=not_valid,
                expression=expression,
            )
            return op, not_valid
        if self.accept("foreign", "key"):
            return self.foreign_key(table, name)
        if self.accept("unique"):
            kind = ConstraintKind.UNIQUE
        elif self.accept("primary", "key"):
            kind = ConstraintKind.PRIMARY_KEY
        else:
            raise _Bail
        columns = tuple(self.name_list())
        return AddConstraint(table=table, name=name, constraint=kind, columns=columns), False

    def check_expression(self) -> str:
        """A CHECK's condition, as the text sqlglot prints for it.

        ``x IS [NOT] NULL``, ``x op literal`` or ``x [NOT] IN (literal, …)``, where ``x`` is a
        column or ``[char_]length(column)``.
        """
        column = self.plain()
        function = _CHECK_FUNCTIONS.get(column)
        if function is not None and self.punct("("):
            column = f"{function}({self.plain()})"
            self.need(")")
        elif self.texts[self.i] == "(":
            raise _Bail
        if self.accept("is"):
            negated = self.accept("not")
            self.expect("null")
            return f"{column} IS {'NOT ' if negated else ''}NULL"
        negated = self.accept("not", "in")
        if negated or self.accept("in"):
            self.need("(")
            items = [self.check_literal()]
            while self.punct(","):
                items.append(self.check_literal())
            self.need(")")
            return f"{'NOT ' if negated else ''}{column} IN ({', '.join(items)})"
        op = self.texts[self.i]
        if op not in _COMPARISONS:
            raise _Bail
        self.i += 1
        return f"{column} {'<>' if op == '!=' else op} {self.check_literal()}"

    def check_literal(self) -> str:
        """A number or a string, as sqlglot prints it."""
        literal, _ = self.default()
        if not literal[:1].isdigit() and literal[:1] not in {"'", "-"}:
            raise _Bail
        if literal.startswith("CAST("):
            raise _Bail
        return literal

    def name_list(self) -> list[str]:
        self.need("(")
        names = [self.name()]
        while self.punct(","):
            names.append(self.name())
        self.need(")")
        return names

    def plain_list(self) -> list[str]:
        self.need("(")
        names = [self.plain()]
        while self.punct(","):
            names.append(self.plain())
        self.need(")")
        return names

    def foreign_key(self, table: str, name: str) -> tuple[Operation, bool]:
        columns = self.plain_list()
        self.expect("references")
        ref_parts = [self.plain()]
        if self.punct("."):
            ref_parts.append(self.plain())
        ref_columns = self.plain_list() if self.texts[self.i] == "(" else None
        text = f"FOREIGN KEY ({', '.join(columns)}) REFERENCES {'.'.join(ref_parts)}"
        if ref_columns is not None:
            text += f" ({', '.join(ref_columns)})"
        seen: set[str] = set()
        while self.accept("on"):
            # sqlglot prints some of these words as written: only upper-case ones are read here.
            start = self.i
            event = "delete" if self.accept("delete") else "update" if self.accept("update") else None
            if event is None or event in seen:
                raise _Bail
            seen.add(event)
            action = next((a for a in _FK_ACTIONS if self.accept(*a)), None)
            if action is None or any(t != t.upper() for t in self.texts[start : self.i]):
                raise _Bail
            text += f" ON {event.upper()} {' '.join(action).upper()}"
        not_valid = self.accept("not", "valid")
        op = AddConstraint(
            table=table,
            name=name,
            constraint=ConstraintKind.FOREIGN_KEY,
            columns=tuple(norm_name(c) for c in columns),
            not_valid=not_valid,
            references=norm_name(".".join(ref_parts), quoted=True),
            expression=text,
        )
        return op, not_valid

    def create_index(self) -> CreateIndex:
        self.expect("create")
        unique = self.accept("unique")
        self.expect("index")
        concurrently = self.accept("concurrently")
        if_not_exists = self.accept("if", "not", "exists")
        if self.at("on"):
            raise _Bail  # an unnamed index: leave it to sqlglot
        name = self.name()
        self.expect("on")
        if self.at("only"):
            raise _Bail
        table = self.table()
        if self.accept("using"):
            if self.texts[self.i][:1] not in _WORD_START:
                raise _Bail
            self.ident()
        self.need("(")
        columns = [self.index_column()]
        while self.punct(","):
            columns.append(self.index_column())
        self.need(")")
        where: str | None = None
        if self.accept("where"):
            column = self.plain()
            self.expect("is")
            negated = self.accept("not")
            self.expect("null")
            where = f"{column} IS {'NOT ' if negated else ''}NULL"
        return CreateIndex(
            name=name,
            table=table,
            columns=tuple(columns),
            unique=unique,
            concurrently=concurrently,
            if_not_exists=if_not_exists,
            where=where,
        )

    def index_column(self) -> str:
        column = self.name()
        if not self.accept("asc"):
            self.accept("desc")
        return column

    def drop_table(self) -> list[Operation]:
        if_exists = self.accept("if", "exists")
        names = [self.table()]
        while self.punct(","):
            names.append(self.table())
        cascade = self.accept("cascade")
        if not cascade:
            self.accept("restrict")
        return [DropTable(table=n, if_exists=if_exists, cascade=cascade) for n in names]

    def create_table(self) -> CreateTable:
        """``CREATE TABLE [IF NOT EXISTS] t (columns and table constraints)``, nothing after."""
        if_not_exists = self.accept("if", "not", "exists")
        table = self.table()
        self.need("(")
        columns: list[ColumnDef] = []
        primary: set[str] = set()
        unique: set[str] = set()
        refs: dict[str, str] = {}
        while True:
            if self.words[self.i] == "constraint":
                self.i += 1
                self.name()
                if self.words[self.i] not in {"primary", "unique", "check", "foreign"}:
                    raise _Bail
            # Most items are columns: compare the word before calling accept() for each constraint.
            word = self.words[self.i]
            if word == "primary" and self.accept("primary", "key"):
                primary.update(self.name_list())
            elif word == "unique" and self.accept("unique"):
                names = self.name_list()
                if len(names) == 1:
                    unique.update(names)
            elif word == "check" and self.accept("check"):
                self.check_body()
            elif word == "foreign" and self.accept("foreign", "key"):
                names = self.name_list()
                self.expect("references")
                target = self.references()
                if len(names) == 1:
                    refs[names[0]] = target
            else:
                columns.append(self.column())
            if not self.punct(","):
                break
        self.need(")")
        return CreateTable(
            table=table,
            columns=tuple(
                # dataclasses.replace is slow: copy only the columns a table constraint names.
                replace(
                    c,
                    primary_key=c.primary_key or c.name in primary,
                    nullable=c.nullable and c.name not in primary,
                    unique=c.unique or c.name in unique,
                    references=c.references or refs.get(c.name),
                )
                if c.name in primary or c.name in unique or c.name in refs
                else c
                for c in columns
            ),
            if_not_exists=if_not_exists,
        )

    def update(self) -> DataChange:
        """``UPDATE t SET c = e, … [WHERE e]``."""
        if self.at("only"):
            raise _Bail
        table = self.table()
        self.expect("set")
        while True:
            self.name()
            if self.texts[self.i] != "=":
                raise _Bail
            self.i += 1
            self.expression()
            if not self.punct(","):
                break
        has_where = self.accept("where")
        if has_where:
            self.expression()
        return DataChange(change=DataChangeKind.UPDATE, table=table, has_where=has_where)

    def delete(self) -> DataChange:
        """``DELETE FROM t [WHERE e]``."""
        if self.at("only"):
            raise _Bail
        table = self.table()
        has_where = self.accept("where")
        if has_where:
            self.expression()
        return DataChange(change=DataChangeKind.DELETE, table=table, has_where=has_where)

    def insert(self) -> DataChange:
        """``INSERT INTO t [(c, …)] SELECT …`` or ``… VALUES (e, …), … [ON CONFLICT … DO NOTHING]``."""
        table = self.table()
        if self.texts[self.i] == "(":
            self.name_list()
        if self.at("select"):
            self.select(0)
            return DataChange(change=DataChangeKind.INSERT_SELECT, table=table)
        self.expect("values")
        while True:
            self.need("(")
            self.expression()
            while self.punct(","):
                self.expression()
            self.need(")")
            if not self.punct(","):
                break
        if self.accept("on", "conflict"):
            if self.texts[self.i] == "(":
                self.name_list()
            self.expect("do", "nothing")
        return DataChange(change=DataChangeKind.INSERT_VALUES, table=table)

    def drop_type(self) -> list[Operation]:
        """``DROP TYPE [IF EXISTS] t [CASCADE|RESTRICT]``."""
        self.accept("if", "exists")
        name = self.table()  # sqlglot rejects a list of types
        self.drop_behaviour()
        return [EnumChange(type_name=name, action="drop")]


def read(sql: str) -> list[Operation] | None:
    """The IR of one PostgreSQL statement (no trailing ``;``) of a shape read here, else None."""
    if not ENABLED:
        return None
    try:
        return _Reader(sql).statement()
    except _Bail:
        return None
