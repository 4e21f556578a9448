"""The keyword pre-filter reads ``INSERT … VALUES`` exactly as sqlglot would, only faster."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlglot.tokens import Tokenizer

import miglint.parsers.sql as sql_frontend
from miglint.cli import main
from miglint.ir.ops import DataChange
from miglint.parsers import fastpath
from miglint.parsers.sql import classify

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"

# Every word sqlglot's tokenizer knows, plus ordinary names: the pre-filter must either agree
# with sqlglot on each or leave the statement to sqlglot.
KEYWORDS = sorted({k.split()[0].lower() for k in Tokenizer.KEYWORDS if k.replace("_", "").isalpha()})
NAMES = st.one_of(
    st.sampled_from(KEYWORDS),
    st.sampled_from(["t", "users", "Orders", "user_id", "x1", "_a"]),
    st.sampled_from(['"select"', '"Mixed Case"', '"a""b"', '"x.y"']),
)
LITERALS = st.one_of(
    st.integers(-(10**6), 10**6).map(str),
    st.sampled_from(["1.5", "-0.25", "NULL", "null", "TRUE", "false", "DEFAULT", "1e3", ".5", "+1"]),
    st.sampled_from(["'a'", "'it''s'", "''", "'back\\slash'", "E'x\\n'", "$$d$$", "now()", "'a'::text"]),
)


def _insert(table: list[str], columns: list[str] | None, rows: list[list[str]], spacing: str) -> str:
    cols = f" ({f',{spacing}'.join(columns)})" if columns is not None else ""
    values = f",{spacing}".join("(" + ", ".join(row) + ")" for row in rows)
    return f"INSERT INTO {'.'.join(table)}{cols}{spacing}VALUES{spacing}{values}"


@settings(max_examples=400, deadline=None)
@given(
    table=st.lists(NAMES, min_size=1, max_size=4),
    columns=st.none() | st.lists(NAMES, min_size=1, max_size=3),
    rows=st.lists(st.lists(LITERALS, min_size=1, max_size=3), min_size=1, max_size=3),
    spacing=st.sampled_from([" ", "\n  ", ""]),
)
def test_prefilter_agrees_with_sqlglot(
    table: list[str], columns: list[str] | None, rows: list[list[str]], spacing: str
) -> None:
    statement = _insert(table, columns, rows, spacing)
    fast = classify(statement)
    sql_frontend.PREFILTER = False
    try:
        slow = classify(statement)
    finally:
        sql_frontend.PREFILTER = True
    assert fast == slow, statement


def test_keyword_list_covers_sqlglot() -> None:
    from sqlglot.dialects.postgres import Postgres

    reserved = fastpath.RESERVED_WORDS
    for keywords in (Tokenizer.KEYWORDS, Postgres.Tokenizer.KEYWORDS):
        words = {k.split()[0].lower() for k in keywords if k.split()[0].replace("_", "").isalpha()}
        assert words <= reserved, sorted(words - reserved)


def test_prefilter_takes_plain_inserts_and_leaves_the_rest() -> None:
    taken = sql_frontend._insert_values  # pyright: ignore[reportPrivateUsage]
    assert isinstance(taken("INSERT INTO app.users (id, email) VALUES (1, 'a'), (2, 'b')"), DataChange)
    assert taken("INSERT INTO users SELECT * FROM old_users") is None
    assert taken("INSERT INTO users VALUES (1) ON CONFLICT DO NOTHING") is None
    assert taken("INSERT INTO users VALUES (nextval('s'))") is None
    assert taken("INSERT INTO select VALUES (1)") is None


def test_fixtures_same_with_and_without_prefilter(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    shutil.copytree(FIXTURES, tmp_path / "fixtures")
    monkeypatch.chdir(tmp_path)
    args = ["check", "--no-cache", "--jobs", "1", "--format", "json", "--fail-on", "never", "fixtures"]
    runner = CliRunner()
    with_prefilter = runner.invoke(main, args, catch_exceptions=False)
    monkeypatch.setattr(sql_frontend, "PREFILTER", False)
    without = runner.invoke(main, args, catch_exceptions=False)
    assert '"code"' in with_prefilter.output
    assert with_prefilter.output == without.output
