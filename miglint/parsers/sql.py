"""The SQL front end: statements to IR operations.

Each statement is split out (:mod:`miglint.parsers.split`) and parsed on its own with sqlglot,
so one broken statement is one :class:`~miglint.ir.ops.ParseError` and the rest of the file is
still read. What sqlglot turns into a generic ``Command`` (VALIDATE CONSTRAINT, ADD VALUE,
USING INDEX, REINDEX, DO blocks, VACUUM, CLUSTER, …) is classified here. Statements that are
valid but cannot be modelled become :class:`~miglint.ir.ops.Opaque` with a reason; recognised
statements that cannot hurt (COMMENT ON, GRANT, SELECT, CREATE VIEW, …) become
:class:`~miglint.ir.ops.Harmless`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import replace
from functools import lru_cache
from types import ModuleType
from typing import TYPE_CHECKING, Any, cast

from miglint.findings import Location
from miglint.frozen import build
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
    DropIndex,
    DropNotNull,
    DropTable,
    EnumChange,
    Harmless,
    MaintenanceCommand,
    MaintenanceKind,
    Opaque,
    Operation,
    ParseError,
    RenameColumn,
    RenameTable,
    SetDefault,
    SetNotNull,
    SetTimeout,
    TimeoutKind,
    TransactionAction,
    TransactionControl,
    TruncateTable,
    ValidateConstraint,
    norm_name,
)
from miglint.parsers import fastpath
from miglint.parsers.lazyre import LazyPattern
from miglint.parsers.split import located_statements, mask

if TYPE_CHECKING:
    import sqlglot
    from sqlglot import exp
    from sqlglot.dialects.dialect import Dialect
    from sqlglot.errors import ParseError as SqlglotParseError
    from sqlglot.errors import SqlglotError

    from miglint.config import Settings
else:

    class _Lazy(ModuleType):
        """Stands for sqlglot until first used: files without DDL/DML never import it (~70 ms)."""

        def __getattr__(self, name: str) -> Any:
            return getattr(_load_sqlglot()[self.__name__], name)

    sqlglot = _Lazy("sqlglot")
    exp = _Lazy("exp")


def _load_sqlglot() -> dict[str, Any]:
    """Import sqlglot and bind the module globals that stood for it (idempotent)."""
    import logging  # here: a run that never needs sqlglot need not import logging (~3 ms)

    import sqlglot as real
    from sqlglot import exp as real_exp
    from sqlglot.errors import ParseError, SqlglotError

    logging.getLogger("sqlglot").setLevel(logging.CRITICAL)
    names: dict[str, Any] = {
        "sqlglot": real,
        "exp": real_exp,
        "SqlglotError": SqlglotError,
        "SqlglotParseError": ParseError,
    }
    globals().update(names)
    return names


@lru_cache(maxsize=8)
def _dialect(name: str) -> Dialect:
    """One sqlglot Dialect per name: resolving a name per statement costs more than parsing it."""
    from sqlglot.dialects.dialect import Dialect

    return Dialect.get_or_raise(name)


__all__ = ["classify", "parse_sql", "substitute_placeholders"]

# --- names and small helpers ---------------------------------------------------------------

# Non-ASCII BMP letters are spelled as a negated class: a literal \u0080-\uffff range costs
# ~5 ms per compiled pattern (re's charset optimiser), and dozens of patterns embed this one.
# Case-sensitive even in IGNORECASE patterns, where folding its ranges costs ~0.15 ms per copy:
# the few characters it then also takes (the Kelvin sign, long s, …) fold to an ASCII letter,
# so the letter class beside it took them already (tests/test_sql_frontend.py checks every
# code point).
_NON_ASCII_CLASS = r"[^\x00-\x7f\U00010000-\U0010ffff]"
_NON_ASCII = rf"(?-i:{_NON_ASCII_CLASS})"
# A name's first character. [A-Za-z_] is case-sensitive too: folding its ranges costs ~0.2 ms
# per copy in an IGNORECASE pattern (~0.4 ms per embedded _NAME), and what folding would add
# (the Kelvin sign, long s, dotless i, …) is non-ASCII BMP, which the other class takes anyway.
_NAME_START = rf"(?-i:[A-Za-z_]|{_NON_ASCII_CLASS})"
_IDENT = rf'(?:"(?:[^"]|"")+"|`[^`]+`|{_NAME_START}(?:[\w$]|{_NON_ASCII})*)'
_NAME = rf"{_IDENT}(?:\s*\.\s*{_IDENT})*"
_NAME_RE = LazyPattern(_NAME)
_IDENT_RE = LazyPattern(_IDENT)


def _ident(part: str) -> str:
    part = part.strip()
    if len(part) >= 2 and part[0] == part[-1] and part[0] in '"`':
        return part[1:-1].replace(part[0] * 2, part[0])
    return part.lower()


def sql_name(text: str) -> str:
    """Normalise a possibly qualified, possibly quoted SQL name written in source text."""
    parts = [_ident(p) for p in _IDENT_RE.findall(text)]
    return norm_name(".".join(parts), quoted=True)


def _id_name(node: exp.Expr | None) -> str:
    """The normalised name of an Identifier/Column/Table-like node."""
    if node is None:
        return ""
    if isinstance(node, exp.Identifier):
        return norm_name(node.name, quoted=bool(node.args.get("quoted")))
    if isinstance(node, exp.Schema):
        return _id_name(node.this)
    if isinstance(node, exp.Table):
        parts: list[str] = []
        for key in ("catalog", "db", "this"):
            part = node.args.get(key)
            if isinstance(part, exp.Identifier):
                parts.append(part.name if part.args.get("quoted") else part.name.lower())
            elif isinstance(part, exp.Expr):
                parts.append(part.name.lower())
        return norm_name(".".join(p for p in parts if p), quoted=True)
    if isinstance(node, exp.Column):
        ident = node.this
        if isinstance(ident, exp.Identifier):
            return _id_name(ident)
        return node.name.lower()
    return norm_name(node.name)


def _arg_list(node: exp.Expr, key: str) -> list[exp.Expr]:
    """The list argument ``key`` of ``node`` (empty when absent)."""
    value: object = node.args.get(key)
    if isinstance(value, list):
        return [v for v in cast(list[object], value) if isinstance(v, exp.Expr)]
    return []


def _type_text(node: exp.Expr | None, dialect: str) -> str:
    """A data type as lower-case text: ``varchar(255)``, ``bigint``, ``timestamp``, ``serial``."""
    if node is None:
        return ""
    text = node.sql(dialect=_dialect(dialect)).lower().replace(", ", ",")
    if text.startswith("decimal"):
        text = "numeric" + text[len("decimal") :]
    return text


def _expr_text(node: exp.Expr | None, dialect: str) -> str:
    return "" if node is None else node.sql(dialect=_dialect(dialect))


#: Functions whose value differs per row: a default using one rewrites the table.
VOLATILE_FUNCTIONS = frozenset(
    {
        "random",
        "clock_timestamp",
        "timeofday",
        "gen_random_uuid",
        "uuid_generate_v1",
        "uuid_generate_v1mc",
        "uuid_generate_v4",
        "uuidv4",
        "uuidv7",
        "uuid_generate_v7",
        "nextval",
        "setval",
        "txid_current",
        "uuid",
        "newid",
        "random_uuid",
    }
)
#: Functions known to be immutable or stable (evaluated once for ADD COLUMN … DEFAULT).
STABLE_FUNCTIONS = frozenset(
    {
        "now",
        "statement_timestamp",
        "transaction_timestamp",
        "current_setting",
        "to_jsonb",
        "to_json",
        "jsonb_build_object",
        "json_build_object",
        "jsonb_build_array",
        "json_build_array",
        "array_fill",
        "make_interval",
        "make_date",
        "make_timestamp",
        "make_timestamptz",
        "timezone",
        "current_schema",
        "current_database",
        "inet_client_addr",
        "pg_backend_pid",
        "concat",
        "concat_ws",
        "format",
        "replace",
        "btrim",
        "nullif",
        "coalesce",
        "greatest",
        "least",
    }
)
_VOLATILE_CLASSES = frozenset({"Rand", "Randn", "Uuid", "Random"})


def is_volatile(node: exp.Expr | None) -> bool:
    """Whether a default expression is volatile (a per-row value that forces a rewrite).

    ``now()`` / ``CURRENT_TIMESTAMP`` are STABLE: PostgreSQL 11+ evaluates them once. Unknown
    function calls count as volatile (user functions are VOLATILE unless declared otherwise).
    """
    if node is None:
        return False
    for sub in node.walk():
        if not isinstance(sub, exp.Func):
            continue
        if isinstance(sub, exp.Anonymous):
            name = sub.name.lower().rsplit(".", 1)[-1]
            if name in VOLATILE_FUNCTIONS or name not in STABLE_FUNCTIONS:
                return True
        elif type(sub).__name__ in _VOLATILE_CLASSES:
            return True
    return False


def substitute_placeholders(text: str, placeholders: Mapping[str, str]) -> str:
    """Replace each placeholder key (e.g. ``${schema}``) by its value, longest keys first.

    Values containing newlines are flattened to spaces so that line numbers are preserved.
    """
    for key in sorted(placeholders, key=len, reverse=True):
        if key:
            text = text.replace(key, placeholders[key].replace("\n", " "))
    return text


def _split_top_level(text: str, sep: str = ",", *, masked: str | None = None) -> list[tuple[int, str]]:
    """Split at ``sep`` outside parentheses and quotes; (offset, part) pairs.

    ``masked`` is ``mask(text)`` when the caller has it already.
    """
    if masked is None:
        masked = mask(text)
    parts: list[tuple[int, str]] = []
    depth = 0  # parentheses open before the current separator (str.count, not a Python loop)
    start = 0
    end = 0
    for piece in masked.split(sep)[:-1]:
        depth += piece.count("(") - piece.count(")")
        end += len(piece)
        if depth == 0:
            parts.append((start, text[start:end]))
            start = end + len(sep)
        end += len(sep)
    parts.append((start, text[start:]))
    return parts


# The first four words (names: a letter or ``_``, then letters, digits, ``_`` or ``$``): one
# match instead of finding all words. ``type2_idx`` is one word, not TYPE.
_NEXT_WORD = r"[^A-Za-z_]*+([A-Za-z_][A-Za-z0-9_$]*+)"
_FIRST_WORDS = LazyPattern(rf"{_NEXT_WORD}(?:{_NEXT_WORD}(?:{_NEXT_WORD}(?:{_NEXT_WORD})?)?)?")


def _words(text: str, n: int = 4) -> list[str]:
    """The first ``n`` (at most 4) words, upper-case, in the first 400 characters of masked ``text``."""
    return _masked_words(mask(text), n)


def _masked_words(masked: str, n: int = 4) -> list[str]:
    m = _FIRST_WORDS.match(masked, 0, 400)
    return [] if m is None else [w.upper() for w in m.groups()[:n] if w is not None]


# --- public API -------------------------------------------------------------------------------


def parse_sql(
    text: str,
    path: str,
    *,
    dialect: str = "postgres",
    line: int = 1,
    column: int = 1,
    settings: Settings | None = None,
) -> list[Operation]:
    """Read SQL ``text`` (from ``path``) into IR operations, located in the file.

    ``line``/``column`` give where ``text`` starts in the file (for SQL embedded in Python).
    Placeholders from ``settings`` are substituted first. Never raises on bad SQL: each
    unparseable statement becomes a ParseError operation.
    """
    if settings is not None and settings.placeholders:
        text = substitute_placeholders(text, settings.placeholders)
    functions: dict[str, list[Operation]] = {}
    ops: list[Operation] = []
    for kind, body, first_line, first_column, end_line, _ in located_statements(text, dialect=dialect):
        if kind == "delimiter":
            continue
        col = first_column + (column - 1 if first_line == 1 else 0)
        location = _location(path, first_line + line - 1, col, end_line + line - 1)
        found = _meta_command(body) if kind == "meta" else classify(body, dialect, functions=functions)
        for op in found:
            ops.append(op.at(location, body))
    return ops


def _location(path: str, line: int, column: int, end_line: int) -> Location:
    """``Location(path, line, column, end_line)`` where ``end_line >= line``, built without ``__init__``.

    Each statement read gets one: the frozen dataclass's ``__init__`` (one
    ``object.__setattr__`` per field, then a ``__post_init__`` that changes nothing when
    ``end_line >= line``) costs twice as much as filling the instance dictionary.
    """
    return build(Location, path=path, line=line, column=column, end_line=end_line, end_column=0)


def classify(
    sql: str, dialect: str = "postgres", *, functions: dict[str, list[Operation]] | None = None
) -> list[Operation]:
    """The IR operations of one statement (without locations).

    ``functions`` collects the operations inside functions/procedures created so far, so that
    a later ``SELECT f()`` / ``CALL p()`` of the same file yields them.
    """
    functions = {} if functions is None else functions
    sql, masked = _trimmed(sql, dialect)
    try:
        fast_first = dialect == "postgres" and _READ_FIRST.match(sql) is not None
        if fast_first:
            # The commonest statements, which _classify_special leaves alone: try the fast path
            # before finding the words.
            fast = fastpath.read(sql)
            if fast is not None:
                return fast
        if masked is None:
            masked = mask(sql)
        special = _classify_special(sql, _masked_words(masked), dialect, functions)
        if special is not None:
            return special
        return _classify_parsed(sql, dialect, try_fast=not fast_first)
    except RecursionError:
        return [Opaque(reason="statement too deeply nested to analyse")]


def _trimmed(sql: str, dialect: str) -> tuple[str, str | None]:
    """``sql`` without the blanks, comments and ``;`` around it, and its masked text.

    The masked text is known without a scan only when the statement holds no comment and no
    quote (most do not): else it is None, for mask() to tell. A statement without a comment
    (but with quotes) is trimmed without a scan too.
    """
    if _MAY_NEED_MASK.search(sql) is None:
        sql = sql.strip().rstrip(";").strip()
        return sql, sql
    if "--" in sql or "/*" in sql or (dialect == "mysql" and "#" in sql):
        uncommented = mask(sql, dialect=dialect, quotes=False)
        lead = len(uncommented) - len(uncommented.lstrip())
        sql = sql[lead : len(uncommented.rstrip())]
    return sql.strip().rstrip(";").strip(), None


# Statements _classify_special returns None for (their first words say so), so that the fast
# path may read them first.
_READ_FIRST = LazyPattern(r"(?:ALTER\s+TABLE|DROP\s+(?:TABLE|TYPE)|UPDATE|DELETE)\b", re.IGNORECASE)
# Every character that can start a comment or a quoted run in any dialect (and more: a lone
# ``-`` or ``/``): text without one is its own masked text. A character class is searched
# several times faster than split's exact pattern.
_MAY_NEED_MASK = LazyPattern(r"""[-/'"`$#]""")


def _meta_command(text: str) -> list[Operation]:
    name = text.split(None, 1)[0].lower()
    if name in {"\\i", "\\ir", "\\include", "\\include_relative"}:
        return [Opaque(reason=f"psql `{name}` includes another file, which is not followed")]
    if name in {"\\gexec", "\\copy"}:
        return [Opaque(reason=f"psql `{name}` runs SQL that is not modelled")]
    return [Harmless(statement=f"psql {name}")]


# --- statements classified before (or instead of) sqlglot -----------------------------------

_HARMLESS_OBJECTS = (
    "VIEW",
    "MATERIALIZED",
    "FUNCTION",
    "PROCEDURE",
    "TRIGGER",
    "EVENT",
    "SEQUENCE",
    "SCHEMA",
    "EXTENSION",
    "ROLE",
    "USER",
    "GROUP",
    "POLICY",
    "DOMAIN",
    "COLLATION",
    "AGGREGATE",
    "OPERATOR",
    "CAST",
    "TEXT",
    "PUBLICATION",
    "SUBSCRIPTION",
    "SERVER",
    "FOREIGN",
    "RULE",
    "STATISTICS",
    "LANGUAGE",
    "CONVERSION",
    "DEFAULT",
    "DATABASE",
    "TRANSFORM",
    "ACCESS",
    "ROUTINE",
    "TABLESPACE",
    "LARGE",
)
_HARMLESS_FIRST = frozenset(
    {
        "COMMENT",
        "GRANT",
        "REVOKE",
        "SHOW",
        "EXPLAIN",
        "NOTIFY",
        "LISTEN",
        "UNLISTEN",
        "DISCARD",
        "PREPARE",
        "DEALLOCATE",
        "EXECUTE",
        "SECURITY",
        "USE",
        "PRAGMA",
        "DESCRIBE",
        "DESC",
        "CHECKPOINT",
        "LOAD",
        "IMPORT",
        "FLUSH",
        "VALUES",
        "TABLE",
    }
)
_DOLLAR_TAG = LazyPattern(r"\$(?:[A-Za-z_][A-Za-z0-9_]*)?\$")
_TIMEOUTS = {
    "lock_timeout": TimeoutKind.LOCK,
    "statement_timeout": TimeoutKind.STATEMENT,
    "idle_in_transaction_session_timeout": TimeoutKind.IDLE_IN_TRANSACTION,
    "lock_wait_timeout": TimeoutKind.MYSQL_LOCK_WAIT,
}
_SET_RE = LazyPattern(
    r"^SET\s+(?:(SESSION|LOCAL|GLOBAL|PERSIST)\s+)?(@@(?:session\.|global\.|local\.)?)?"
    r"([\w.]+)\s*(?:=|\bTO\b)\s*(.+)$",
    re.IGNORECASE | re.DOTALL,
)
_SET_CONFIG_RE = LazyPattern(r"set_config\s*\(\s*'(\w+)'\s*,\s*'([^']*)'\s*,\s*(\w+)\s*\)", re.IGNORECASE)
_CALL_RE = LazyPattern(rf"^(?:SELECT|CALL|PERFORM)\s+(?:\*\s+FROM\s+)?({_NAME})\s*\(", re.IGNORECASE)
# The patterns below are compiled once: an f-string pattern is rebuilt, hashed and looked up in
# re's cache at every call.
_ANALYZE_PREFIX = r"ANALY[SZ]E(?:\s*\([^)]*\))?(?:\s+VERBOSE)?"
_OPTIMIZE_PREFIX = r"OPTIMIZE\s+(?:NO_WRITE_TO_BINLOG\s+|LOCAL\s+)?TABLES?"
_NAMES_AFTER = {
    prefix: re.compile(rf"{prefix}\s*(.*)$", re.I | re.S) for prefix in (_ANALYZE_PREFIX, _OPTIMIZE_PREFIX)
}
_CLUSTER_RE = LazyPattern(rf"CLUSTER\s+(?:\([^)]*\)\s*)?(?:VERBOSE\s+)?({_NAME})?", re.IGNORECASE)
_REFRESH_RE = LazyPattern(rf"REFRESH\s+MATERIALIZED\s+VIEW\s+(CONCURRENTLY\s+)?({_NAME})", re.IGNORECASE)
_LOCK_RE = LazyPattern(r"LOCK\s+(?:TABLE\s+)?(?:ONLY\s+)?(.*?)(?:\s+IN\s+.*)?$", re.I | re.S)
_TRUNCATE_HEAD = LazyPattern(r"^TRUNCATE\s+(?:TABLE\s+)?(?:ONLY\s+)?", re.I)
_TRUNCATE_OPTIONS = LazyPattern(r"\s+(?:RESTART|CONTINUE|CASCADE|RESTRICT)\b", re.I)
_RENAME_TABLE_HEAD = LazyPattern(r"^RENAME\s+TABLE\s+", re.I)
_RENAME_PAIR = LazyPattern(rf"\s*({_NAME})\s+TO\s+({_NAME})\s*$", re.I)
_CREATE_ENUM = LazyPattern(rf"CREATE\s+TYPE\s+({_NAME})\s+AS\s+ENUM\b", re.I)
_CREATE_FUNCTION = LazyPattern(
    rf"CREATE\s+(?:OR\s+REPLACE\s+)?(?:FUNCTION|PROCEDURE)\b(?:\s+({_NAME}))?", re.I
)
_COPY_RE = LazyPattern(rf"COPY\s+({_NAME})", re.I)
_FROM_WORD = LazyPattern(r"\bFROM\b", re.I)
_INTO_WORD = LazyPattern(r"\bINTO\b", re.I)


def _classify_special(
    sql: str, words: list[str], dialect: str, functions: dict[str, list[Operation]]
) -> list[Operation] | None:
    if not words:
        return [Harmless(statement="empty")]
    first = words[0]
    second = words[1] if len(words) > 1 else ""
    if first in {"BEGIN", "START", "COMMIT", "END", "ROLLBACK", "ABORT", "SAVEPOINT", "RELEASE"}:
        return _transaction(words)
    if first == "SET" or first == "RESET":
        return _set(sql, words, dialect)
    if first in {"SELECT", "CALL", "PERFORM"}:
        return _call(sql, dialect, functions)
    if first == "DO":
        return _do_block(sql, dialect, functions)
    if first == "VACUUM":
        return _vacuum(sql)
    if first == "ANALYZE" or first == "ANALYSE":
        tables = _names_after(sql, _ANALYZE_PREFIX)
        return [MaintenanceCommand(command=MaintenanceKind.ANALYZE, table=t) for t in tables] or [
            MaintenanceCommand(command=MaintenanceKind.ANALYZE)
        ]
    if first == "CLUSTER":
        m = _CLUSTER_RE.match(sql)
        table = sql_name(m.group(1)) if m and m.group(1) else ""
        return [MaintenanceCommand(command=MaintenanceKind.CLUSTER, table=table)]
    if first == "REINDEX":
        return _reindex(sql)
    if first == "REFRESH":
        m = _REFRESH_RE.match(sql)
        if m is None:
            return None
        return [
            MaintenanceCommand(
                command=MaintenanceKind.REFRESH_MATERIALIZED_VIEW,
                table=sql_name(m.group(2)),
                concurrently=bool(m.group(1)),
            )
        ]
    if first == "LOCK" and dialect != "mysql":
        m = _LOCK_RE.match(sql)
        names = [sql_name(p) for _, p in _split_top_level(m.group(1))] if m else []
        return [MaintenanceCommand(command=MaintenanceKind.LOCK_TABLE, table=n) for n in names if n]
    if first in {"LOCK", "UNLOCK"}:
        return [Opaque(reason=f"MySQL {first} TABLES is not modelled")]
    if first == "TRUNCATE":
        rest = _TRUNCATE_HEAD.sub("", sql)
        rest = _TRUNCATE_OPTIONS.split(rest)[0]
        return [TruncateTable(table=sql_name(p)) for _, p in _split_top_level(rest) if p.strip()]
    if first == "OPTIMIZE" and dialect == "mysql":
        names = _names_after(sql, _OPTIMIZE_PREFIX)
        return [
            MaintenanceCommand(command=MaintenanceKind.VACUUM_FULL, table=n, clauses=frozenset({"OPTIMIZE"}))
            for n in names
        ]
    if first == "RENAME" and second == "TABLE":
        rest = _RENAME_TABLE_HEAD.sub("", sql)
        out: list[Operation] = []
        for _, pair in _split_top_level(rest):
            m = _RENAME_PAIR.match(pair)
            if m is None:
                return [ParseError(message="cannot parse RENAME TABLE")]
            out.append(RenameTable(table=sql_name(m.group(1)), new_name=sql_name(m.group(2))))
        return out
    if first == "DROP" and second == "INDEX":
        return _drop_index(sql)
    if first == "ALTER" and second == "TYPE":
        return _alter_type(sql)
    if first == "CREATE" and "TYPE" in words[1:3]:
        m = _CREATE_ENUM.match(sql)
        if m:
            return [EnumChange(type_name=sql_name(m.group(1)), action="create")]
        return [Harmless(statement="create type")]
    if first == "CREATE":
        function = _CREATE_FUNCTION.match(sql)
        if function is not None:
            return _create_function(sql, function, dialect, functions)
    if first == "CREATE" and "INDEX" in words[1:3]:
        return _create_index_special(sql, dialect)
    if first == "CREATE" and second == "EXTENSION":
        return [Opaque(reason="CREATE EXTENSION needs the extension available on every server")]
    if first in {"CREATE", "ALTER", "DROP"}:
        kind = _object_kind(words)
        if kind is not None:
            return [Harmless(statement=f"{first.lower()} {kind.lower()}")]
    if first in _HARMLESS_FIRST:
        return [Harmless(statement=first.lower())]
    if first == "COPY":
        m = _COPY_RE.match(sql)
        if m and _FROM_WORD.search(sql):
            return [DataChange(change=DataChangeKind.COPY, table=sql_name(m.group(1)))]
        return [Harmless(statement="copy to")]
    return None


def _object_kind(words: list[str]) -> str | None:
    """The object kind of a CREATE/ALTER/DROP that changes no table (VIEW, FUNCTION, …)."""
    rest = words[1:]
    while rest and rest[0] in {"OR", "REPLACE", "TEMP", "TEMPORARY", "RECURSIVE", "SECURE"}:
        rest = rest[1:]
    if rest and rest[0] == "CONSTRAINT" and len(rest) > 1 and rest[1] == "TRIGGER":
        return "TRIGGER"
    if rest and rest[0] == "UNIQUE":
        return None
    if rest and rest[0] in _HARMLESS_OBJECTS:
        return rest[0]
    return None


def _names_after(sql: str, prefix: str) -> list[str]:
    m = _NAMES_AFTER[prefix].match(sql)
    if m is None or not m.group(1).strip():
        return []
    return [sql_name(p) for _, p in _split_top_level(m.group(1)) if _NAME_RE.search(p)]


def _transaction(words: list[str]) -> list[Operation]:
    first = words[0]
    rest = words[1:]
    action = TransactionAction.OTHER
    if first in {"BEGIN", "START"}:
        action = TransactionAction.BEGIN
    elif first in {"COMMIT", "END"}:
        action = TransactionAction.OTHER if rest[:1] == ["PREPARED"] else TransactionAction.COMMIT
    elif first in {"ROLLBACK", "ABORT"}:
        action = TransactionAction.OTHER if rest[:1] in (["TO"], ["PREPARED"]) else TransactionAction.ROLLBACK
    elif first == "SAVEPOINT":
        action = TransactionAction.SAVEPOINT
    return [TransactionControl(action=action)]


def _set(sql: str, words: list[str], dialect: str) -> list[Operation]:
    if words[0] == "RESET":
        name = words[1].lower() if len(words) > 1 else ""
        if name in _TIMEOUTS:
            return [SetTimeout(timeout=_TIMEOUTS[name], value="DEFAULT")]
        return [Harmless(statement="reset")]
    items = _split_top_level(sql[3:]) if dialect == "mysql" else [(0, sql[3:])]
    out: list[Operation] = []
    for _, item in items:
        m = _SET_RE.match("SET " + item.strip())
        if m is None:
            continue
        scope, _, name, value = m.groups()
        kind = _TIMEOUTS.get(name.lower().rsplit(".", 1)[-1])
        if kind is None:
            continue
        value = value.strip().strip("'\"")
        out.append(SetTimeout(timeout=kind, value=value, local=(scope or "").upper() == "LOCAL"))
    return out or [Harmless(statement="set")]


def _call(sql: str, dialect: str, functions: dict[str, list[Operation]]) -> list[Operation]:
    m = _SET_CONFIG_RE.search(sql)
    if m and m.group(1).lower() in _TIMEOUTS:
        return [
            SetTimeout(
                timeout=_TIMEOUTS[m.group(1).lower()],
                value=m.group(2),
                local=m.group(3).lower() == "true",
            )
        ]
    call = _CALL_RE.match(sql)
    if call is not None:
        name = sql_name(call.group(1))
        if name in functions:
            return list(functions[name])
        if sql.upper().startswith("CALL"):
            return [Opaque(reason=f"CALL of procedure `{name}` that is not defined in this file")]
    if sql.upper().startswith("SELECT"):
        # A SELECT … INTO creates a table (PostgreSQL); a plain SELECT changes nothing.
        if _INTO_WORD.search(mask(sql)) and dialect == "postgres":
            return _classify_parsed(sql, dialect)
        return [Harmless(statement="select")]
    return [Harmless(statement=sql.split(None, 1)[0].lower())]


_VACUUM_RE = LazyPattern(
    r"VACUUM\s*(\([^)]*\))?\s*((?:(?:FULL|FREEZE|VERBOSE|ANALYZE)\s+)*)(.*)$", re.I | re.S
)
_FULL_OPTION = LazyPattern(r"\bFULL\b(?!\s+(?:FALSE|OFF|0)\b)")


def _vacuum(sql: str) -> list[Operation]:
    m = _VACUUM_RE.match(sql)
    options = ((m.group(1) or "") + " " + (m.group(2) or "")).upper() if m else ""
    full = _FULL_OPTION.search(options) is not None
    kind = MaintenanceKind.VACUUM_FULL if full else MaintenanceKind.VACUUM
    tables = [sql_name(p) for _, p in _split_top_level(m.group(3))] if m and m.group(3).strip() else []
    return [MaintenanceCommand(command=kind, table=t) for t in tables if t] or [
        MaintenanceCommand(command=kind)
    ]


_REINDEX_RE = LazyPattern(
    rf"REINDEX\s*(\([^)]*\))?\s*(INDEX|TABLE|SCHEMA|DATABASE|SYSTEM)\s+(CONCURRENTLY\s+)?({_NAME})?", re.I
)


def _reindex(sql: str) -> list[Operation]:
    m = _REINDEX_RE.match(sql)
    if m is None:
        return [ParseError(message="cannot parse REINDEX: expected INDEX, TABLE, SCHEMA or DATABASE")]
    target = m.group(2).upper()
    concurrently = bool(m.group(3)) or "CONCURRENTLY" in (m.group(1) or "").upper()
    table = sql_name(m.group(4)) if target == "TABLE" and m.group(4) else ""
    return [MaintenanceCommand(command=MaintenanceKind.REINDEX, table=table, concurrently=concurrently)]


_DROP_INDEX_RE = LazyPattern(
    r"DROP\s+INDEX\s+(CONCURRENTLY\s+)?(IF\s+EXISTS\s+)?(.*?)(?:\s+(CASCADE|RESTRICT))?$", re.I | re.S
)
_INDEX_ON_TABLE = LazyPattern(rf"({_NAME})\s+ON\s+({_NAME})(.*)$", re.I | re.S)
_SPACED_NAME = LazyPattern(rf"\s*{_NAME}\s*")


def _drop_index(sql: str) -> list[Operation]:
    m = _DROP_INDEX_RE.match(sql)
    if m is None or not m.group(3).strip():
        return [ParseError(message="DROP INDEX needs an index name")]
    concurrently, if_exists, names, _ = m.groups()
    table = ""
    clauses: frozenset[str] = frozenset()
    # The regex backtracks through the name when there is no ON (the common case): skip it then,
    # and compile it only for a statement that has ON as a word (names like ``x_on_y`` do not).
    # ``\s`` is ``str.isspace`` and only o/O, n/N fold to o, n (tests/test_sql_frontend.py).
    on = _INDEX_ON_TABLE.match(names.strip()) if "ON" in names.upper().split() else None
    if on is not None:  # MySQL: DROP INDEX i ON t [ALGORITHM=…] [LOCK=…]
        table = sql_name(on.group(2))
        clauses = _mysql_clauses(on.group(3))
        parts = [on.group(1)]
    else:
        parts = [p for _, p in _split_top_level(names)]
    out: list[Operation] = []
    for part in parts:
        if not _SPACED_NAME.fullmatch(part):
            return [ParseError(message=f"cannot parse index name `{part.strip()}` in DROP INDEX")]
        out.append(
            DropIndex(
                name=sql_name(part),
                table=table,
                concurrently=bool(concurrently),
                if_exists=bool(if_exists),
                clauses=clauses,
            )
        )
    return out


_MYSQL_CLAUSE = LazyPattern(r"\b(ALGORITHM|LOCK)\s*=?\s*(\w+)", re.I)


def _mysql_clauses(text: str) -> frozenset[str]:
    return frozenset(f"{k.upper()}={v.upper()}" for k, v in _MYSQL_CLAUSE.findall(text))


_ADD_VALUE = LazyPattern(
    rf"ALTER\s+TYPE\s+({_NAME})\s+ADD\s+VALUE\s+(IF\s+NOT\s+EXISTS\s+)?'((?:[^']|'')*)'", re.I
)
_RENAME_VALUE = LazyPattern(rf"ALTER\s+TYPE\s+({_NAME})\s+RENAME\s+VALUE\s+'((?:[^']|'')*)'\s+TO\s+'", re.I)
_HARMLESS_ALTER_TYPE = LazyPattern(rf"ALTER\s+TYPE\s+{_NAME}\s+(OWNER\s+TO|SET\s+SCHEMA|RENAME\s+TO)\b", re.I)


def _alter_type(sql: str) -> list[Operation]:
    m = _ADD_VALUE.match(sql)
    if m:
        return [
            EnumChange(
                type_name=sql_name(m.group(1)),
                action="add_value",
                value=m.group(3).replace("''", "'"),
                if_not_exists=bool(m.group(2)),
            )
        ]
    m = _RENAME_VALUE.match(sql)
    if m:
        return [
            EnumChange(
                type_name=sql_name(m.group(1)),
                action="rename_value",
                value=m.group(2).replace("''", "'"),
            )
        ]
    if _HARMLESS_ALTER_TYPE.match(sql):
        return [Harmless(statement="alter type")]
    return [Opaque(reason="ALTER TYPE other than ADD/RENAME VALUE is not modelled")]


_MYSQL_INDEX_TAIL = LazyPattern(r"\)\s*((?:(?:ALGORITHM|LOCK)\s*=?\s*\w+\s*)+)$", re.I)
_ON_ONLY = LazyPattern(r"(\bON\s+)ONLY\s+", re.I)


def _create_index_special(sql: str, dialect: str) -> list[Operation] | None:
    """CREATE INDEX forms sqlglot does not read: ON ONLY, MySQL ALGORITHM=/LOCK= clauses."""
    clauses: frozenset[str] = frozenset()
    text = sql
    if dialect == "mysql":
        tail = _MYSQL_INDEX_TAIL.search(text)
        if tail is not None:
            clauses = _mysql_clauses(tail.group(1))
            text = text[: tail.start(1)]
    if "only" in text.lower():  # cheaper than the case-insensitive search that rarely matches
        text = _ON_ONLY.sub(r"\1", text, count=1)
    if text == sql:
        return None
    return [replace(op, clauses=op.clauses | clauses) for op in _classify_parsed(text, dialect)]


_BODY_LANGUAGE = LazyPattern(r"\bLANGUAGE\s+'?(?:plpgsql|sql)\b", re.I)
_QUOTED_DO = LazyPattern(r"DO\s+(?:LANGUAGE\s+\w+\s+)?'((?:[^']|'')*)'", re.I | re.S)
_LANGUAGE = LazyPattern(r"\bLANGUAGE\s+'?(\w+)", re.I)


def _dollar_body(sql: str) -> str | None:
    """The text inside the first ``$tag$ … $tag$`` of ``sql`` that is closed, if any.

    What a regex with a lazy body and a back-reference to the opening tag finds, but that
    costs several microseconds per block: here a regex finds each opening tag, str.find its end.
    """
    pos = 0
    while (opening := _DOLLAR_TAG.search(sql, pos)) is not None:
        close = sql.find(opening.group(), opening.end())
        if close >= 0:
            return sql[opening.end() : close]
        pos = opening.start() + 1
    return None


def _create_function(
    sql: str, head: re.Match[str], dialect: str, functions: dict[str, list[Operation]]
) -> list[Operation]:
    """``head``: the match of :data:`_CREATE_FUNCTION` (its group 1 is the name, if any)."""
    body = _dollar_body(sql)
    if head.group(1) and body is not None and _BODY_LANGUAGE.search(sql) is not None:
        ops = [op for op in analyse_body(body, dialect) if not isinstance(op, Harmless)]
        if ops:
            functions[sql_name(head.group(1))] = ops
    return [Harmless(statement="create function")]


def _do_block(sql: str, dialect: str, functions: dict[str, list[Operation]]) -> list[Operation]:
    text = _dollar_body(sql)
    if text is None:
        m = _QUOTED_DO.match(sql)
        if m is None:
            return [ParseError(message="DO needs a $$-quoted or '-quoted body")]
        text = m.group(1).replace("''", "'")
    masked = mask(sql)
    # A case-insensitive regex search tries every position; most blocks name no language.
    language = _LANGUAGE.search(masked) if "language" in masked.lower() else None
    if language and language.group(1).lower() != "plpgsql":
        return [Opaque(reason=f"DO block in language {language.group(1)} is not modelled")]
    ops = analyse_body(text, dialect, functions=functions)
    meaningful = [op for op in ops if not isinstance(op, Harmless)]
    return meaningful or [Harmless(statement="do block")]


# --- plpgsql bodies --------------------------------------------------------------------------

# ``\s*+``: no alternative starts with a blank, and giving blanks back only retries them all.
_CONTROL = LazyPattern(
    r"""\s*+(?:
        <<\w+>>
      | DECLARE\b
      | BEGIN\b
      | END\s+(?:IF|LOOP|CASE)\b\s*\w*
      | END\b\s*\w*
      | ELSE\b
      | (?:IF|ELSIF|ELSEIF)\b.*?\bTHEN\b
      | (?:WHILE|FOR|FOREACH)\b.*?\bLOOP\b
      | LOOP\b
      | EXCEPTION\s+WHEN\b.*?\bTHEN\b
      | WHEN\b.*?\bTHEN\b
    )""",
    re.IGNORECASE | re.VERBOSE | re.DOTALL,
)
_SQL_START = LazyPattern(
    r"^(?:WITH|UPDATE|DELETE|INSERT|MERGE|ALTER|CREATE|DROP|TRUNCATE|VACUUM|CLUSTER|REINDEX|"
    r"REFRESH|LOCK|SET|RESET|COMMIT|ROLLBACK|COPY|CALL|PERFORM|EXECUTE|SELECT)\b",
    re.IGNORECASE,
)
_PROGRESS = LazyPattern(
    r"^(?:RAISE\s+(?:NOTICE|INFO|LOG|DEBUG)\b|PERFORM\s+pg_notify\b|PERFORM\s+dblink)", re.I
)
_END_LOOP = LazyPattern(r"END\s+LOOP")


def analyse_body(
    body: str, dialect: str = "postgres", *, functions: dict[str, list[Operation]] | None = None
) -> list[Operation]:
    """The DDL and DML inside a plpgsql body (DO block, function, procedure).

    A data change inside a LOOP/WHILE/FOR that is bounded (LIMIT, ctid, key range, per-row
    key of the loop) is ``batched``; a RAISE NOTICE/INFO/LOG (or pg_notify) in the same loop
    sets ``reports_progress``.
    """
    functions = {} if functions is None else functions
    masked = mask(body)
    ops: list[Operation] = []
    depth = 0
    loop_ops: list[int] = []  # indexes into ops of data changes in the current outermost loop
    loop_progress = False
    for offset, segment in _split_top_level(masked, ";", masked=masked):
        seg = segment
        pos = 0
        # Strip leading plpgsql control words, tracking loop depth.
        while True:
            m = _CONTROL.match(seg, pos)
            if m is None or m.end() == pos:
                break
            word = m.group(0).strip().upper()
            if _END_LOOP.match(word):
                depth = max(0, depth - 1)
                if depth == 0:
                    _mark_progress(ops, loop_ops, loop_progress)
                    loop_ops, loop_progress = [], False
            elif word.endswith("LOOP"):
                depth += 1
            pos = m.end()
        stmt_masked = seg[pos:].strip()
        if not stmt_masked:
            continue
        stmt = body[offset + pos : offset + len(seg)].strip()
        if _PROGRESS.match(stmt_masked):
            loop_progress = loop_progress or depth > 0
            continue
        if not _SQL_START.match(stmt_masked):
            continue
        found = _body_statement(stmt, dialect, functions)
        for op in found:
            if isinstance(op, DataChange) and depth > 0:
                if not op.batched and _bounded(stmt, seg[:pos]):
                    op = replace(op, batched=True)
                loop_ops.append(len(ops))
            ops.append(op)
    _mark_progress(ops, loop_ops, loop_progress)
    return ops


def _mark_progress(ops: list[Operation], indexes: Iterable[int], progress: bool) -> None:
    if not progress:
        return
    for i in indexes:
        op = ops[i]
        if isinstance(op, DataChange) and not op.reports_progress:
            ops[i] = replace(op, reports_progress=True)


_EXECUTE_LITERAL = LazyPattern(r"EXECUTE\s+'((?:[^']|'')*)'\s*", re.I | re.S)


def _body_statement(stmt: str, dialect: str, functions: dict[str, list[Operation]]) -> list[Operation]:
    head = stmt.split(None, 1)[0].upper()
    if head == "EXECUTE":
        literal = _EXECUTE_LITERAL.fullmatch(stmt)
        if literal is None:
            return [Opaque(reason="dynamic SQL (EXECUTE of a built string) is not modelled")]
        stmt = literal.group(1).replace("''", "'")
    if head == "PERFORM":
        stmt = "SELECT " + stmt[len("PERFORM") :]
    if head == "SELECT" and _INTO_WORD.search(mask(stmt)):
        return []  # SELECT … INTO variable inside plpgsql
    ops = classify(stmt, dialect, functions=functions)
    out: list[Operation] = []
    for op in ops:
        if isinstance(op, ParseError) and head in {"UPDATE", "DELETE", "INSERT"}:
            op = _data_change_by_regex(stmt) or op
        out.append(op)
    return out


_CHANGED_TABLE = LazyPattern(rf"(UPDATE|DELETE\s+FROM|INSERT\s+INTO)\s+(?:ONLY\s+)?({_NAME})", re.I)
_SELECT_WORD = LazyPattern(r"\bSELECT\b", re.I)
_WHERE_WORD = LazyPattern(r"\bWHERE\b", re.I)


def _data_change_by_regex(stmt: str) -> DataChange | None:
    """A lenient reading of UPDATE/DELETE/INSERT that sqlglot rejects (e.g. UPDATE … LIMIT)."""
    masked = mask(stmt)
    m = _CHANGED_TABLE.match(masked)
    if m is None:
        return None
    verb = m.group(1).split()[0].upper()
    kind = {
        "UPDATE": DataChangeKind.UPDATE,
        "DELETE": DataChangeKind.DELETE,
    }.get(verb)
    if kind is None:
        kind = DataChangeKind.INSERT_SELECT if _SELECT_WORD.search(masked) else DataChangeKind.INSERT_VALUES
    return DataChange(
        change=kind,
        table=sql_name(stmt[m.start(2) : m.end(2)]),
        has_where=_WHERE_WORD.search(masked) is not None,
    )


_BATCH_BOUND = LazyPattern(r"\bLIMIT\b|\bctid\b|\bBETWEEN\b|\bFETCH\s+FIRST\b", re.I)
_WHERE_CONDITION = LazyPattern(r"\bWHERE\b(.*)$", re.I | re.S)
_LOOP_VARIABLE = LazyPattern(r"\bFOR\s+(\w+)\s+IN\b", re.I)


def _bounded(stmt: str, control: str) -> bool:
    """Whether a data change inside a loop touches one bounded batch per iteration."""
    masked = mask(stmt)
    if _BATCH_BOUND.search(masked):
        return True
    where = _WHERE_CONDITION.search(masked)
    if where is None:
        return False
    cond = where.group(1)
    if ">" in cond and "<" in cond:  # a key range
        return True
    # FOR r IN SELECT … LOOP … WHERE id = r.id: one row (or one key) per iteration.
    loop_var = _LOOP_VARIABLE.search(control)
    return bool(loop_var and re.search(rf"=\s*{loop_var.group(1)}\.\w+", cond, re.I))


# --- statements read by sqlglot -----------------------------------------------------------------


def _parse_error_message(error: SqlglotError) -> str:
    if isinstance(error, SqlglotParseError) and error.errors:
        first = error.errors[0]
        near = (first.get("highlight") or "").strip()
        where = f" near `{near}`" if near else ""
        return f"syntax error{where}: {first.get('description', 'invalid statement')}"
    return f"syntax error: {str(error).splitlines()[0] if str(error) else 'invalid statement'}"


#: Read plain ``INSERT … VALUES`` of literals without sqlglot (see :func:`_insert_values`).
PREFILTER = True
_PLAIN_NAME = r"(?:[A-Za-z_][A-Za-z0-9_]*(?![\w$])|\"[^\"\n]+\")"
_LITERAL = r"(?:-?\d+(?:\.\d+)?|'[^'\\]*(?:''[^'\\]*)*'|NULL|TRUE|FALSE|DEFAULT)"
_ROW = rf"\(\s*{_LITERAL}(?:\s*,\s*{_LITERAL})*\s*\)"
_INSERT_VALUES = LazyPattern(
    rf"INSERT\s+INTO\s+({_PLAIN_NAME}(?:\.{_PLAIN_NAME}){{0,2}})\s*"
    rf"(\(\s*{_PLAIN_NAME}(?:\s*,\s*{_PLAIN_NAME})*\s*\))?\s*"
    rf"VALUES\s*{_ROW}(?:\s*,\s*{_ROW})*",
    re.IGNORECASE,
)
_WORD = LazyPattern(r"[A-Za-z_][A-Za-z0-9_]*|\"[^\"\n]+\"")


def _insert_values(sql: str) -> DataChange | None:
    """``INSERT INTO t [(cols)] VALUES (literals), …`` read without sqlglot, else None.

    Seed data can be thousands of rows; sqlglot builds a tree of every value, only to tell
    the table. Only statements sqlglot certainly reads the same way qualify: PostgreSQL, plain
    or quoted names that are not reserved words, and numbers, standard strings (no
    backslash), NULL, TRUE, FALSE or DEFAULT as values. tests/test_prefilter.py compares.
    """
    # A match ends with a row's ``)``: most INSERTs (… SELECT, ON CONFLICT …) are told without
    # running, or compiling (~2.5 ms), the big pattern.
    m = _INSERT_VALUES.fullmatch(sql) if sql.endswith(")") else None
    if m is None:
        return None
    names = f"{m.group(1)} {m.group(2) or ''}"
    if any(w.lower() in fastpath.RESERVED_WORDS for w in _WORD.findall(names) if not w.startswith('"')):
        return None
    return DataChange(change=DataChangeKind.INSERT_VALUES, table=sql_name(m.group(1)))


def _classify_parsed(sql: str, dialect: str, *, try_fast: bool = True) -> list[Operation]:
    """``try_fast``: whether to try the fast path (False: it has been tried)."""
    if PREFILTER and dialect == "postgres" and sql[:6].upper() == "INSERT":
        found = _insert_values(sql)
        if found is not None:
            return [found]
    if try_fast and dialect == "postgres":
        # The common DDL shapes, read without sqlglot (None: not one of them).
        fast = fastpath.read(sql)
        if fast is not None:
            return fast
    try:
        tree = sqlglot.parse_one(sql, read=_dialect(dialect))
    except SqlglotError as error:
        return _unparsed(sql, dialect, error)
    except (ValueError, TypeError, KeyError, IndexError, AttributeError) as error:
        return [Opaque(reason=f"sqlglot failed on this statement ({type(error).__name__})")]
    return _from_tree(tree, sql, dialect)


_MODELLED_STARTS = (
    "CREATE TABLE",
    "CREATE UNIQUE INDEX",
    "CREATE INDEX",
    "ALTER TABLE",
    "DROP TABLE",
    "UPDATE",
    "DELETE",
    "INSERT",
    "CREATE TEMP",
    "CREATE UNLOGGED",
    "WITH",
    "MERGE",
)


def _unparsed(sql: str, dialect: str, error: SqlglotError) -> list[Operation]:
    """A statement sqlglot rejects: a parse error if it is one we model, else opaque."""
    words = " ".join(_words(sql, 3))
    if words.startswith(_MODELLED_STARTS) or not _known_statement(words):
        if words.startswith("ALTER TABLE"):
            fallback = _alter_table_command(sql, dialect)
            if fallback is not None:
                return fallback
        return [ParseError(message=_parse_error_message(error))]
    return [Opaque(reason=f"`{words.split()[0]} …` could not be read by the SQL parser")]


_KNOWN_FIRST = frozenset(
    {
        "CREATE",
        "ALTER",
        "DROP",
        "GRANT",
        "REVOKE",
        "COMMENT",
        "SECURITY",
        "IMPORT",
        "REASSIGN",
        "CLOSE",
        "FETCH",
        "MOVE",
        "DECLARE",
        "LOAD",
    }
)


def _known_statement(words: str) -> bool:
    return bool(words) and words.split()[0] in _KNOWN_FIRST


def _from_tree(tree: exp.Expr, sql: str, dialect: str) -> list[Operation]:
    if isinstance(tree, exp.Create):
        return _create(tree, sql, dialect)
    if isinstance(tree, exp.Drop):
        return _drop(tree)
    if isinstance(tree, exp.Alter):
        return _alter(tree, sql, dialect)
    if isinstance(tree, exp.Update | exp.Delete | exp.Insert | exp.Merge):
        return [_data_change(tree)]
    if isinstance(tree, exp.TruncateTable):
        return [TruncateTable(table=_id_name(t)) for t in tree.expressions]
    if isinstance(tree, exp.Transaction):
        return [TransactionControl(action=TransactionAction.BEGIN)]
    if isinstance(tree, exp.Commit):
        return [TransactionControl(action=TransactionAction.COMMIT)]
    if isinstance(tree, exp.Rollback):
        savepoint = tree.args.get("savepoint")
        action = TransactionAction.OTHER if savepoint else TransactionAction.ROLLBACK
        return [TransactionControl(action=action)]
    if isinstance(tree, exp.Query | exp.Comment | exp.Grant | exp.Pragma | exp.Use | exp.Describe):
        return [Harmless(statement=type(tree).__name__.lower())]
    if isinstance(tree, exp.Analyze):
        return [MaintenanceCommand(command=MaintenanceKind.ANALYZE)]
    if isinstance(tree, exp.Command):
        return _command(tree, sql, dialect)
    if isinstance(tree, exp.Alias | exp.Column):
        return [ParseError(message="syntax error: not a statement")]
    return [Opaque(reason=f"{type(tree).__name__.upper()} statement is not modelled")]


def _command(tree: exp.Command, sql: str, dialect: str) -> list[Operation]:
    head = str(tree.this).upper()
    words = " ".join(_words(sql, 3))
    if words.startswith("ALTER TABLE"):
        ops = _alter_table_command(sql, dialect)
        if ops is not None:
            return ops
        return [ParseError(message="cannot parse ALTER TABLE")]
    if head in {"CREATE", "ALTER", "DROP"}:
        return [Opaque(reason=f"`{words.lower()} …` is not modelled")]
    return [Opaque(reason=f"{head} statement is not modelled")]


# --- CREATE / DROP ------------------------------------------------------------------------------


def _create(tree: exp.Create, sql: str, dialect: str) -> list[Operation]:
    kind = str(tree.args.get("kind") or "").upper()
    if kind == "TABLE":
        return [_create_table(tree, dialect)]
    if kind == "INDEX":
        return [_create_index(tree, dialect)]
    if kind == "TYPE":
        expression = tree.args.get("expression")
        if isinstance(expression, exp.DataType) and expression.this == exp.DataType.Type.ENUM:
            return [EnumChange(type_name=_id_name(tree.this), action="create")]
        return [Harmless(statement="create type")]
    if kind in {"VIEW", "SEQUENCE", "SCHEMA", "FUNCTION", "PROCEDURE", "TRIGGER", "DATABASE", "MACRO"}:
        return [Harmless(statement=f"create {kind.lower()}")]
    return [Opaque(reason=f"CREATE {kind or '…'} is not modelled")]


def _column_def(node: exp.ColumnDef, dialect: str) -> ColumnDef:
    type_text = _type_text(node.args.get("kind"), dialect)
    nullable = True
    default: str | None = None
    volatile = False
    identity = serial = generated = primary = unique = False
    references: str | None = None
    for constraint in _arg_list(node, "constraints"):
        kind = constraint.args.get("kind") if isinstance(constraint, exp.ColumnConstraint) else constraint
        if isinstance(kind, exp.NotNullColumnConstraint):
            nullable = bool(kind.args.get("allow_null"))
        elif isinstance(kind, exp.DefaultColumnConstraint):
            default = _expr_text(kind.this, dialect)
            volatile = is_volatile(kind.this)
        elif isinstance(kind, exp.PrimaryKeyColumnConstraint):
            primary, nullable = True, False
        elif isinstance(kind, exp.UniqueColumnConstraint):
            unique = True
        elif isinstance(kind, exp.Reference):
            references = _id_name(kind.this)
        elif isinstance(kind, exp.GeneratedAsIdentityColumnConstraint):
            if kind.args.get("expression") is not None and kind.args.get("this") is None:
                generated = True
            else:
                identity = True
        elif isinstance(kind, exp.AutoIncrementColumnConstraint):
            identity = True
        elif isinstance(kind, exp.ComputedColumnConstraint):
            generated = dialect != "mysql" or bool(kind.args.get("persisted"))
    base = type_text.split("(", 1)[0]
    if base in {"serial", "bigserial", "smallserial", "serial2", "serial4", "serial8"}:
        serial = True
    return ColumnDef(
        name=_id_name(node.this),
        type=type_text,
        nullable=nullable,
        default=default,
        default_volatile=volatile,
        identity=identity,
        serial=serial,
        generated_stored=generated,
        primary_key=primary,
        unique=unique,
        references=references,
    )


def _create_table(tree: exp.Create, dialect: str) -> CreateTable:
    target = tree.this
    columns: list[ColumnDef] = []
    primary: set[str] = set()
    unique: set[str] = set()
    refs: dict[str, str] = {}
    if isinstance(target, exp.Schema):
        for item in target.expressions:
            inner = item
            if isinstance(item, exp.Constraint):
                inner = item.expressions[0] if item.expressions else item
            if isinstance(inner, exp.ColumnDef):
                columns.append(_column_def(inner, dialect))
            elif isinstance(inner, exp.PrimaryKey | exp.PrimaryKeyColumnConstraint):
                primary.update(_id_name(e) for e in inner.expressions)
            elif isinstance(inner, exp.UniqueColumnConstraint):
                cols = _constraint_columns(inner)
                if len(cols) == 1:
                    unique.update(cols)
            elif isinstance(inner, exp.ForeignKey):
                cols = tuple(_id_name(e) for e in inner.expressions)
                ref = inner.args.get("reference")
                if len(cols) == 1 and isinstance(ref, exp.Reference):
                    refs[cols[0]] = _id_name(ref.this)
    columns = [
        replace(
            c,
            primary_key=c.primary_key or c.name in primary,
            nullable=c.nullable and c.name not in primary,
            unique=c.unique or c.name in unique,
            references=c.references or refs.get(c.name),
        )
        for c in columns
    ]
    return CreateTable(
        table=_id_name(target),
        columns=tuple(columns),
        if_not_exists=bool(tree.args.get("exists")),
        as_select=tree.args.get("expression") is not None,
    )


def _create_index(tree: exp.Create, dialect: str) -> CreateIndex:
    index = tree.this
    name: str | None = None
    table = ""
    columns: tuple[str, ...] = ()
    where: str | None = None
    if isinstance(index, exp.Index):
        ident = index.this
        name = _id_name(ident) if isinstance(ident, exp.Identifier) else None
        table = _id_name(index.args.get("table"))
        params = index.args.get("params")
        if isinstance(params, exp.IndexParameters):
            cols: list[str] = []
            for col in _arg_list(params, "columns"):
                inner = col.this if isinstance(col, exp.Ordered) else col
                cols.append(_id_name(inner) if isinstance(inner, exp.Column) else _expr_text(inner, dialect))
            columns = tuple(cols)
            w = params.args.get("where")
            where = _expr_text(w.this, dialect) if isinstance(w, exp.Where) else None
    return CreateIndex(
        name=name,
        table=table,
        columns=columns,
        unique=bool(tree.args.get("unique")),
        concurrently=bool(tree.args.get("concurrently")),
        if_not_exists=bool(tree.args.get("exists")),
        where=where,
    )


def _drop(tree: exp.Drop) -> list[Operation]:
    kind = str(tree.args.get("kind") or "").upper()
    names = [_id_name(t) for t in tree.args.get("tables") or tree.expressions]
    exists = bool(tree.args.get("exists"))
    if kind == "TABLE":
        return [DropTable(table=n, if_exists=exists, cascade=bool(tree.args.get("cascade"))) for n in names]
    if kind == "INDEX":
        on = tree.args.get("cluster")
        table = _id_name(on.this) if isinstance(on, exp.OnProperty) else ""
        return [
            DropIndex(name=n, table=table, concurrently=bool(tree.args.get("concurrently")), if_exists=exists)
            for n in names
        ]
    if kind == "TYPE":
        return [EnumChange(type_name=n, action="drop") for n in names]
    if kind in {"VIEW", "SEQUENCE", "SCHEMA", "FUNCTION", "PROCEDURE", "TRIGGER", "MATERIALIZED VIEW"}:
        return [Harmless(statement=f"drop {kind.lower()}")]
    return [Opaque(reason=f"DROP {kind or '…'} is not modelled")]


# --- ALTER TABLE --------------------------------------------------------------------------------


def _alter(tree: exp.Alter, sql: str, dialect: str) -> list[Operation]:
    kind = str(tree.args.get("kind") or "").upper()
    if kind != "TABLE":
        return [Harmless(statement=f"alter {kind.lower()}")]
    table = _id_name(tree.this)
    clauses = frozenset(
        f"{'ALGORITHM' if isinstance(o, exp.AlgorithmProperty) else 'LOCK'}={o.name.upper()}"
        for o in _arg_list(tree, "options")
        if isinstance(o, exp.AlgorithmProperty | exp.LockProperty)
    )
    not_valid = bool(tree.args.get("not_valid"))
    actions = _arg_list(tree, "actions")
    ops: list[Operation] = []
    for action in actions:
        ops.extend(_alter_action(table, action, not_valid, dialect))
    if not actions:
        options = [
            o
            for o in _arg_list(tree, "options")
            if not isinstance(o, exp.AlgorithmProperty | exp.LockProperty)
        ]
        if options:
            ops.append(
                Opaque(reason="ALTER TABLE table options (e.g. ENGINE=) rebuild the table; not modelled")
            )
        elif not clauses:
            ops.append(ParseError(message="ALTER TABLE without an action"))
    return [replace(op, clauses=op.clauses | clauses) for op in ops]


def _constraint_columns(node: exp.Expr) -> tuple[str, ...]:
    schema = node.this if isinstance(node.this, exp.Schema) else None
    items = schema.expressions if schema is not None else node.expressions
    return tuple(_id_name(e) for e in items)


def _add_constraint(table: str, name: str | None, node: exp.Expr, not_valid: bool, dialect: str) -> Operation:
    if isinstance(node, exp.ForeignKey):
        ref = node.args.get("reference")
        return AddConstraint(
            table=table,
            name=name,
            constraint=ConstraintKind.FOREIGN_KEY,
            columns=tuple(_id_name(e) for e in node.expressions),
            not_valid=not_valid,
            references=_id_name(ref.this) if isinstance(ref, exp.Reference) else None,
            expression=_expr_text(node, dialect),
        )
    if isinstance(node, exp.CheckColumnConstraint):
        return AddConstraint(
            table=table,
            name=name,
            constraint=ConstraintKind.CHECK,
            not_valid=not_valid,
            expression=_expr_text(node.this, dialect),
        )
    if isinstance(node, exp.PrimaryKey | exp.PrimaryKeyColumnConstraint):
        return AddConstraint(
            table=table,
            name=name,
            constraint=ConstraintKind.PRIMARY_KEY,
            columns=tuple(_id_name(e) for e in node.expressions),
        )
    if isinstance(node, exp.UniqueColumnConstraint):
        schema = node.this
        if dialect == "mysql" and isinstance(schema, exp.Schema) and isinstance(schema.this, exp.Identifier):
            name = name or _id_name(schema.this)
        return AddConstraint(
            table=table, name=name, constraint=ConstraintKind.UNIQUE, columns=_constraint_columns(node)
        )
    if isinstance(node, exp.ExcludeColumnConstraint):
        return AddConstraint(
            table=table, name=name, constraint=ConstraintKind.EXCLUSION, expression=_expr_text(node, dialect)
        )
    if isinstance(node, exp.IndexColumnConstraint):  # MySQL ADD INDEX / KEY
        index_name = node.this
        return CreateIndex(
            name=_id_name(index_name) if isinstance(index_name, exp.Identifier) else None,
            table=table,
            columns=tuple(_id_name(e) for e in node.expressions),
            unique=str(node.args.get("kind") or "").upper() == "UNIQUE",
        )
    return Opaque(reason=f"ADD {type(node).__name__} is not modelled")


def _alter_action(table: str, action: exp.Expr, not_valid: bool, dialect: str) -> list[Operation]:
    if isinstance(action, exp.ColumnDef):
        return [
            AddColumn(
                table=table,
                column=_column_def(action, dialect),
                if_not_exists=bool(action.args.get("exists")),
            )
        ]
    if isinstance(action, exp.Drop):
        kind = str(action.args.get("kind") or "").upper()
        exists = bool(action.args.get("exists"))
        names = [_id_name(t) for t in action.args.get("tables") or action.expressions]
        if kind == "COLUMN":
            return [DropColumn(table=table, column=n, if_exists=exists) for n in names]
        if kind in {"CONSTRAINT", "FOREIGN KEY", "CHECK"}:
            return [DropConstraint(table=table, name=n, if_exists=exists) for n in names]
        if kind in {"INDEX", "KEY"}:
            return [DropIndex(name=n, table=table, if_exists=exists) for n in names]
        return [Opaque(reason=f"ALTER TABLE DROP {kind} is not modelled")]
    if isinstance(action, exp.DropPrimaryKey):
        return [DropConstraint(table=table, name="primary")]
    if isinstance(action, exp.AlterColumn):
        return [_alter_column(table, action, dialect)]
    if isinstance(action, exp.AlterRename):
        return [RenameTable(table=table, new_name=_id_name(action.this))]
    if isinstance(action, exp.RenameColumn):
        return [
            RenameColumn(table=table, column=_id_name(action.this), new_name=_id_name(action.args.get("to")))
        ]
    if isinstance(action, exp.AddConstraint):
        ops: list[Operation] = []
        for item in action.expressions:
            name: str | None = None
            nodes = [item]
            if isinstance(item, exp.Constraint):
                name = _id_name(item.this)
                nodes = list(item.expressions)
            ops.extend(_add_constraint(table, name, node, not_valid, dialect) for node in nodes)
        return ops
    if isinstance(action, exp.ModifyColumn):  # MySQL MODIFY / CHANGE
        column = action.this
        ops = []
        if isinstance(column, exp.ColumnDef):
            new = _column_def(column, dialect)
            old = action.args.get("rename_from")
            old_name = _id_name(old) if old is not None else new.name
            if old_name != new.name:
                ops.append(RenameColumn(table=table, column=old_name, new_name=new.name))
            ops.append(AlterColumnType(table=table, column=new.name, new_type=new.type))
        return ops or [Opaque(reason="ALTER TABLE MODIFY is not modelled")]
    if isinstance(action, exp.AlterSet):
        tablespace = action.args.get("tablespace")
        if tablespace is not None:
            return [MaintenanceCommand(command=MaintenanceKind.SET_TABLESPACE, table=table)]
        option = action.args.get("option")
        if option is not None and option.name.upper() in {"LOGGED", "UNLOGGED"}:
            return [Opaque(reason=f"SET {option.name.upper()} rewrites the table; not modelled")]
        if action.expressions:
            return [Harmless(statement="alter table set storage parameters")]
        return [Opaque(reason="ALTER TABLE SET … is not modelled")]
    return [Opaque(reason=f"ALTER TABLE action {type(action).__name__} is not modelled")]


def _alter_column(table: str, action: exp.AlterColumn, dialect: str) -> Operation:
    column = _id_name(action.this)
    dtype = action.args.get("dtype")
    if dtype is not None:
        using = action.args.get("using")
        return AlterColumnType(
            table=table,
            column=column,
            new_type=_type_text(dtype, dialect),
            using=_expr_text(using, dialect) if isinstance(using, exp.Expr) else None,
        )
    allow_null = action.args.get("allow_null")
    if allow_null is False:
        return SetNotNull(table=table, column=column)
    if allow_null is True:
        return DropNotNull(table=table, column=column)
    default = action.args.get("default")
    if default is not None:
        return SetDefault(
            table=table, column=column, default=_expr_text(default, dialect), volatile=is_volatile(default)
        )
    if action.args.get("drop"):
        return SetDefault(table=table, column=column, default=None)
    return Opaque(reason="ALTER COLUMN form is not modelled")


_ALTER_TABLE_RE = LazyPattern(
    rf"ALTER\s+TABLE\s+(?:IF\s+EXISTS\s+)?(?:ONLY\s+)?({_NAME})\s*(?:\*\s*)?(.*)$", re.I | re.S
)
_ACTION_WORDS = frozenset(
    {
        "ADD",
        "DROP",
        "ALTER",
        "RENAME",
        "VALIDATE",
        "SET",
        "RESET",
        "ENABLE",
        "DISABLE",
        "FORCE",
        "NO",
        "CLUSTER",
        "INHERIT",
        "OF",
        "NOT",
        "OWNER",
        "REPLICA",
        "ATTACH",
        "DETACH",
        "ALGORITHM",
        "LOCK",
        "MODIFY",
        "CHANGE",
        "CONVERT",
        "ENGINE",
        "AUTO_INCREMENT",
        "DEFAULT",
        "CHARACTER",
        "COLLATE",
        "ORDER",
        "ROW_FORMAT",
        "COMMENT",
        "KEY_BLOCK_SIZE",
        "DISCARD",
        "IMPORT",
    }
)
_HARMLESS_ACTIONS = LazyPattern(
    r"^(?:OWNER\s+TO|ENABLE|DISABLE|FORCE\s+ROW|NO\s+FORCE|REPLICA\s+IDENTITY|CLUSTER\s+ON|"
    r"SET\s+WITHOUT\s+CLUSTER|RENAME\s+CONSTRAINT|RESET\s*\(|SET\s*\(|"
    r"ALTER\s+(?:COLUMN\s+)?\S+\s+(?:SET|RESET)\s+(?:STATISTICS|STORAGE|COMPRESSION|\())",
    re.I,
)
_MYSQL_CLAUSE_ACTION = LazyPattern(r"(?:ALGORITHM|LOCK)\s*=?\s*\w+", re.I)
_VALIDATE_ACTION = LazyPattern(rf"VALIDATE\s+CONSTRAINT\s+({_NAME})", re.I)
_USING_INDEX_ACTION = LazyPattern(
    rf"ADD\s+(?:CONSTRAINT\s+({_NAME})\s+)?(UNIQUE|PRIMARY\s+KEY)\s+USING\s+INDEX\s+({_NAME})"
    r"(?:\s+(?:NOT\s+)?DEFERRABLE)?(?:\s+INITIALLY\s+\w+)?",
    re.I,
)
_CHECK_ACTION = LazyPattern(
    rf"ADD\s+(?:CONSTRAINT\s+({_NAME})\s+)?CHECK\s*\((.*)\)((?:\s+NO\s+INHERIT)?)(\s+NOT\s+VALID)?", re.I
)
_DETACH_ACTION = LazyPattern(rf"DETACH\s+PARTITION\s+({_NAME})(\s+CONCURRENTLY|\s+FINALIZE)?", re.I)
_ATTACH_ACTION = LazyPattern(r"ATTACH\s+PARTITION\b", re.I)
_TABLESPACE_ACTION = LazyPattern(rf"SET\s+TABLESPACE\s+{_NAME}(?:\s+NOWAIT)?", re.I)
_INCOMPLETE_ACTION = LazyPattern(
    r"^(?:ADD(?:\s+COLUMN)?(?:\s+IF\s+NOT\s+EXISTS)?(?:\s+\S+)?|DROP(?:\s+COLUMN)?(?:\s+IF\s+EXISTS)?|"
    r"ALTER(?:\s+COLUMN)?(?:\s+\S+)?|RENAME(?:\s+(?:COLUMN|TO))?|ADD\s+CONSTRAINT(?:\s+\S+)?|"
    r"VALIDATE(?:\s+CONSTRAINT)?|)$",
    re.I,
)


def _alter_table_command(sql: str, dialect: str) -> list[Operation] | None:
    """ALTER TABLE statements sqlglot leaves as Command: read action by action."""
    m = _ALTER_TABLE_RE.match(sql)
    if m is None:
        return None
    table_text, rest = m.group(1), m.group(2)
    table = sql_name(table_text)
    ops: list[Operation] = []
    clauses: frozenset[str] = frozenset()
    for _, raw_action in _split_top_level(rest):
        action = " ".join(raw_action.split())
        first = action.split(" ", 1)[0].upper() if action else ""
        if dialect == "mysql" and _MYSQL_CLAUSE_ACTION.fullmatch(action):
            clauses |= _mysql_clauses(action)
            continue
        if _INCOMPLETE_ACTION.match(action) or first not in _ACTION_WORDS:
            return [ParseError(message=f"incomplete or unknown ALTER TABLE action `{action or '(none)'}`")]
        ops.extend(_command_action(table, table_text, action, dialect))
    return [replace(op, clauses=op.clauses | clauses) for op in ops]


def _command_action(table: str, table_text: str, action: str, dialect: str) -> list[Operation]:
    m = _VALIDATE_ACTION.fullmatch(action)
    if m:
        return [ValidateConstraint(table=table, name=sql_name(m.group(1)))]
    m = _USING_INDEX_ACTION.fullmatch(action)
    if m:
        kind = ConstraintKind.UNIQUE if m.group(2).upper() == "UNIQUE" else ConstraintKind.PRIMARY_KEY
        return [
            AddConstraint(
                table=table,
                name=sql_name(m.group(1)) if m.group(1) else None,
                constraint=kind,
                using_index=sql_name(m.group(3)),
            )
        ]
    m = _CHECK_ACTION.fullmatch(action)
    if m:
        return [
            AddConstraint(
                table=table,
                name=sql_name(m.group(1)) if m.group(1) else None,
                constraint=ConstraintKind.CHECK,
                not_valid=bool(m.group(4)),
                expression=m.group(2).strip(),
            )
        ]
    m = _DETACH_ACTION.fullmatch(action)
    if m:
        if m.group(2):
            return [Harmless(statement="detach partition concurrently")]
        return [Opaque(reason="DETACH PARTITION without CONCURRENTLY locks the parent table; not modelled")]
    if _ATTACH_ACTION.match(action):
        return [
            Opaque(reason="ATTACH PARTITION scans the partition unless a matching CHECK exists; not modelled")
        ]
    if _TABLESPACE_ACTION.fullmatch(action):
        return [MaintenanceCommand(command=MaintenanceKind.SET_TABLESPACE, table=table)]
    if _HARMLESS_ACTIONS.match(action):
        return [Harmless(statement="alter table " + " ".join(action.split()[:2]).lower())]
    # Let sqlglot read this action on its own (it may have failed only on a sibling action).
    try:
        tree = sqlglot.parse_one(f"ALTER TABLE {table_text} {action}", read=_dialect(dialect))
    except SqlglotError as error:
        return [ParseError(message=_parse_error_message(error))]
    if isinstance(tree, exp.Alter):
        return _alter(tree, action, dialect)
    return [Opaque(reason=f"ALTER TABLE action `{' '.join(action.split()[:3])} …` is not modelled")]


# --- data changes -------------------------------------------------------------------------------


def _data_change(tree: exp.Update | exp.Delete | exp.Insert | exp.Merge) -> DataChange:
    target = tree.this
    if isinstance(tree, exp.Merge):
        return DataChange(change=DataChangeKind.MERGE, table=_id_name(target), has_where=True)
    if isinstance(tree, exp.Insert):
        source = tree.args.get("expression")
        kind = (
            DataChangeKind.INSERT_VALUES
            if source is None or isinstance(source, exp.Values)
            else DataChangeKind.INSERT_SELECT
        )
        return DataChange(change=kind, table=_id_name(target))
    kind = DataChangeKind.UPDATE if isinstance(tree, exp.Update) else DataChangeKind.DELETE
    where = tree.args.get("where")
    return DataChange(change=kind, table=_id_name(target), has_where=where is not None)
