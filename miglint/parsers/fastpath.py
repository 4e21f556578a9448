"""Read the most common DDL statements without sqlglot, into the very same IR.

Most statements of a migration are short and follow a handful of shapes: ``ALTER TABLE t ADD
COLUMN c type [NOT NULL] [DEFAULT literal]``, ``ALTER COLUMN … SET NOT NULL``, ``DROP COLUMN``,
``ADD CONSTRAINT … CHECK (c IS NOT NULL) NOT VALID``, ``VALIDATE CONSTRAINT``, ``CREATE INDEX
CONCURRENTLY i ON t (c)``, ``DROP TABLE``. Building and printing a sqlglot tree for each costs
~0.1 ms; this reader tokenizes the statement with one regular expression and follows a small
recursive-descent grammar of exactly those shapes.

It is conservative: any token, name or shape it does not expect (reserved words as names,
comments, E'' strings, expressions beyond literals, options sqlglot reads in a peculiar way)
makes it return None, and the statement goes to sqlglot as before. What it returns must be
identical — every field, those ignored by ``==`` included — to what the sqlglot path returns;
tests/test_fastpath.py compares both on the fixtures, a generated corpus and generated
statements. :data:`ENABLED` switches it off.
"""

from __future__ import annotations

import re

from miglint.ir.ops import (
    AddColumn,
    AddConstraint,
    AlterColumnType,
    ColumnDef,
    ConstraintKind,
    CreateIndex,
    DropColumn,
    DropConstraint,
    DropNotNull,
    DropTable,
    Operation,
    RenameColumn,
    RenameTable,
    SetDefault,
    SetNotNull,
    ValidateConstraint,
    norm_name,
)
from miglint.parsers.sql import RESERVED_WORDS

__all__ = ["ENABLED", "read"]

#: Whether :func:`read` is tried before sqlglot (tests turn it off to compare).
ENABLED = True

_TOKEN = re.compile(
    r"""\s*(?:
      (?P<word>[A-Za-z_][A-Za-z0-9_]*)(?![A-Za-z0-9_$])
    | (?P<quoted>"[^"\n]+")
    | (?P<number>(?:0|[1-9][0-9]*)(?:\.[0-9]+)?)(?![A-Za-z0-9_.])
    | (?P<string>'[^'\\\n]*(?:''[^'\\\n]*)*')
    | (?P<punct>[(),.\[\]-])
    )""",
    re.VERBOSE,
)
_END = re.compile(r"\s*")

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


class _Bail(Exception):
    """The statement is not one of the shapes read here."""


class _Reader:
    def __init__(self, sql: str) -> None:
        self.tokens: list[tuple[str, str]] = []
        pos, n = 0, len(sql)
        match = _TOKEN.match
        while True:
            m = match(sql, pos)
            if m is None or m.end() == pos:
                break
            kind = m.lastgroup
            assert kind is not None
            self.tokens.append((kind, m.group(kind)))
            pos = m.end()
        if _END.match(sql, pos).end() != n:  # pyright: ignore[reportOptionalMemberAccess]
            raise _Bail
        self.i = 0

    # --- tokens -------------------------------------------------------------------------

    def peek(self, offset: int = 0) -> tuple[str, str]:
        j = self.i + offset
        return self.tokens[j] if j < len(self.tokens) else ("end", "")

    def at(self, *words: str) -> bool:
        """Whether the next tokens are the (unquoted, any case) ``words``."""
        for k, word in enumerate(words):
            kind, text = self.peek(k)
            if kind != "word" or text.lower() != word:
                return False
        return True

    def accept(self, *words: str) -> bool:
        if self.at(*words):
            self.i += len(words)
            return True
        return False

    def expect(self, *words: str) -> None:
        if not self.accept(*words):
            raise _Bail

    def punct(self, char: str) -> bool:
        if self.peek() == ("punct", char):
            self.i += 1
            return True
        return False

    def need(self, char: str) -> None:
        if not self.punct(char):
            raise _Bail

    def done(self) -> bool:
        return self.i >= len(self.tokens)

    # --- names --------------------------------------------------------------------------

    def ident(self) -> tuple[str, bool]:
        """One identifier part: (text, quoted); reserved words and ``""`` escapes bail."""
        kind, text = self.peek()
        if kind == "word" and text.lower() not in RESERVED_WORDS:
            self.i += 1
            return text, False
        if kind == "quoted" and '""' not in text:
            self.i += 1
            return text[1:-1], True
        raise _Bail

    def name(self) -> str:
        """A column, constraint or index name, normalised as the sqlglot path does."""
        text, quoted = self.ident()
        if self.peek() == ("punct", "."):
            raise _Bail
        return norm_name(text, quoted=quoted)

    def table(self) -> str:
        """A possibly schema-qualified table name (at most ``schema.table``)."""
        parts = [self.ident()]
        if self.punct("."):
            parts.append(self.ident())
            if self.peek() == ("punct", "."):
                raise _Bail
        joined = ".".join(text if quoted else text.lower() for text, quoted in parts)
        return norm_name(joined, quoted=True)

    def plain(self) -> str:
        """A lower-case unquoted name, printed as written in a regenerated expression."""
        kind, text = self.peek()
        if kind != "word" or text != text.lower() or text in RESERVED_WORDS:
            raise _Bail
        self.i += 1
        return text

    # --- types and defaults ------------------------------------------------------------

    def data_type(self) -> str:
        kind, text = self.peek()
        if kind != "word":
            raise _Bail
        word = text.lower()
        self.i += 1
        printed = _TYPES.get(word)
        for rest, long_name in _LONG_TYPES.get(word, ()):
            if self.accept(*rest):
                printed = long_name
                break
        if printed is None:
            raise _Bail
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
            if self.peek() == ("punct", "["):
                raise _Bail
        return printed

    def integer(self) -> str:
        kind, text = self.peek()
        if kind != "number" or "." in text:
            raise _Bail
        self.i += 1
        return text

    def default(self) -> tuple[str, bool]:
        """A literal or a known function call: (text as sqlglot prints it, volatile)."""
        kind, text = self.peek()
        if kind == "punct" and text == "-":
            nxt_kind, nxt = self.peek(1)
            if nxt_kind != "number":
                raise _Bail
            self.i += 2
            return "-" + nxt, False
        if kind in {"number", "string"}:
            self.i += 1
            return text, False
        if kind == "word":
            word = text.lower()
            if word in {"true", "false", "null", "current_timestamp"}:
                self.i += 1
                return word.upper(), False
            function = _FUNCTIONS.get(word)
            if function is not None and self.peek(1) == ("punct", "(") and self.peek(2) == ("punct", ")"):
                self.i += 3
                return function
        raise _Bail

    # --- statements ---------------------------------------------------------------------

    def statement(self) -> list[Operation]:
        ops: list[Operation]
        if self.accept("alter", "table"):
            ops = self.alter_table()
        elif self.at("create", "index") or self.at("create", "unique", "index"):
            ops = [self.create_index()]
        elif self.accept("drop", "table"):
            ops = self.drop_table()
        else:
            raise _Bail
        if not self.done():
            raise _Bail
        return ops

    def alter_table(self) -> list[Operation]:
        if self.at("if") or self.at("only"):
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
        return any(kind == "word" and text.lower() == "using" for kind, text in self.tokens[self.i :])

    def action(self, table: str) -> tuple[Operation, bool]:
        """One ALTER TABLE action, and whether it ended with NOT VALID."""
        if self.accept("add", "constraint"):
            return self.add_constraint(table)
        if self.accept("add"):
            self.accept("column")
            if_not_exists = self.accept("if", "not", "exists")
            return AddColumn(table=table, column=self.column(), if_not_exists=if_not_exists), False
        if self.accept("drop", "constraint"):
            if_exists = self.accept("if", "exists")
            name = self.name()
            self.drop_behaviour()
            return DropConstraint(table=table, name=name, if_exists=if_exists), False
        if self.accept("drop"):
            self.accept("column")
            if_exists = self.accept("if", "exists")
            name = self.name()
            self.drop_behaviour()
            return DropColumn(table=table, column=name, if_exists=if_exists), False
        if self.accept("alter"):
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
        name = self.name()
        data_type = self.data_type()
        nullable = True
        default: str | None = None
        volatile = False
        while True:
            if self.accept("not", "null"):
                nullable = False
            elif self.accept("null"):
                nullable = True
            elif default is None and self.accept("default"):
                default, volatile = self.default()
            else:
                break
        return ColumnDef(
            name=name,
            type=data_type,
            nullable=nullable,
            default=default,
            default_volatile=volatile,
            serial=data_type in _SERIAL,
        )

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
            if self.at("using") or self.at("collate"):
                raise _Bail
            return AlterColumnType(table=table, column=column, new_type=new_type)
        raise _Bail

    def add_constraint(self, table: str) -> tuple[Operation, bool]:
        name = self.name()
        if self.accept("check"):
            self.need("(")
            column = self.plain()
            self.expect("is")
            negated = self.accept("not")
            self.expect("null")
            self.need(")")
            expression = f"{column} IS {'NOT ' if negated else ''}NULL"
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
        ref_columns = self.plain_list() if self.peek() == ("punct", "(") else None
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
            if action is None or any(t != t.upper() for _, t in self.tokens[start : self.i]):
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
            if self.peek()[0] != "word":
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


def read(sql: str) -> list[Operation] | None:
    """The IR of one PostgreSQL statement (no trailing ``;``) of a shape read here, else None."""
    if not ENABLED:
        return None
    try:
        return _Reader(sql).statement()
    except _Bail:
        return None
