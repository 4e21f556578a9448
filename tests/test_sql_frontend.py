from __future__ import annotations

import re

import pytest
import sqlglot
from hypothesis import example, given, settings
from hypothesis import strategies as st
from sqlglot import exp
from sqlglot.errors import ParseError as SqlglotParseError

from miglint.config import Settings
from miglint.findings import Location
from miglint.ir.ops import (
    AddColumn,
    AddConstraint,
    AlterColumnType,
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
)
from miglint.parsers import sql as sql_frontend
from miglint.parsers.split import mask
from miglint.parsers.sql import analyse_body, classify, parse_sql, substitute_placeholders


def one(sql: str, dialect: str = "postgres") -> Operation:
    ops = classify(sql, dialect)
    assert len(ops) == 1, ops
    return ops[0]


# --- sqlglot shapes the front end relies on (a sqlglot upgrade that changes them fails here) ---


def pg(sql: str) -> exp.Expr:
    return sqlglot.parse_one(sql, read="postgres")


def test_sqlglot_version_is_pinned_major() -> None:
    assert sqlglot.__version__.split(".")[0] == "30"


def test_shape_alter_table_actions() -> None:
    tree = pg("ALTER TABLE a ADD COLUMN b int NOT NULL, DROP COLUMN c, ALTER COLUMN d TYPE bigint")
    assert isinstance(tree, exp.Alter) and tree.args["kind"] == "TABLE"
    actions = tree.args["actions"]
    assert [type(a) for a in actions] == [exp.ColumnDef, exp.Drop, exp.AlterColumn]
    assert isinstance(actions[0].args["constraints"][0].args["kind"], exp.NotNullColumnConstraint)
    assert actions[1].args["kind"] == "COLUMN" and actions[1].args["tables"]
    assert isinstance(actions[2].args["dtype"], exp.DataType)


def test_shape_alter_column_null_and_default() -> None:
    set_nn, drop_nn, set_def, drop_def = (
        pg(f"ALTER TABLE a ALTER COLUMN b {x}").args["actions"][0]
        for x in ("SET NOT NULL", "DROP NOT NULL", "SET DEFAULT 1", "DROP DEFAULT")
    )
    assert set_nn.args.get("allow_null") is False
    assert drop_nn.args.get("allow_null") is True and drop_nn.args.get("drop")
    assert isinstance(set_def.args.get("default"), exp.Literal)
    assert drop_def.args.get("drop") and drop_def.args.get("allow_null") is None


def test_shape_constraints() -> None:
    fk = pg("ALTER TABLE a ADD CONSTRAINT f FOREIGN KEY (x) REFERENCES b(id) NOT VALID")
    assert fk.args["not_valid"] is True
    (add,) = fk.args["actions"]
    assert isinstance(add, exp.AddConstraint)
    (constraint,) = add.expressions
    assert isinstance(constraint, exp.Constraint)
    assert isinstance(constraint.expressions[0], exp.ForeignKey)
    check = pg("ALTER TABLE a ADD CONSTRAINT c CHECK (x > 0)").args["actions"][0].expressions[0]
    assert isinstance(check.expressions[0], exp.CheckColumnConstraint)
    unique = pg("ALTER TABLE a ADD CONSTRAINT u UNIQUE (x)").args["actions"][0].expressions[0]
    assert isinstance(unique.expressions[0], exp.UniqueColumnConstraint)


def test_shape_create_index_and_drop() -> None:
    tree = pg("CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS i ON t (a) WHERE b")
    assert isinstance(tree, exp.Create) and tree.args["kind"] == "INDEX"
    assert tree.args["unique"] and tree.args["concurrently"] and tree.args["exists"]
    index = tree.this
    assert isinstance(index, exp.Index) and isinstance(index.args["params"], exp.IndexParameters)
    drop = pg("DROP TABLE IF EXISTS a, b CASCADE")
    assert isinstance(drop, exp.Drop) and len(drop.args["tables"]) == 2


def test_shape_now_is_current_timestamp_and_random_is_rand() -> None:
    def default(expr: str) -> exp.Expr:
        col = pg(f"ALTER TABLE a ADD COLUMN b int DEFAULT {expr}").args["actions"][0]
        return col.args["constraints"][0].args["kind"].this

    assert isinstance(default("now()"), exp.CurrentTimestamp)
    assert isinstance(default("random()"), exp.Rand)
    assert isinstance(default("gen_random_uuid()"), exp.Uuid)
    assert isinstance(default("clock_timestamp()"), exp.Anonymous)


@pytest.mark.parametrize(
    "sql",
    [
        "ALTER TABLE a VALIDATE CONSTRAINT c",
        "ALTER TYPE mood ADD VALUE 'x'",
        "ALTER TABLE a ADD CONSTRAINT u UNIQUE USING INDEX i",
        "ALTER TABLE a ADD CHECK (x > 0)",
        "REINDEX INDEX CONCURRENTLY i",
        "DO $$ BEGIN NULL; END $$",
        "ALTER TABLE a DETACH PARTITION p CONCURRENTLY",
        "VACUUM FULL a",
        "REFRESH MATERIALIZED VIEW CONCURRENTLY mv",
        "LOCK TABLE a IN ACCESS EXCLUSIVE MODE",
        "ALTER TABLE a ADD COLUMN",
    ],
)
def test_shape_command_fallbacks(sql: str) -> None:
    assert isinstance(pg(sql), exp.Command)


@pytest.mark.parametrize("sql", ["CLUSTER a USING i", "DROP INDEX a, b"])
def test_shape_statements_sqlglot_rejects(sql: str) -> None:
    with pytest.raises(SqlglotParseError):
        pg(sql)


# --- classification ---------------------------------------------------------------------------


def test_create_table_columns() -> None:
    op = one(
        "CREATE TABLE IF NOT EXISTS public.Accounts (id bigserial PRIMARY KEY, "
        "email varchar(255) NOT NULL DEFAULT '', created timestamp DEFAULT now(), "
        "token uuid DEFAULT gen_random_uuid() UNIQUE, org int REFERENCES orgs(id), "
        "n int GENERATED ALWAYS AS IDENTITY, d int GENERATED ALWAYS AS (n * 2) STORED)"
    )
    assert isinstance(op, CreateTable) and op.table == "accounts" and op.if_not_exists
    cols = {c.name: c for c in op.columns}
    assert cols["id"].serial and cols["id"].primary_key and not cols["id"].nullable
    assert cols["email"].type == "varchar(255)" and not cols["email"].nullable
    assert cols["created"].type == "timestamp" and not cols["created"].default_volatile
    assert cols["token"].default_volatile and cols["token"].unique
    assert cols["org"].references == "orgs"
    assert cols["n"].identity and cols["d"].generated_stored


def test_create_table_level_constraints_fold_into_columns() -> None:
    op = one("CREATE TABLE t (a int, b int, PRIMARY KEY (a), UNIQUE (b))")
    assert isinstance(op, CreateTable)
    a, b = op.columns
    assert a.primary_key and not a.nullable and b.unique


def test_alter_table_several_actions() -> None:
    ops = classify(
        "ALTER TABLE t ADD COLUMN b int NOT NULL DEFAULT 0, DROP COLUMN IF EXISTS c, "
        "ALTER COLUMN d TYPE bigint USING d::bigint, ALTER COLUMN e SET NOT NULL, "
        "ALTER COLUMN f DROP NOT NULL, ALTER COLUMN g SET DEFAULT clock_timestamp(), "
        "ALTER COLUMN h DROP DEFAULT"
    )
    assert [type(o) for o in ops] == [
        AddColumn,
        DropColumn,
        AlterColumnType,
        SetNotNull,
        DropNotNull,
        SetDefault,
        SetDefault,
    ]
    add, drop, alter, _, _, set_default, drop_default = ops
    assert isinstance(add, AddColumn) and add.column.default == "0" and not add.column.nullable
    assert isinstance(drop, DropColumn) and drop.if_exists
    assert isinstance(alter, AlterColumnType) and alter.new_type == "bigint" and alter.using
    assert isinstance(set_default, SetDefault) and set_default.volatile
    assert isinstance(drop_default, SetDefault) and drop_default.default is None


@pytest.mark.parametrize(
    ("default", "volatile"),
    [
        ("now()", False),
        ("CURRENT_TIMESTAMP", False),
        ("0", False),
        ("'{}'::jsonb", False),
        ("random()", True),
        ("clock_timestamp()", True),
        ("gen_random_uuid()", True),
        ("uuid_generate_v4()", True),
        ("nextval('s')", True),
        ("my_function()", True),
    ],
)
def test_default_volatility(default: str, volatile: bool) -> None:
    op = one(f"ALTER TABLE t ADD COLUMN c text DEFAULT {default}")
    assert isinstance(op, AddColumn) and op.column.default_volatile is volatile


def test_rename_table_and_column() -> None:
    assert one("ALTER TABLE a RENAME TO b") == RenameTable(table="a", new_name="b")
    assert one("ALTER TABLE a RENAME COLUMN x TO y") == RenameColumn(table="a", column="x", new_name="y")


def test_constraints() -> None:
    fk = one("ALTER TABLE a ADD CONSTRAINT f FOREIGN KEY (x) REFERENCES public.b(id) NOT VALID")
    assert fk == AddConstraint(
        table="a",
        name="f",
        constraint=ConstraintKind.FOREIGN_KEY,
        columns=("x",),
        not_valid=True,
        references="b",
    )
    check = one("ALTER TABLE a ADD CONSTRAINT c CHECK (x IS NOT NULL) NOT VALID")
    assert isinstance(check, AddConstraint) and check.constraint is ConstraintKind.CHECK
    assert check.not_valid and check.expression == "x IS NOT NULL"
    unnamed_check = one("ALTER TABLE a ADD CHECK (x > 0)")
    assert isinstance(unnamed_check, AddConstraint) and unnamed_check.expression == "x > 0"
    unique = one("ALTER TABLE a ADD CONSTRAINT u UNIQUE (x, y)")
    assert isinstance(unique, AddConstraint) and unique.columns == ("x", "y")
    assert unique.constraint is ConstraintKind.UNIQUE and unique.using_index is None
    using = one("ALTER TABLE a ADD CONSTRAINT pk PRIMARY KEY USING INDEX a_idx")
    assert isinstance(using, AddConstraint) and using.using_index == "a_idx"
    assert using.constraint is ConstraintKind.PRIMARY_KEY
    assert one("ALTER TABLE a VALIDATE CONSTRAINT f") == ValidateConstraint(table="a", name="f")
    drop = one("ALTER TABLE a DROP CONSTRAINT IF EXISTS f")
    assert drop == DropConstraint(table="a", name="f") and isinstance(drop, DropConstraint) and drop.if_exists
    excl = one("ALTER TABLE a ADD CONSTRAINT e EXCLUDE USING gist (r WITH &&)")
    assert isinstance(excl, AddConstraint) and excl.constraint is ConstraintKind.EXCLUSION


def test_command_alter_table_mixes_actions() -> None:
    ops = classify("ALTER TABLE a ADD COLUMN z text, VALIDATE CONSTRAINT q")
    assert [type(o) for o in ops] == [AddColumn, ValidateConstraint]


def test_indexes() -> None:
    op = one("CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS i ON s.t (a, lower(b)) WHERE c")
    assert isinstance(op, CreateIndex)
    assert (op.name, op.table, op.unique, op.concurrently, op.if_not_exists) == ("i", "s.t", True, True, True)
    assert op.columns[0] == "a" and op.where == "c"
    only = one("CREATE INDEX i ON ONLY t (a)")
    assert isinstance(only, CreateIndex) and only.table == "t"
    drops = classify("DROP INDEX CONCURRENTLY IF EXISTS i1, public.i2")
    assert [d.name for d in drops if isinstance(d, DropIndex)] == ["i1", "i2"]
    assert all(isinstance(d, DropIndex) and d.concurrently and d.if_exists for d in drops)


def test_data_changes() -> None:
    update = one("UPDATE t SET x = 1")
    assert update == DataChange(change=DataChangeKind.UPDATE, table="t", has_where=False)
    delete = one("DELETE FROM t WHERE id < 10")
    assert delete == DataChange(change=DataChangeKind.DELETE, table="t", has_where=True)
    insert_select = one("INSERT INTO t SELECT * FROM u")
    assert isinstance(insert_select, DataChange) and insert_select.change is DataChangeKind.INSERT_SELECT
    insert_values = one("INSERT INTO t (a) VALUES (1)")
    assert isinstance(insert_values, DataChange) and insert_values.change is DataChangeKind.INSERT_VALUES


def test_timeouts_and_transactions() -> None:
    lock = one("SET lock_timeout = '5s'")
    assert lock == SetTimeout(timeout=TimeoutKind.LOCK, value="5s")
    local = one("SET LOCAL statement_timeout TO 0")
    assert isinstance(local, SetTimeout) and local.local and local.disables
    assert one("RESET lock_timeout") == SetTimeout(timeout=TimeoutKind.LOCK, value="DEFAULT")
    config = one("SELECT set_config('lock_timeout', '3s', true)")
    assert isinstance(config, SetTimeout) and config.local and config.value == "3s"
    assert isinstance(one("SET search_path TO app"), Harmless)
    actions = {
        "BEGIN": TransactionAction.BEGIN,
        "START TRANSACTION": TransactionAction.BEGIN,
        "COMMIT": TransactionAction.COMMIT,
        "END": TransactionAction.COMMIT,
        "ROLLBACK": TransactionAction.ROLLBACK,
        "SAVEPOINT s": TransactionAction.SAVEPOINT,
        "ROLLBACK TO SAVEPOINT s": TransactionAction.OTHER,
    }
    for sql, action in actions.items():
        assert one(sql) == TransactionControl(action=action), sql


@pytest.mark.parametrize(
    ("sql", "kind", "table", "concurrently"),
    [
        ("VACUUM FULL t", MaintenanceKind.VACUUM_FULL, "t", False),
        ("VACUUM (FULL, ANALYZE) t", MaintenanceKind.VACUUM_FULL, "t", False),
        ("VACUUM t", MaintenanceKind.VACUUM, "t", False),
        ("CLUSTER t USING i", MaintenanceKind.CLUSTER, "t", False),
        ("REINDEX TABLE CONCURRENTLY t", MaintenanceKind.REINDEX, "t", True),
        ("REINDEX INDEX i", MaintenanceKind.REINDEX, "", False),
        ("REFRESH MATERIALIZED VIEW mv", MaintenanceKind.REFRESH_MATERIALIZED_VIEW, "mv", False),
        ("REFRESH MATERIALIZED VIEW CONCURRENTLY mv", MaintenanceKind.REFRESH_MATERIALIZED_VIEW, "mv", True),
        ("LOCK TABLE t IN ACCESS EXCLUSIVE MODE", MaintenanceKind.LOCK_TABLE, "t", False),
        ("ALTER TABLE t SET TABLESPACE fast", MaintenanceKind.SET_TABLESPACE, "t", False),
    ],
)
def test_maintenance(sql: str, kind: MaintenanceKind, table: str, concurrently: bool) -> None:
    assert one(sql) == MaintenanceCommand(command=kind, table=table, concurrently=concurrently)


def test_truncate_and_enums() -> None:
    assert classify("TRUNCATE TABLE a, b RESTART IDENTITY") == [
        TruncateTable(table="a"),
        TruncateTable(table="b"),
    ]
    assert one("CREATE TYPE mood AS ENUM ('a', 'b')") == EnumChange(type_name="mood", action="create")
    added = one("ALTER TYPE mood ADD VALUE IF NOT EXISTS 'c' AFTER 'b'")
    assert added == EnumChange(type_name="mood", action="add_value", value="c")
    assert one("DROP TYPE mood") == EnumChange(type_name="mood", action="drop")


@pytest.mark.parametrize(
    "sql",
    [
        "COMMENT ON TABLE t IS 'x;y'",
        "GRANT SELECT ON t TO r",
        "REVOKE ALL ON t FROM PUBLIC",
        "SELECT 1",
        "CREATE VIEW v AS SELECT 1",
        "CREATE OR REPLACE VIEW v AS SELECT 1",
        "DROP VIEW IF EXISTS v",
        "CREATE SEQUENCE s",
        "CREATE SCHEMA s",
        "CREATE POLICY p ON t USING (true)",
        "CREATE TRIGGER tr BEFORE UPDATE ON t FOR EACH ROW EXECUTE FUNCTION f()",
        "CREATE OR REPLACE FUNCTION f() RETURNS trigger AS $$ BEGIN RETURN NEW; END $$ LANGUAGE plpgsql",
        "ALTER TABLE t OWNER TO app",
        "ALTER TABLE t ALTER COLUMN c SET STATISTICS 500",
        "ALTER TABLE t DETACH PARTITION p CONCURRENTLY",
        "ALTER INDEX i RENAME TO j",
    ],
)
def test_harmless_statements(sql: str) -> None:
    assert all(isinstance(op, Harmless) for op in classify(sql)), classify(sql)


@pytest.mark.parametrize(
    "sql",
    [
        "ALTER TABLE t ATTACH PARTITION p FOR VALUES IN (1)",
        "ALTER TABLE t DETACH PARTITION p",
        "CREATE EXTENSION IF NOT EXISTS pgcrypto",
        "CALL do_something()",
        "ALTER TABLE t SET LOGGED",
    ],
)
def test_opaque_statements(sql: str) -> None:
    ops = classify(sql)
    assert ops and all(isinstance(op, Opaque) and op.reason for op in ops)


@pytest.mark.parametrize(
    "sql",
    [
        "ALTER TABLE t ADD COLUMN",
        "ALTER TABLE t",
        "CREAT TABLE t (a int)",
        "UPDATE SET x = 1",
        "selec 1",
        "ALTER TABLE t FROBNICATE",
    ],
)
def test_parse_errors(sql: str) -> None:
    ops = classify(sql)
    assert len(ops) == 1 and isinstance(ops[0], ParseError) and ops[0].message


# --- plpgsql bodies -----------------------------------------------------------------------------

SEED_BACKFILL = """
DO $$
DECLARE
  batch_size INT := 1000;
  rows_updated INT;
BEGIN
  LOOP
    UPDATE target_table
    SET new_column = computed_value
    WHERE new_column IS NULL
    LIMIT batch_size;

    GET DIAGNOSTICS rows_updated = ROW_COUNT;
    EXIT WHEN rows_updated = 0;

    PERFORM pg_sleep(0.1); -- Reduce lock pressure
    RAISE NOTICE 'Updated % rows', rows_updated;
  END LOOP;
END $$;
"""


def test_batched_loop_with_progress() -> None:
    (op,) = parse_sql(SEED_BACKFILL, "m.sql")
    assert isinstance(op, DataChange) and op.table == "target_table"
    assert op.batched and op.reports_progress and op.has_where
    assert op.location.line == 2


def test_loop_without_bound_or_progress() -> None:
    body = """BEGIN
      LOOP
        DELETE FROM q WHERE ctid IN (SELECT ctid FROM q WHERE old LIMIT 500);
        EXIT WHEN NOT FOUND;
        COMMIT;
      END LOOP;
      UPDATE t SET a = 1;
      FOR r IN SELECT id FROM t LOOP
        UPDATE t SET a = 2 WHERE id = r.id;
      END LOOP;
      WHILE true LOOP
        UPDATE t SET a = 3 WHERE a IS NULL;
      END LOOP;
    END"""
    ops = analyse_body(body)
    changes = [o for o in ops if isinstance(o, DataChange)]
    assert [(c.change, c.batched, c.reports_progress) for c in changes] == [
        (DataChangeKind.DELETE, True, False),
        (DataChangeKind.UPDATE, False, False),
        (DataChangeKind.UPDATE, True, False),
        (DataChangeKind.UPDATE, False, False),
    ]
    assert TransactionControl(action=TransactionAction.COMMIT) in ops


def test_do_block_ddl_and_dynamic_sql() -> None:
    ops = classify(
        "DO $$ BEGIN EXECUTE 'ALTER TABLE t ADD COLUMN c int'; "
        "EXECUTE format('DROP TABLE %I', 't'); "
        "IF NOT EXISTS (SELECT 1) THEN CREATE INDEX i ON t (c); END IF; END $$"
    )
    assert [type(o) for o in ops] == [AddColumn, Opaque, CreateIndex]


def test_function_body_runs_where_it_is_called() -> None:
    text = (
        "CREATE FUNCTION backfill() RETURNS void AS $$ BEGIN UPDATE t SET a = 0; END $$ LANGUAGE plpgsql;\n"
        "SELECT backfill();\n"
        "DROP FUNCTION backfill();\n"
    )
    ops = parse_sql(text, "m.sql")
    assert [type(o) for o in ops] == [Harmless, DataChange, Harmless]
    assert ops[1].location.line == 2


# --- locations, placeholders, MySQL -------------------------------------------------------------


def test_locations_and_offsets() -> None:
    text = "-- c\nALTER TABLE a\n  ADD COLUMN b int;  CREATE INDEX i ON a (b);\n"
    ops = parse_sql(text, "f.sql")
    assert [(o.location.line, o.location.column, o.location.end_line) for o in ops] == [(2, 1, 3), (3, 22, 3)]
    assert ops[0].text == "ALTER TABLE a\n  ADD COLUMN b int"
    shifted = parse_sql("SELECT 1; UPDATE t SET a = 1", "m.py", line=10, column=8)
    assert [(o.location.path, o.location.line, o.location.column) for o in shifted] == [
        ("m.py", 10, 8),
        ("m.py", 10, 18),
    ]


def test_one_broken_statement_does_not_lose_the_rest() -> None:
    ops = parse_sql("ALTER TABLE a ADD COLUMN b int;\nALTER TABLE a ADD COLUMN;\nDROP TABLE c;", "f.sql")
    assert [type(o) for o in ops] == [AddColumn, ParseError, DropTable]
    assert ops[1].location.line == 2


def test_placeholders_preserve_lines() -> None:
    text = "-- x\nALTER TABLE ${schema}.users\nADD COLUMN a int;\nCREATE INDEX i ON ${schema}.users (a);"
    assert substitute_placeholders("${a}${ab}", {"${a}": "1", "${ab}": "2"}) == "12"
    ops = parse_sql(text, "f.sql", settings=Settings(placeholders={"${schema}": "app"}))
    assert [(type(o), o.location.line) for o in ops] == [(AddColumn, 2), (CreateIndex, 4)]
    assert isinstance(ops[0], AddColumn) and ops[0].table == "app.users"


def test_names_are_normalised() -> None:
    op = one('ALTER TABLE "Users" ADD COLUMN "Name" text')
    assert isinstance(op, AddColumn) and op.table == "Users" and op.column.name == "Name"
    op = one("ALTER TABLE Public.USERS ADD COLUMN Nick text")
    assert isinstance(op, AddColumn) and op.table == "users" and op.column.name == "nick"


def test_mysql_clauses_modify_change_and_timeouts() -> None:
    ops = classify("ALTER TABLE t ADD COLUMN b int, ALGORITHM=INSTANT, LOCK=NONE", "mysql")
    assert len(ops) == 1 and ops[0].clauses == frozenset({"ALGORITHM=INSTANT", "LOCK=NONE"})
    modify = one("ALTER TABLE t MODIFY COLUMN b bigint NOT NULL", "mysql")
    assert modify == AlterColumnType(table="t", column="b", new_type="bigint")
    change = classify("ALTER TABLE t CHANGE COLUMN b c varchar(20)", "mysql")
    assert change == [
        RenameColumn(table="t", column="b", new_name="c"),
        AlterColumnType(table="t", column="c", new_type="varchar(20)"),
    ]
    index = one("CREATE INDEX i ON t (b) ALGORITHM=INPLACE LOCK=NONE", "mysql")
    assert isinstance(index, CreateIndex) and index.clauses == frozenset({"ALGORITHM=INPLACE", "LOCK=NONE"})
    add_index = one("ALTER TABLE t ADD INDEX i (b)", "mysql")
    assert isinstance(add_index, CreateIndex) and add_index.table == "t"
    wait = one("SET SESSION lock_wait_timeout = 5", "mysql")
    assert wait == SetTimeout(timeout=TimeoutKind.MYSQL_LOCK_WAIT, value="5")
    assert classify("RENAME TABLE a TO b, c TO d", "mysql") == [
        RenameTable(table="a", new_name="b"),
        RenameTable(table="c", new_name="d"),
    ]
    drop = one("DROP INDEX i ON t", "mysql")
    assert isinstance(drop, DropIndex) and drop.table == "t"


def test_psql_meta_commands() -> None:
    ops = parse_sql("\\set ON_ERROR_STOP on\n\\i other.sql\n", "f.sql")
    assert isinstance(ops[0], Harmless) and isinstance(ops[1], Opaque)


def test_comments_inside_bodies_do_not_hide_statements() -> None:
    ops = classify(
        "do $$ begin\n  -- enable RLS\n  alter table auth.users enable row level security;\n"
        "  /* backfill */ update auth.users set x = 1;\nend $$"
    )
    assert [type(o) for o in ops] == [DataChange]
    assert classify("-- lead\nALTER TABLE t ADD COLUMN c int; -- trail") == classify(
        "ALTER TABLE t ADD COLUMN c int"
    )


# --- helpers against the simple versions they replace (kept here as references) ---------------

_sql_text = st.text(alphabet="aE_1 ,;()'\"$-/*#\nxONLY", max_size=30)


def _reference_split(text: str, sep: str) -> list[tuple[int, str]]:
    masked = mask(text)
    parts: list[tuple[int, str]] = []
    depth = start = 0
    for i, ch in enumerate(masked):
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
        elif ch == sep and depth == 0:
            parts.append((start, text[start:i]))
            start = i + 1
    parts.append((start, text[start:]))
    return parts


def _reference_trimmed(sql: str, dialect: str) -> str:
    uncommented = mask(sql, dialect=dialect, quotes=False)
    lead = len(uncommented) - len(uncommented.lstrip())
    return sql[lead : len(uncommented.rstrip())].rstrip(";").strip()


_REFERENCE_DOLLAR_BODY = re.compile(r"(\$(?:[A-Za-z_][A-Za-z0-9_]*)?\$)(.*?)\1", re.DOTALL)


@settings(max_examples=1000, deadline=None)
@given(_sql_text, st.sampled_from([",", ";"]), st.sampled_from(["postgres", "mysql"]))
@example(text="a(b,c),d;e)f,(g", sep=",", dialect="postgres")
@example(text=" -- c\n x 'y' ; /* z */", sep=";", dialect="mysql")
@example(text="DO $a$ x; $b$ y $a$ $$z$$", sep=";", dialect="postgres")
@example(text="$a$b$ c $b$", sep=",", dialect="postgres")
def test_text_helpers_agree_with_their_references(text: str, sep: str, dialect: str) -> None:
    split_top_level = sql_frontend._split_top_level  # pyright: ignore[reportPrivateUsage]
    trim = sql_frontend._trimmed  # pyright: ignore[reportPrivateUsage]
    masked_words = sql_frontend._masked_words  # pyright: ignore[reportPrivateUsage]
    dollar_body = sql_frontend._dollar_body  # pyright: ignore[reportPrivateUsage]
    assert split_top_level(text, sep) == _reference_split(text, sep)
    trimmed, masked = trim(text, dialect)
    assert trimmed == _reference_trimmed(text, dialect)
    assert masked is None or masked == mask(trimmed)
    words = re.findall(r"[A-Za-z_][A-Za-z0-9_$]*", mask(trimmed)[:400])[:4]  # names: type2_idx is one
    assert masked_words(mask(trimmed)) == [w.upper() for w in words]
    body = _REFERENCE_DOLLAR_BODY.search(text)
    assert dollar_body(text) == (body.group(2) if body else None)


def test_case_sensitive_non_ascii_class_changes_no_name() -> None:
    """Names match the same characters as with the non-ASCII class folded case-insensitively.

    ``_NON_ASCII`` is case-sensitive inside IGNORECASE patterns (cheaper to compile); a name
    character is a letter-class or a non-ASCII-class character, for every code point alike.
    """
    folded = r"[^\x00-\x7f\U00010000-\U0010ffff]"  # the class, case-insensitive where embedded
    non_ascii = sql_frontend._NON_ASCII  # pyright: ignore[reportPrivateUsage]
    name_start = sql_frontend._NAME_START  # pyright: ignore[reportPrivateUsage]
    for before_source, after_source in (
        (rf"(?:[A-Za-z_]|{folded})", name_start),  # the letter class is case-sensitive too
        (rf"(?:[\w$]|{folded})", rf"(?:[\w$]|{non_ascii})"),
    ):
        before = re.compile(before_source, re.IGNORECASE)
        after = re.compile(after_source, re.IGNORECASE)
        differ = [
            c for c in map(chr, range(0x110000)) if (before.match(c) is None) != (after.match(c) is None)
        ]
        assert differ == []


# Every name-bearing pattern as it was spelled before the name's first character became
# case-sensitive (see _NAME_START): the reference the patterns in use are compared with.
_OLD_NON_ASCII = r"(?-i:[^\x00-\x7f\U00010000-\U0010ffff])"
_OLD_IDENT = rf'(?:"(?:[^"]|"")+"|`[^`]+`|(?:[A-Za-z_]|{_OLD_NON_ASCII})(?:[\w$]|{_OLD_NON_ASCII})*)'
_OLD_NAME = rf"{_OLD_IDENT}(?:\s*\.\s*{_OLD_IDENT})*"
_NAMED_PATTERNS = {
    "_CALL_RE": rf"^(?:SELECT|CALL|PERFORM)\s+(?:\*\s+FROM\s+)?({_OLD_NAME})\s*\(",
    "_INDEX_ON_TABLE": rf"({_OLD_NAME})\s+ON\s+({_OLD_NAME})(.*)$",
    "_CREATE_ENUM": rf"CREATE\s+TYPE\s+({_OLD_NAME})\s+AS\s+ENUM\b",
    "_ADD_VALUE": rf"ALTER\s+TYPE\s+({_OLD_NAME})\s+ADD\s+VALUE\s+(IF\s+NOT\s+EXISTS\s+)?'((?:[^']|'')*)'",
}
_NAME_PIECES = "SELECT |call |* FROM |ON | on |ONLY|CREATE TYPE | AS ENUM|ALTER TYPE | ADD VALUE "
_NAME_PIECES += "|'v'|\"Q\"|`b`|.| |\n|(|x|_|9|$"
# Characters that fold to ASCII letters (long s, Kelvin sign, dotless i, dotted I), other names.
_NAME_CHARS = ["\u017f", "\u212a", "\u0131", "\u0130", "\u00e9", "\U0001d400", "\u0345"]
_NAME_TEXT = st.lists(
    st.sampled_from(_NAME_PIECES.split("|") + _NAME_CHARS) | st.text(max_size=3), max_size=10
).map("".join)


@settings(max_examples=400, deadline=None)
@given(_NAME_TEXT)
@example("SELECT \u017fet_x(1)")
@example("\u0131dx ON \u212at ALGORITHM=INPLACE")
def test_name_patterns_match_as_before(text: str) -> None:
    """Each pattern embedding _NAME finds the same match (groups and span) as its old spelling."""
    for name, old_source in _NAMED_PATTERNS.items():
        new = getattr(sql_frontend, name).compiled
        old = re.compile(old_source, new.flags)
        got, want = new.match(text), old.match(text)
        assert (got and (got.span(), got.groups())) == (want and (want.span(), want.groups())), name


def test_drop_index_on_check_is_exact() -> None:
    """The ON pre-check before _INDEX_ON_TABLE holds for every text the pattern matches.

    It relies on ``\\s`` being ``str.isspace`` and on only ASCII o/O and n/N matching ON.
    """
    space = re.compile(r"\s")
    assert [c for c in map(chr, range(0x110000)) if (space.match(c) is None) == c.isspace()] == []
    for letter in "ON":
        folds = re.compile(letter, re.IGNORECASE)
        assert [c for c in map(chr, range(0x110000)) if folds.match(c)] == [letter, letter.lower()]
    assert classify("DROP INDEX i_on_t") == [DropIndex(name="i_on_t")]
    assert classify("DROP INDEX i\ton\nt ALGORITHM=INPLACE", dialect="mysql") == [
        DropIndex(name="i", table="t", clauses=frozenset({"ALGORITHM=INPLACE"}))
    ]


def test_statement_locations_are_ordinary_locations() -> None:
    build = sql_frontend._location  # pyright: ignore[reportPrivateUsage]
    built, same = build("m/1.sql", 3, 5, 7), Location("m/1.sql", 3, 5, 7)
    assert built == same and hash(built) == hash(same) and repr(built) == repr(same)
    assert vars(built) == vars(same)
