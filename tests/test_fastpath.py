"""The sqlglot-free reader of common DDL gives exactly the IR the sqlglot path gives.

Every field counts, those ignored by ``==`` (location, text, expression, where, if_exists…)
included: both paths are compared with ``dataclasses.astuple``. Also: the fast JSON report is
byte-identical to ``json.dumps``.
"""

from __future__ import annotations

import dataclasses
import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from benchmarks import corpus
from miglint.findings import Finding, Level, Location
from miglint.ir.ops import (
    AddColumn,
    AddConstraint,
    AlterColumnType,
    CreateIndex,
    CreateTable,
    DataChange,
    EnumChange,
    Operation,
    SetDefault,
    ValidateConstraint,
)
from miglint.parsers import fastpath
from miglint.parsers.split import statements
from miglint.parsers.sql import classify, parse_sql
from miglint.report import ordered
from miglint.report.json import dumps, finding_object, render
from miglint.rules import builtin_rules

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"


def _shape(ops: list[Operation]) -> list[tuple[str, tuple[object, ...]]]:
    return [(type(op).__name__, dataclasses.astuple(op)) for op in ops]


def _both(sql: str) -> tuple[list[Operation], list[Operation]]:
    """(sqlglot path, fast path) of one statement."""
    enabled = fastpath.ENABLED
    try:
        fastpath.ENABLED = False
        slow = classify(sql)
        fastpath.ENABLED = True
        fast = classify(sql)
    finally:
        fastpath.ENABLED = enabled
    return slow, fast


def _file_both(path: Path) -> tuple[list[Operation], list[Operation]]:
    text = path.read_text(encoding="utf-8-sig")
    enabled = fastpath.ENABLED
    try:
        fastpath.ENABLED = False
        slow = parse_sql(text, str(path))
        fastpath.ENABLED = True
        fast = parse_sql(text, str(path))
    finally:
        fastpath.ENABLED = enabled
    return slow, fast


def _sql_files(root: Path) -> Iterator[Path]:
    yield from sorted(root.rglob("*.sql"))


def _compare_tree(root: Path) -> tuple[int, int]:
    """Compare every file and every statement under ``root``; (statements, fast-path hits)."""
    seen = hits = 0
    for path in _sql_files(root):
        slow, fast = _file_both(path)
        assert _shape(fast) == _shape(slow), path
        for piece in statements(path.read_text(encoding="utf-8-sig")):
            if piece.kind != "sql":
                continue
            seen += 1
            hits += fastpath.read(piece.text) is not None
            slow_ops, fast_ops = _both(piece.text)
            assert _shape(fast_ops) == _shape(slow_ops), piece.text
    return seen, hits


def test_fixtures_tree_reads_the_same_with_and_without_the_fast_path() -> None:
    seen, hits = _compare_tree(FIXTURES)
    assert seen > 300
    assert hits > 50  # the comparison covers statements the fast path really reads


def test_generated_corpus_reads_the_same(tmp_path: Path) -> None:
    corpus.generate(tmp_path, sql_migrations=80, django_migrations=0, alembic_revisions=0)
    seen, hits = _compare_tree(tmp_path / "sql")
    assert seen > 200
    assert hits > seen // 3


@pytest.mark.parametrize(
    ("sql", "kind"),
    [
        ("ALTER TABLE t ADD COLUMN c integer NOT NULL DEFAULT 0", AddColumn),
        ("alter table public.t add c varchar(32)[] default 'x''y'", AddColumn),
        ("CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS i ON t USING btree (a DESC, b)", CreateIndex),
        ("ALTER TABLE t VALIDATE CONSTRAINT c", ValidateConstraint),
        ("ALTER TABLE t ADD COLUMN c jsonb DEFAULT '{}'::jsonb", AddColumn),
        ("ALTER TABLE t ADD COLUMN kind t_kind NOT NULL DEFAULT 'a' REFERENCES u (id)", AddColumn),
        ("ALTER TABLE t ADD CONSTRAINT c CHECK (a <> '') NOT VALID", AddConstraint),
        (
            "CREATE TABLE t (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, u_id bigint NOT NULL "
            "REFERENCES u (id) ON DELETE CASCADE, m jsonb DEFAULT '{}'::jsonb, CONSTRAINT c CHECK "
            "(lower(s) <> 'x' AND n >= 0), UNIQUE (u_id), PRIMARY KEY (id))",
            CreateTable,
        ),
        (
            "UPDATE t SET a = 0 WHERE id IN (SELECT id FROM t WHERE a IS NULL ORDER BY id LIMIT batch_size "
            "FOR UPDATE SKIP LOCKED)",
            DataChange,
        ),
        ("DELETE FROM t WHERE created_at < now() - interval '30 days'", DataChange),
        ("INSERT INTO a (x, y) SELECT 'v', id FROM b WHERE c > now() - interval '7 days'", DataChange),
        ("INSERT INTO a (x, y) VALUES ('v', false) ON CONFLICT (x) DO NOTHING", DataChange),
        ("UPDATE t SET b = '\\x00'::bytea WHERE b IS NULL", DataChange),
        ("DROP TYPE IF EXISTS t_kind CASCADE", EnumChange),
        # ``name`` is a keyword to sqlglot's tokenizer, yet read and printed as a plain name
        ("CREATE TABLE f (name text PRIMARY KEY, enabled boolean NOT NULL DEFAULT false)", CreateTable),
        ("INSERT INTO f (name, enabled) VALUES ('x', false)\nON CONFLICT (name) DO NOTHING", DataChange),
        ("DELETE FROM f WHERE name = 'x'", DataChange),
        (
            "ALTER TABLE t ALTER COLUMN sent_at TYPE timestamptz USING sent_at AT TIME ZONE 'UTC'",
            AlterColumnType,
        ),
        ("ALTER TABLE t ALTER COLUMN checksum SET DEFAULT '\\x00'::bytea", SetDefault),
        ("ALTER TABLE t ADD CONSTRAINT c CHECK (char_length(country_code) = 2) NOT VALID", AddConstraint),
        ("ALTER TABLE t ADD CONSTRAINT c CHECK (status IN ('pending', 'active'))", AddConstraint),
        ("ALTER TABLE t ADD CONSTRAINT c CHECK (length(name) NOT IN (1, -2))", AddConstraint),
    ],
)
def test_common_shapes_take_the_fast_path(sql: str, kind: type[Operation]) -> None:
    found = fastpath.read(sql)
    assert found is not None
    assert [type(op) for op in found] == [kind]
    slow, fast = _both(sql)
    assert _shape(fast) == _shape(slow)


@pytest.mark.parametrize(
    "sql",
    [
        "ALTER TABLE t ADD COLUMN c integer DEFAULT random()",  # unknown function
        "ALTER TABLE t ADD COLUMN key text",  # a keyword as a name
        "ALTER TABLE t ADD COLUMN c text -- note",  # a comment
        "ALTER TABLE IF EXISTS t DROP COLUMN c",  # read peculiarly by sqlglot
        "ALTER TABLE t ADD COLUMN c jsonb DEFAULT '{}'::jsonb::text",  # an expression
        "CREATE INDEX i ON t (lower(email))",
        "UPDATE t SET a = 1 FROM u WHERE u.id = t.id",  # beyond the grammar read here
        "UPDATE t SET a = 1 WHERE",  # rejected by sqlglot: MG001 must stay
        "UPDATE t SET a = lower(a, b)",  # wrong number of arguments
        "DELETE FROM t WHERE a = f(1)",  # an unknown function
        "DELETE FROM t WHERE a = 1 -- why",
        "INSERT INTO t SELECT a FROM u RETURNING a",
        "CREATE TABLE t (a int) PARTITION BY RANGE (a)",
        "CREATE TABLE t (a int GENERATED ALWAYS AS (b) STORED)",
        "CREATE TABLE t (a float8)",
    ],
)
def test_anything_unexpected_goes_to_sqlglot(sql: str) -> None:
    assert fastpath.read(sql) is None
    slow, fast = _both(sql)
    assert _shape(fast) == _shape(slow)


def test_switch_turns_it_off(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(fastpath, "ENABLED", False)
    assert fastpath.read("ALTER TABLE t DROP COLUMN c") is None


# --- generated statements ------------------------------------------------------------------

_names = st.sampled_from(
    [
        "t",
        "c",
        "users",
        "order_items",
        "Mixed",
        '"Quoted"',
        '"with space"',
        "name",
        "key",
        "type",
        "a1",
        "x_y",
    ]
)
_tables = st.one_of(_names, _names.map(lambda n: f"public.{n}"), _names.map(lambda n: f"app.{n}"))
_types = st.sampled_from(
    [
        "int",
        "integer",
        "INT4",
        "bigint",
        "int8",
        "smallint",
        "int2",
        "text",
        "boolean",
        "bool",
        "uuid",
        "jsonb",
        "json",
        "bytea",
        "timestamptz",
        "timestamp",
        "date",
        "real",
        "numeric",
        "decimal",
        "varchar",
        "char",
        "serial",
        "bigserial",
        "smallserial",
        "inet",
        "double precision",
        "character varying",
        "timestamp with time zone",
        "timestamp without time zone",
        "VARCHAR(20)",
        "numeric(10, 2)",
        "decimal(5,1)",
        "char(3)",
        "character varying(255)",
        "text[]",
        "varchar(10)[]",
        "int[][]",
        "interval",
        "money",
        "timestamp(3)",
        "numeric(10)",
        "text(5)",
    ]
)
_defaults = st.sampled_from(
    [
        "0",
        "-1",
        "1.50",
        "007",
        "- 2",
        "'x'",
        "'it''s'",
        "''",
        "'{}'",
        "TRUE",
        "false",
        "NULL",
        "now()",
        "NOW()",
        "CURRENT_TIMESTAMP",
        "gen_random_uuid()",
        "clock_timestamp()",
        "random()",
        "'{}'::jsonb",
        "E'x'",
        "1e5",
        "1.",
        "'\\x00'",
        "'\\x00'::bytea",
        "'a\\tb'",
        "'a\\\\b'",
        "'\\'",
        "'\\''",
    ]
)
_zones = st.sampled_from(["'UTC'", "'it''s'", "'\\x'", "utc", "'UTC' AT TIME ZONE 'x'", "E'UTC'"])
_fk_actions = st.sampled_from(["CASCADE", "RESTRICT", "SET NULL", "SET DEFAULT", "NO ACTION", "NOTHING"])
_plain = st.sampled_from(["a", "b", "user_id", "Up", "id", "name", "Name", "key"])
_cols = st.lists(_plain, min_size=1, max_size=3).map(", ".join)
_flags = st.booleans()


@st.composite
def _column_def(draw: st.DrawFn) -> str:
    parts = [draw(_names), draw(_types)]
    for _ in range(draw(st.integers(0, 3))):
        choice = draw(st.sampled_from(["NOT NULL", "NULL", "DEFAULT", "UNIQUE"]))
        parts.append(f"DEFAULT {draw(_defaults)}" if choice == "DEFAULT" else choice)
    return " ".join(parts)


@st.composite
def _add_constraint(draw: st.DrawFn) -> str:
    name = draw(_names)
    kind = draw(st.sampled_from(["check", "fk", "unique", "pk", "using"]))
    if kind == "check":
        negated = "NOT " if draw(_flags) else ""
        body = f"CHECK ({draw(_plain)} IS {negated}NULL)"
    elif kind == "fk":
        target = draw(st.sampled_from(["u", "public.u", "s.u", '"U"']))
        body = f"FOREIGN KEY ({draw(_cols)}) REFERENCES {target}"
        if draw(_flags):
            body += f" ({draw(_cols)})"
        for _ in range(draw(st.integers(0, 2))):
            body += f" ON {draw(st.sampled_from(['DELETE', 'UPDATE']))} {draw(_fk_actions)}"
    elif kind == "using":
        body = f"{draw(st.sampled_from(['UNIQUE', 'PRIMARY KEY']))} USING INDEX {draw(_names)}"
    else:
        body = f"{'UNIQUE' if kind == 'unique' else 'PRIMARY KEY'} ({draw(_cols)})"
    if kind in {"check", "fk"} and draw(_flags):
        body += " NOT VALID"
    return f"ADD CONSTRAINT {name} {body}"


@st.composite
def _action(draw: st.DrawFn) -> str:
    kind = draw(st.sampled_from(["add", "drop", "alter", "rename", "constraint", "validate", "dropc"]))
    column = "COLUMN " if draw(_flags) else ""
    if kind == "add":
        return f"ADD {column}{'IF NOT EXISTS ' if draw(_flags) else ''}{draw(_column_def())}"
    if kind == "drop":
        how = draw(st.sampled_from(["", " CASCADE", " RESTRICT"]))
        return f"DROP {column}{'IF EXISTS ' if draw(_flags) else ''}{draw(_names)}{how}"
    if kind == "alter":
        what = draw(
            st.one_of(
                st.sampled_from(["SET NOT NULL", "DROP NOT NULL", "DROP DEFAULT"]),
                _defaults.map("SET DEFAULT {}".format),
                _types.map("TYPE {}".format),
                _types.map("SET DATA TYPE {}".format),
                _types.map("TYPE {} USING c::text".format),
                st.tuples(_types, _plain, _zones).map(
                    lambda t: f"TYPE {t[0]} USING {t[1]} AT TIME ZONE {t[2]}"
                ),
            )
        )
        return f"ALTER {column}{draw(_names)} {what}"
    if kind == "rename":
        return draw(
            st.sampled_from(
                [
                    f"RENAME COLUMN {draw(_names)} TO {draw(_names)}",
                    f"RENAME {draw(_names)} TO {draw(_names)}",
                    f"RENAME TO {draw(_names)}",
                ]
            )
        )
    if kind == "constraint":
        return draw(_add_constraint())
    if kind == "validate":
        return f"VALIDATE CONSTRAINT {draw(_names)}"
    return f"DROP CONSTRAINT {'IF EXISTS ' if draw(_flags) else ''}{draw(_names)}"


@st.composite
def _statement(draw: st.DrawFn) -> str:
    kind = draw(st.sampled_from(["alter", "alter", "index", "drop"]))
    if kind == "alter":
        head = draw(st.sampled_from(["", "", "ONLY ", "IF EXISTS "]))
        actions = draw(st.lists(_action(), min_size=1, max_size=3))
        text = f"ALTER TABLE {head}{draw(_tables)} {', '.join(actions)}"
    elif kind == "index":
        name = draw(st.none() | _names)
        using = draw(st.sampled_from(["", " USING gin", " USING btree", " USING hash"]))
        order = draw(st.sampled_from(["", " ASC", " DESC", " NULLS LAST"]))
        where = draw(
            st.sampled_from(
                ["", " WHERE a IS NULL", " WHERE deleted_at IS NOT NULL", " WHERE a > 0", " WHERE X IS NULL"]
            )
        )
        text = (
            f"CREATE {'UNIQUE ' if draw(_flags) else ''}INDEX {'CONCURRENTLY ' if draw(_flags) else ''}"
            f"{'IF NOT EXISTS ' if draw(_flags) else ''}{name + ' ' if name else ''}ON {draw(_tables)}"
            f"{using} ({draw(_cols)}{order}){where}"
        )
    else:
        names = ", ".join(draw(st.lists(_tables, min_size=1, max_size=3)))
        how = draw(st.sampled_from(["", " CASCADE", " RESTRICT"]))
        text = f"DROP TABLE {'IF EXISTS ' if draw(_flags) else ''}{names}{how}"
    if draw(_flags):
        text = text.lower()
    return text.replace(" ", draw(st.sampled_from([" ", " ", "\n  "])))


# Expressions: what the fast path reads, and near misses sqlglot rejects or reads otherwise.
_atoms = st.sampled_from(
    [
        "a",
        "t.a",
        "batch_size",
        "1",
        "0.5",
        "'x'",
        "'it''s'",
        "'\\x00'",
        "NULL",
        "TRUE",
        "now()",
        "NOW()",
        "CURRENT_TIMESTAMP",
        "interval '7 days'",
        "lower(a)",
        "char_length(a)",
        "CHAR_LENGTH(name)",
        "coalesce(a, 0)",
        "nullif(a, '')",
        "'{}'::jsonb",
        "a::text",
        "(a)",
        # near misses
        "lower(a, b)",
        "nullif(a)",
        "f(a)",
        "position(a)",
        "char_length(a, b)",
        "char_length()",
        "name",
        "key",
        "int4",
        "E'x'",
        "date '2020-01-01'",
        "$1",
        "?",
        "a.",
        "()",
        "interval",
        "a b",
        "'x\\'",
        "(SELECT 1)",
    ]
)
_operators = st.sampled_from(
    [
        "=",
        "<>",
        "!=",
        "<",
        ">=",
        "+",
        "-",
        "*",
        "/",
        "%",
        "||",
        "AND",
        "OR",
        "==",
        "<=>",
        "->",
        "@>",
        "~",
        "- -",
    ]
)


@st.composite
def _expr(draw: st.DrawFn, depth: int = 0) -> str:
    kind = draw(st.sampled_from(["atom", "atom", "binary", "not", "is", "in", "sub", "like", "neg"]))
    if kind == "atom" or depth > 2:
        return draw(_atoms)
    inner = draw(_expr(depth + 1))
    if kind == "binary":
        return f"{inner} {draw(_operators)} {draw(_expr(depth + 1))}"
    if kind == "not":
        return f"NOT {inner}"
    if kind == "is":
        return f"{inner} IS {draw(st.sampled_from(['NULL', 'NOT NULL', 'TRUE', 'NOT FALSE', 'NOTHING']))}"
    if kind == "in":
        items = draw(st.lists(_atoms, min_size=0, max_size=3))
        return f"{inner} {draw(st.sampled_from(['IN', 'NOT IN']))} ({', '.join(items)})"
    if kind == "sub":
        return f"{inner} IN ({draw(_select(depth + 1))})"
    if kind == "like":
        return f"{inner} LIKE 'a%'"
    return f"-{inner}"


@st.composite
def _select(draw: st.DrawFn, depth: int = 0) -> str:
    items = draw(st.sampled_from(["*", "id", "id, a", "'v', id, now()", "a AS b", "DISTINCT id"]))
    text = f"SELECT {items} FROM {draw(_tables)}"
    if draw(_flags):
        text += f" WHERE {draw(_expr(depth + 1))}"
    text += draw(st.sampled_from(["", " ORDER BY id", " ORDER BY id DESC, a", " ORDER BY id NULLS LAST"]))
    text += draw(st.sampled_from(["", " LIMIT 100", " LIMIT batch_size", " LIMIT ALL", " LIMIT 1.5"]))
    text += draw(st.sampled_from(["", "", " FOR UPDATE", " FOR UPDATE SKIP LOCKED", " FOR SHARE"]))
    return text


@st.composite
def _dml(draw: st.DrawFn) -> str:
    kind = draw(st.sampled_from(["update", "delete", "insert_select", "insert_values"]))
    table = draw(_tables)
    where = f" WHERE {draw(_expr())}" if draw(_flags) else ""
    if kind == "update":
        sets = ", ".join(f"{draw(_plain)} = {draw(_expr())}" for _ in range(draw(st.integers(1, 2))))
        head = draw(st.sampled_from(["", "", "ONLY "]))
        return f"UPDATE {head}{table} SET {sets}{where}"
    if kind == "delete":
        return f"DELETE FROM {table}{where}"
    cols = f" ({draw(_cols)})" if draw(_flags) else ""
    if kind == "insert_select":
        return f"INSERT INTO {table}{cols} {draw(_select())}"
    rows = ", ".join(f"({draw(_expr())}, {draw(_atoms)})" for _ in range(draw(st.integers(1, 2))))
    conflict = draw(
        st.sampled_from(
            [
                "",
                " ON CONFLICT DO NOTHING",
                " ON CONFLICT (a) DO NOTHING",
                " ON CONFLICT (a) DO UPDATE SET a = 1",
            ]
        )
    )
    return f"INSERT INTO {table}{cols} VALUES {rows}{conflict}"


_column_constraints = st.sampled_from(
    [
        "NOT NULL",
        "NULL",
        "PRIMARY KEY",
        "UNIQUE",
        "REFERENCES u",
        "REFERENCES public.u (id) ON DELETE CASCADE",
        "REFERENCES u (id) ON DELETE SET NULL ON UPDATE NO ACTION",
        "REFERENCES u (id) DEFERRABLE",
        "GENERATED ALWAYS AS IDENTITY",
        "GENERATED BY DEFAULT AS IDENTITY",
        "GENERATED ALWAYS AS (a + 1) STORED",
        "CONSTRAINT cc NOT NULL",
        "CONSTRAINT cc",
        'COLLATE "C"',
    ]
)
_user_types = st.sampled_from(["t_kind", "Mood", "tsvector", "float8", "my.kind", "t_kind[]"])


@st.composite
def _create_table(draw: st.DrawFn) -> str:
    items: list[str] = []
    for _ in range(draw(st.integers(1, 4))):
        kind = draw(st.sampled_from(["col", "col", "col", "pk", "unique", "check", "fk", "bad"]))
        named = f"CONSTRAINT {draw(_names)} " if draw(_flags) else ""
        if kind == "col":
            parts = [draw(_plain), draw(st.one_of(_types, _user_types))]
            for _ in range(draw(st.integers(0, 3))):
                choice = draw(st.sampled_from(["constraint", "constraint", "default", "check"]))
                if choice == "default":
                    parts.append(f"DEFAULT {draw(_defaults)}")
                elif choice == "check":
                    parts.append(f"CHECK ({draw(_expr())})")
                else:
                    parts.append(draw(_column_constraints))
            items.append(" ".join(parts))
        elif kind == "pk":
            items.append(f"{named}PRIMARY KEY ({draw(_cols)})")
        elif kind == "unique":
            items.append(f"{named}UNIQUE ({draw(_cols)})")
        elif kind == "check":
            items.append(f"{named}CHECK ({draw(_expr())})")
        elif kind == "fk":
            items.append(f"{named}FOREIGN KEY ({draw(_cols)}) REFERENCES u (id) ON DELETE CASCADE")
        else:
            items.append(draw(st.sampled_from(["LIKE u", "EXCLUDE USING gist (a WITH =)", ""])))
    exists = "IF NOT EXISTS " if draw(_flags) else ""
    tail = draw(st.sampled_from(["", "", " PARTITION BY RANGE (a)", " WITH (fillfactor = 70)"]))
    return f"CREATE TABLE {exists}{draw(_tables)} ({', '.join(items)}){tail}"


@st.composite
def _more(draw: st.DrawFn) -> str:
    kind = draw(st.sampled_from(["dml", "dml", "create", "create", "drop_type", "check", "add"]))
    if kind == "dml":
        text = draw(_dml())
    elif kind == "create":
        text = draw(_create_table())
    elif kind == "drop_type":
        names = ", ".join(draw(st.lists(_tables, min_size=1, max_size=2)))
        how = draw(st.sampled_from(["", " CASCADE"]))
        text = f"DROP TYPE {'IF EXISTS ' if draw(_flags) else ''}{names}{how}"
    elif kind == "check":
        op = draw(st.sampled_from(["=", "<>", "!=", ">=", "<", "==", "IS NULL", "LIKE", "IN", "NOT IN"]))
        literal = draw(
            st.sampled_from(
                ["0", "-1", "- 2", "1.50", "''", "'x'", "TRUE", "'\\'", "a", "'{}'::jsonb", "'\\x'"]
            )
        )
        if op.endswith("IN"):
            items = draw(
                st.lists(st.sampled_from(["'a'", "'it''s'", "1", "-2", "NULL", "b", "'x'::text"]), max_size=3)
            )
            literal = f"({', '.join(items)})"
        column = draw(_plain)
        shape = draw(
            st.sampled_from(["{}", "{}", "length({})", "char_length({})", "CHAR_LENGTH({})", "lower({})"])
        )
        shape = draw(st.sampled_from([shape, "char_length({}, a)", "length(({}))", "char_length ({})"]))
        check = f"{shape.format(column)} {op} {literal}"
        tail = " NOT VALID" if draw(_flags) else ""
        text = f"ALTER TABLE {draw(_tables)} ADD CONSTRAINT c CHECK ({check}){tail}"
    else:
        constraint = draw(_column_constraints)
        text = f"ALTER TABLE {draw(_tables)} ADD COLUMN c {draw(st.one_of(_types, _user_types))} {constraint}"
    if draw(_flags):
        text = text.lower()
    return text.replace(" ", draw(st.sampled_from([" ", " ", "\n  "])))


@settings(max_examples=600, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_more())
@example(sql="UPDATE t SET a = 1 WHERE")
@example(
    sql="DELETE FROM t WHERE a IN (SELECT id FROM t WHERE b IS NULL LIMIT batch_size FOR UPDATE SKIP LOCKED)"
)
def test_generated_dml_and_create_table_read_the_same(sql: str) -> None:
    slow, fast = _both(sql)
    assert _shape(fast) == _shape(slow)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_dml(), st.booleans())
def test_generated_dml_in_do_blocks_reads_the_same(sql: str, loop: bool) -> None:
    body = f"LOOP {sql}; RAISE NOTICE 'batch'; EXIT WHEN NOT FOUND; END LOOP;" if loop else f"{sql};"
    slow, fast = _both(f"DO $$ BEGIN {body} END $$")
    assert _shape(fast) == _shape(slow)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_statement())
@example(sql="alter table t add constraint t foreign key (a) references u on delete cascade")
def test_generated_statements_read_the_same(sql: str) -> None:
    slow, fast = _both(sql)
    assert _shape(fast) == _shape(slow)


# --- the JSON report ------------------------------------------------------------------------


def _finding(message: str, *, line: int = 1, end_line: int = 0, code: str = "MG101") -> Finding:
    return Finding(
        code=code,
        name="index-not-concurrent",
        level=Level.WARNING,
        message=message,
        location=Location("migrations/0001 é.sql", line, 3, end_line),
        help='say "CONCURRENTLY"\\n\ttab',
    )


def test_json_report_is_byte_identical_to_json_dumps() -> None:
    rules = builtin_rules()
    findings = [
        _finding("plain"),
        _finding('quotes " and \\ backslash, newline\n, control \x01, unicode ✓ 😀', line=7, end_line=9),
        _finding("unknown code", code="MG999"),
    ]
    table = {r.code: r for r in rules}
    objects = [finding_object(f, table, ".") for f in findings]
    assert dumps(objects) == json.dumps(objects, indent=2, ensure_ascii=False) + "\n"
    in_order = [finding_object(f, table, ".") for f in ordered(findings)]
    assert render(findings, rules, root=".") == json.dumps(in_order, indent=2, ensure_ascii=False) + "\n"
    assert dumps([]) == json.dumps([], indent=2) + "\n"
    odd = [{"code": "x", "extra": True}]
    assert dumps(odd) == json.dumps(odd, indent=2, ensure_ascii=False) + "\n"


# --- the tokenizer against the token-by-token reference ---------------------------------------

# The tokenizer as it was written first: one match per token, "bad" where no token starts.
_REFERENCE_TOKEN = re.compile(
    r"""\s*(?:
      (?P<word>[A-Za-z_][A-Za-z0-9_]*)(?![A-Za-z0-9_$])
    | (?P<quoted>"[^"\n]+")
    | (?P<number>(?:0|[1-9][0-9]*)(?:\.[0-9]+)?)(?![A-Za-z0-9_.])
    | (?P<string>'(?:[^'\\\n]|\\(?![\\'\n])|'')*')
    | (?P<op><>|<=|>=|!=|\|\||::|[=<>+*%]|/(?!\*))
    | (?P<punct>[(),.\[\]]|-(?!-))
    | (?P<bad>\S)
    )""",
    re.VERBOSE,
)


def _reference_tokens(sql: str) -> list[str] | None:
    texts: list[str] = []
    for m in _REFERENCE_TOKEN.finditer(sql):
        kind = m.lastgroup
        if kind is None or kind == "bad":
            return None
        texts.append(m[kind])
    return texts


def _tokens(sql: str) -> list[str] | None:
    try:
        reader = fastpath._Reader(sql)  # pyright: ignore[reportPrivateUsage]
    except fastpath._Bail:  # pyright: ignore[reportPrivateUsage]
        return None
    return reader.texts[: reader.count]


@settings(max_examples=1500, deadline=None)
@given(st.text(alphabet="aZ_1 0.,;()[]'\"\\-/*$:=<>!|%+\n\té", max_size=24))
@example(sql="a 'it''s' -- c")
@example(sql="1abc")
@example(sql="x::jsonb[] $1")
def test_tokenizer_cuts_as_the_token_by_token_reference(sql: str) -> None:
    assert _tokens(sql) == _reference_tokens(sql)
