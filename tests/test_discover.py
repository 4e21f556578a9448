from __future__ import annotations

from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from miglint.config import Settings
from miglint.discover import description_of, load, natural_key
from miglint.ir.migration import Transaction
from miglint.ir.ops import AddColumn, CreateIndex, CreateTable, DropColumn, DropTable, ParseError
from miglint.parsers.directives import python_directives, sql_directives


def write(root: Path, files: dict[str, str | bytes]) -> None:
    for rel, content in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content)


def names(root: Path, settings: Settings | None = None) -> list[str]:
    loaded = load([str(root)], settings or Settings())
    return [str(Path(m.path).relative_to(root)) for m in loaded.migrations]


def test_natural_key_orders_numbers_numerically() -> None:
    assert sorted(["10_b", "2_a", "1_c"], key=natural_key) == ["1_c", "2_a", "10_b"]
    assert natural_key("1.10") > natural_key("1.9")


def test_golang_migrate_pairs_up_and_down(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "db/10_b.up.sql": "ALTER TABLE t ADD COLUMN b int;",
            "db/10_b.down.sql": "ALTER TABLE t DROP COLUMN b;",
            "db/2_a.up.sql": "-- Create t.\nCREATE TABLE t (id bigint);",
            "db/2_a.down.sql": "DROP TABLE t;",
            "db/3_c.up.sql": "CREATE INDEX i ON t (id);",
        },
    )
    loaded = load([str(tmp_path)], Settings())
    assert [Path(m.path).name for m in loaded.migrations] == ["2_a.up.sql", "3_c.up.sql", "10_b.up.sql"]
    first, no_down, last = loaded.migrations
    assert first.rollback == (DropTable(table="t"),) and first.rollback_expected
    assert first.description == "Create t."
    assert no_down.rollback is None and no_down.rollback_expected
    assert last.rollback == (DropColumn(table="t", column="b"),)
    assert last.rollback_path is not None and last.rollback_path.endswith("10_b.down.sql")
    assert {m.history for m in loaded.migrations} == {str(tmp_path / "db")}


def test_diesel_folders(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "migrations/2024-02-01-000000_add/up.sql": "ALTER TABLE t ADD COLUMN c int;",
            "migrations/2024-02-01-000000_add/down.sql": "ALTER TABLE t DROP COLUMN c;",
            "migrations/2024-01-01-000000_create/up.sql": "CREATE TABLE t (id bigint);",
        },
    )
    loaded = load([str(tmp_path)], Settings())
    assert [Path(m.path).parent.name for m in loaded.migrations] == [
        "2024-01-01-000000_create",
        "2024-02-01-000000_add",
    ]
    assert {m.history for m in loaded.migrations} == {str(tmp_path / "migrations")}
    assert loaded.migrations[1].rollback == (DropColumn(table="t", column="c"),)
    assert loaded.migrations[0].rollback is None and loaded.migrations[0].rollback_expected


def test_dbmate_sections(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "db/migrations/20240101_add.sql": (
                "-- Add a column.\n-- migrate:up\nALTER TABLE t ADD COLUMN c int;\n\n"
                "-- migrate:down\nALTER TABLE t DROP COLUMN c;\n"
            ),
            "db/migrations/20240201_idx.sql": (
                "-- migrate:up transaction:false\nCREATE INDEX CONCURRENTLY i ON t (c);\n-- migrate:down\n"
            ),
        },
    )
    loaded = load([str(tmp_path)], Settings(assume_in_transaction=True))
    add, idx = loaded.migrations
    assert isinstance(add.upgrade[0], AddColumn) and add.upgrade[0].location.line == 3
    assert add.rollback == (DropColumn(table="t", column="c"),)
    assert add.rollback is not None and add.rollback[0].location.line == 6
    assert add.rollback_path == add.path and add.description == "Add a column."
    assert add.transaction is Transaction.ASSUMED
    assert idx.transaction is Transaction.NONE and idx.rollback == ()


def test_flyway_versions_undo_and_repeatable(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "sql/V1_10__later.sql": "ALTER TABLE t ADD COLUMN c int;",
            "sql/V1_9__earlier.sql": "CREATE TABLE t (id bigint);",
            "sql/U1_10__later.sql": "ALTER TABLE t DROP COLUMN c;",
            "sql/R__views.sql": "CREATE OR REPLACE VIEW v AS SELECT 1;",
        },
    )
    loaded = load([str(tmp_path)], Settings())
    assert [Path(m.path).name for m in loaded.migrations] == [
        "V1_9__earlier.sql",
        "V1_10__later.sql",
        "R__views.sql",
    ]
    assert not any(m.rollback_expected for m in loaded.migrations)
    assert loaded.migrations[1].rollback == (DropColumn(table="t", column="c"),)


def test_sqitch_project(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "proj/sqitch.plan": "%syntax-version=1.0.0\n%project=x\n\nzeta 2024-01-01T00:00:00Z a <a@b>\n"
            "alpha [zeta] 2024-01-02T00:00:00Z a <a@b>\n",
            "proj/deploy/zeta.sql": "CREATE TABLE t (id bigint);",
            "proj/deploy/alpha.sql": "ALTER TABLE t ADD COLUMN c int;",
            "proj/revert/alpha.sql": "ALTER TABLE t DROP COLUMN c;",
            "proj/verify/alpha.sql": "SELECT c FROM t WHERE false;",
        },
    )
    loaded = load([str(tmp_path)], Settings())
    assert [Path(m.path).name for m in loaded.migrations] == ["zeta.sql", "alpha.sql"]
    assert {m.history for m in loaded.migrations} == {str(tmp_path / "proj")}
    assert loaded.migrations[1].rollback == (DropColumn(table="t", column="c"),)
    assert all(m.rollback_expected for m in loaded.migrations)
    assert loaded.unrecognised == []


def test_plain_sql_single_file_and_down_file_given(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "a/0001_init.sql": "CREATE TABLE t (id bigint);",
            "b/1_x.up.sql": "CREATE TABLE u (id bigint);",
            "b/1_x.down.sql": "DROP TABLE u;",
        },
    )
    single = load([str(tmp_path / "a/0001_init.sql")], Settings())
    (m,) = single.migrations
    assert isinstance(m.upgrade[0], CreateTable) and not m.rollback_expected and m.rollback is None
    assert m.history == str(tmp_path / "a") and m.transaction is Transaction.NONE
    down_only = load([str(tmp_path / "b/1_x.down.sql")], Settings())
    assert [Path(x.path).name for x in down_only.migrations] == ["1_x.up.sql"]


def test_include_exclude_and_skipped_dirs(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "migrations/1_a.sql": "CREATE TABLE a (id bigint);",
            "migrations/old/1_b.sql": "CREATE TABLE b (id bigint);",
            "seeds/1_c.sql": "INSERT INTO a VALUES (1);",
            "node_modules/x/1.sql": "DROP TABLE a;",
            ".hidden/1.sql": "DROP TABLE a;",
        },
    )
    assert sorted(names(tmp_path)) == ["migrations/1_a.sql", "migrations/old/1_b.sql", "seeds/1_c.sql"]
    assert names(tmp_path, Settings(include=("migrations",), exclude=("old",))) == ["migrations/1_a.sql"]


def test_unreadable_file_is_a_problem_not_a_crash(tmp_path: Path) -> None:
    write(tmp_path, {"1_bad.sql": b"CREATE TABLE t (name text DEFAULT '\xff\xfe');", "2_ok.sql": "SELECT 1;"})
    loaded = load([str(tmp_path)], Settings())
    assert [Path(m.path).name for m in loaded.migrations] == ["2_ok.sql"]
    (problem,) = loaded.problems
    assert problem.code == "MG001" and problem.location.path.endswith("1_bad.sql")


def test_broken_statement_in_file_is_a_parse_error_op(tmp_path: Path) -> None:
    write(
        tmp_path,
        {"1.sql": "CREATE TABLE t (id bigint);\nALTER TABLE t ADD COLUMN;\nCREATE INDEX i ON t (id);"},
    )
    (m,) = load([str(tmp_path)], Settings()).migrations
    assert [type(o) for o in m.upgrade] == [CreateTable, ParseError, CreateIndex]


def test_transaction_directive_and_placeholders(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "1.sql": "-- miglint: no-transaction\nCREATE INDEX CONCURRENTLY i ON ${s}.t (a);",
            "2.sql": "CREATE INDEX i2 ON ${s}.t (a);",
        },
    )
    settings = Settings(assume_in_transaction=True, placeholders={"${s}": "app"})
    first, second = load([str(tmp_path)], settings).migrations
    assert first.transaction is Transaction.NONE and second.transaction is Transaction.ASSUMED
    assert first.description is None
    assert isinstance(second.upgrade[0], CreateIndex) and second.upgrade[0].table == "app.t"


def test_python_files_go_to_framework_readers_only_with_markers(tmp_path: Path) -> None:
    write(tmp_path, {"helpers.py": "def f():\n    return 1\n"})
    loaded = load([str(tmp_path)], Settings())
    assert loaded.migrations == [] and loaded.unrecognised == []


def test_description_of() -> None:
    text = "/* Plan:\n * add column */\n-- miglint: ignore[MG101]\n-- second line\nSELECT 1; -- not this"
    assert description_of(text) == "Plan:\nadd column\nsecond line"
    assert description_of("SELECT 1; -- trailing") is None


# --- directives ---------------------------------------------------------------------------------


def test_sql_ignore_above_and_trailing() -> None:
    text = (
        "-- miglint: ignore[MG101, mg102] reviewed by DBA\n"
        "-- another comment\n"
        "CREATE INDEX i ON t\n  (a);\n"
        "DROP INDEX j; -- miglint: ignore[MG102]\n"
        "-- miglint: ignore\n"
        "\n"
        "SELECT 1;\n"
        "-- miglint: ignore-file[MG201]\n"
        "-- miglint: no-transaction\n"
    )
    d = sql_directives(text, "f.sql")
    assert d.no_transaction
    above, trailing, blank_gap, file_wide = d.suppressions
    assert above.codes == frozenset({"MG101", "MG102"}) and above.reason == "reviewed by DBA"
    assert (above.line, above.first, above.last) == (1, 1, 4)
    assert (trailing.first, trailing.last, trailing.column) == (5, 5, 15)
    # Blank lines and comments may sit between a directive and its statement.
    assert blank_gap.codes == frozenset() and (blank_gap.first, blank_gap.last) == (6, 8)
    assert file_wide.file_wide and file_wide.codes == frozenset({"MG201"})


def test_sql_ignore_not_directly_above_covers_only_itself() -> None:
    text = "-- miglint: ignore[MG101]\nSELECT 1;\n"
    (s,) = sql_directives(text, "f.sql").suppressions
    assert (s.first, s.last) == (1, 2)
    text = "SELECT 1;\n-- miglint: ignore[MG101]\n"
    (s,) = sql_directives(text, "f.sql").suppressions
    assert (s.first, s.last) == (2, 2)


def test_sql_directives_offset_for_embedded_sql() -> None:
    (s,) = sql_directives("-- miglint: ignore[MG101]\nCREATE INDEX i ON t (a);", "m.py", line=10).suppressions
    assert (s.path, s.line, s.first, s.last) == ("m.py", 10, 10, 11)


def test_python_directives() -> None:
    source = (
        "def upgrade():\n"
        "    # miglint: ignore[MG101]\n"
        "    op.create_index('i', 't', ['a'])\n"
        "    op.add_column(  # miglint: ignore[MG201] backfilled first\n"
        "        't', sa.Column('b', sa.Integer(), nullable=False))\n"
        "    op.drop_column('t',\n"
        "        'c')  # miglint: ignore[MG202]\n"
        "    x = '# miglint: ignore[MG999] in a string'\n"
    )
    d = python_directives("m.py", source, op_lines=[3, 4, 6])
    above, trailing, continuation = d.suppressions
    assert (above.first, above.last, above.codes) == (2, 3, frozenset({"MG101"}))
    assert (trailing.first, trailing.last, trailing.reason) == (4, 4, "backfilled first")
    assert (continuation.first, continuation.last) == (6, 7)


def test_goose_sections_and_statement_blocks(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "db/00002_fn.sql": (
                "-- +goose Up\n"
                "-- +goose StatementBegin\n"
                "CREATE TRIGGER t BEFORE INSERT ON a FOR EACH ROW BEGIN SET NEW.x = 1; END;\n"
                "-- +goose StatementEnd\n"
                "ALTER TABLE a ADD COLUMN c int;\n"
                "-- +goose Down\n"
                "ALTER TABLE a DROP COLUMN c;\n"
            ),
            "db/00001_init.sql": "-- +goose NO TRANSACTION\n-- +goose Up\nCREATE TABLE a (id bigint);\n",
        },
    )
    loaded = load([str(tmp_path)], Settings(dialect="mysql", assume_in_transaction=True))
    init, fn = loaded.migrations
    assert init.transaction is Transaction.NONE and init.rollback is None and init.rollback_expected
    assert fn.transaction is Transaction.ASSUMED
    assert [type(o).__name__ for o in fn.upgrade] == ["Harmless", "AddColumn"]
    assert [o.location.line for o in fn.upgrade] == [3, 5]
    assert fn.rollback == (DropColumn(table="a", column="c"),)


def test_prisma_folders_share_one_history(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "prisma/migrations/20240102_add/migration.sql": "ALTER TABLE a ADD COLUMN c int;",
            "prisma/migrations/20240101_init/migration.sql": "CREATE TABLE a (id bigint);",
        },
    )
    loaded = load([str(tmp_path)], Settings())
    assert [Path(m.path).parent.name for m in loaded.migrations] == ["20240101_init", "20240102_add"]
    assert {m.history for m in loaded.migrations} == {str(tmp_path / "prisma/migrations")}
    assert not any(m.rollback_expected for m in loaded.migrations)


def test_per_database_variants_are_read_in_their_dialect_and_history(tmp_path: Path) -> None:
    from miglint.discover import file_dialect

    assert file_dialect("m/001_x.mysql.up.sql") == "mysql"
    assert file_dialect("m/001_x.sqlite3.down.sql") == "sqlite"
    assert file_dialect("m/001_x.cockroach.up.sql") == "postgres"
    assert file_dialect("m/001_x.cockroach.autocommit.up.sql") == "postgres"
    assert file_dialect("m/001_x.up.sql") is None
    assert file_dialect("m/001_x.sql") is None
    (tmp_path / "001_t.mysql.up.sql").write_text("CREATE TABLE `t` (`id` int) ENGINE=InnoDB;\n")
    (tmp_path / "001_t.postgres.up.sql").write_text("CREATE TABLE t (id int);\n")
    (tmp_path / "001_t.up.sql").write_text("CREATE TABLE shared (id int);\n")
    loaded = load([str(tmp_path)], Settings())
    by_name = {Path(m.path).name: m for m in loaded.migrations}
    assert by_name["001_t.mysql.up.sql"].dialect == "mysql"
    assert by_name["001_t.postgres.up.sql"].dialect == "postgres"
    assert by_name["001_t.up.sql"].dialect == "postgres"
    histories = {m.history for m in loaded.migrations}
    assert len(histories) == 3
    assert by_name["001_t.mysql.up.sql"].key == by_name["001_t.postgres.up.sql"].key
    assert not any(isinstance(op, ParseError) for m in loaded.migrations for op in m.upgrade)


def _description_reference(text: str) -> str | None:
    """description_of as it was: each comment re-checked against a fresh scan of all before it."""
    import re

    from miglint.parsers.split import comments

    def only_comments(before: str) -> bool:
        masked = before
        for c in comments(before):
            masked = masked.replace(c.text, " ", 1)
        return not masked.strip()

    lines: list[str] = []
    for c in comments(text):
        before = text[: c.offset]
        if before.strip() and not only_comments(before):
            break
        body = c.text[2:] if c.text.startswith("--") else c.text[2:].removesuffix("*/")
        body = body.strip()
        if re.match(r"miglint\s*:|migrate:(up|down)\b", body, re.IGNORECASE):
            continue
        lines += [s for s in (line.strip().lstrip("*").strip() for line in body.splitlines()) if s]
    return "\n".join(lines) if lines else None


_HEAD_PARTS = st.sampled_from(
    ["-- adds x\n", "/* block\n * two */", "  \n", "-- miglint: ignore[MG101]\n", "-- migrate:up\n", "\t",
     "SELECT 1;\n", ";", "/* a /* nested */ b */", "'-- not a comment'", "-- tail", "\n\n", "/**/"]
)  # fmt: skip


@settings(max_examples=300, deadline=None)
@given(st.lists(_HEAD_PARTS, max_size=10))
def test_description_is_the_leading_comment_block(parts: list[str]) -> None:
    text = "".join(parts)
    assert description_of(text) == _description_reference(text)
