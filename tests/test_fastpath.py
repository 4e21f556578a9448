"""The sqlglot-free reader of common DDL gives exactly the IR the sqlglot path gives.

Every field counts, those ignored by ``==`` (location, text, expression, where, if_exists…)
included: both paths are compared with ``dataclasses.astuple``. Also: the fast JSON report is
byte-identical to ``json.dumps``.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from benchmarks import corpus
from miglint.findings import Finding, Level, Location
from miglint.ir.ops import AddColumn, CreateIndex, Operation, ValidateConstraint
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
        "ALTER TABLE t ADD COLUMN name text",  # a keyword as a name
        "ALTER TABLE t ADD COLUMN c text -- note",  # a comment
        "ALTER TABLE IF EXISTS t DROP COLUMN c",  # read peculiarly by sqlglot
        "ALTER TABLE t ADD COLUMN c jsonb DEFAULT '{}'::jsonb",  # an expression
        "CREATE INDEX i ON t (lower(email))",
        "UPDATE t SET a = 1",
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
    ]
)
_fk_actions = st.sampled_from(["CASCADE", "RESTRICT", "SET NULL", "SET DEFAULT", "NO ACTION", "NOTHING"])
_plain = st.sampled_from(["a", "b", "user_id", "Up", "id"])
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
