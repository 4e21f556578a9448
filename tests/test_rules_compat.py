"""IR-level tests of the backward-compatibility, backfill and documentation rules (MG2xx, MG3xx, MG701).

Migrations are built by hand from IR operations, so these tests do not depend on a front end.
"""

from __future__ import annotations

from collections.abc import Sequence

import psycopg
import pytest

from miglint.config import Settings
from miglint.engine import lint
from miglint.findings import Finding, Level, Location
from miglint.ir.migration import Framework, Migration, Transaction
from miglint.ir.ops import (
    AddColumn,
    AddConstraint,
    ColumnDef,
    ConstraintKind,
    CreateIndex,
    CreateTable,
    DataChange,
    DataChangeKind,
    DropColumn,
    DropIndex,
    DropTable,
    MaintenanceCommand,
    MaintenanceKind,
    Opaque,
    Operation,
    RenameColumn,
    RenameTable,
    SetTimeout,
    TimeoutKind,
    TransactionAction,
    TransactionControl,
    TruncateTable,
)
from miglint.parsers.split import statements
from miglint.rules._base import Rule, code_blocks
from miglint.rules.mg201_add_required_column import AddRequiredColumn
from miglint.rules.mg202_drop_column import DropColumn as DropColumnRule
from miglint.rules.mg203_rename_column import RenameColumn as RenameColumnRule
from miglint.rules.mg204_rename_table import RenameTable as RenameTableRule
from miglint.rules.mg204_rename_table import created_view
from miglint.rules.mg205_drop_table import DropTable as DropTableRule
from miglint.rules.mg206_truncate_table import TruncateTable as TruncateTableRule
from miglint.rules.mg301_unbatched_backfill import UnbatchedBackfill
from miglint.rules.mg302_backfill_in_ddl_transaction import BackfillInDdlTransaction
from miglint.rules.mg303_backfill_without_progress import BackfillWithoutProgress
from miglint.rules.mg701_undocumented_migration import UndocumentedMigration, is_documented
from tests.pgserver import PgServer


def mig(
    name: str,
    *ops: Operation,
    key: int = 1,
    description: str | None = None,
    transaction: Transaction = Transaction.NONE,
    unreleased: bool = False,
) -> Migration:
    """A SQL migration whose operations sit on lines 1, 2, 3, … of ``name``."""
    placed = tuple(op.at(Location(name, i + 1, 1)) for i, op in enumerate(ops))
    return Migration(
        path=name,
        framework=Framework.SQL,
        history="h",
        key=(key,),
        description=description,
        transaction=transaction,
        upgrade=placed,
        unreleased=unreleased,
    )


def run(rule: type[Rule], *migrations: Migration) -> list[Finding]:
    """Findings of one rule over a history."""
    return [f for f in lint(migrations, Settings(), rules=[rule]).findings if f.code == rule.code]


def where(findings: Sequence[Finding]) -> list[str]:
    """``path:line:col`` of each finding."""
    return [f"{f.location.path}:{f.location.line}:{f.location.column}" for f in findings]


def create(table: str) -> CreateTable:
    return CreateTable(table=table, columns=(ColumnDef(name="id", type="bigint", primary_key=True),))


def update(table: str, *, batched: bool = False, reports_progress: bool = False) -> DataChange:
    return DataChange(
        change=DataChangeKind.UPDATE, table=table, batched=batched, reports_progress=reports_progress
    )


BEGIN = TransactionControl(action=TransactionAction.BEGIN)
COMMIT = TransactionControl(action=TransactionAction.COMMIT)
LOCK_TIMEOUT = SetTimeout(timeout=TimeoutKind.LOCK, value="'5s'")


# --- MG201 add-required-column --------------------------------------------------------------


def add(table: str, **col: object) -> AddColumn:
    return AddColumn(table=table, column=ColumnDef(name="region", type="text", **col))  # type: ignore[arg-type]


def test_mg201_required_column_on_existing_table() -> None:
    found = run(AddRequiredColumn, mig("1.sql", LOCK_TIMEOUT, add("accounts", nullable=False)))
    assert where(found) == ["1.sql:2:1"]
    assert found[0].level is Level.ERROR
    assert "accounts.region" in found[0].message
    assert "nullable" in found[0].message and "backfill" in found[0].message


@pytest.mark.parametrize(
    "col",
    [
        {},
        {"nullable": False, "default": "'eu'"},
        {"nullable": False, "identity": True},
        {"nullable": False, "serial": True},
        {"nullable": False, "generated_stored": True},
    ],
    ids=["nullable", "default", "identity", "serial", "generated"],
)
def test_mg201_columns_that_get_a_value(col: dict[str, object]) -> None:
    assert run(AddRequiredColumn, mig("1.sql", add("accounts", **col))) == []


def test_mg201_primary_key_column_without_value_fires() -> None:
    assert len(run(AddRequiredColumn, mig("1.sql", add("accounts", primary_key=True)))) == 1


def test_mg201_new_tables_are_exempt_but_older_ones_are_not() -> None:
    same = mig("1.sql", create("accounts"), add("accounts", nullable=False))
    assert run(AddRequiredColumn, same) == []
    history = (
        mig("1.sql", create("accounts"), key=1),
        mig("2.sql", add("accounts", nullable=False), key=2),
    )
    assert where(run(AddRequiredColumn, *history)) == ["2.sql:1:1"]


def test_mg201_table_of_another_unreleased_migration_is_new() -> None:
    history = (
        mig("1.sql", create("accounts"), key=1, unreleased=True),
        mig("2.sql", add("accounts", nullable=False), key=2, unreleased=True),
    )
    assert run(AddRequiredColumn, *history) == []


# --- MG202 drop-column ----------------------------------------------------------------------


def test_mg202_drop_column() -> None:
    found = run(DropColumnRule, mig("1.sql", DropColumn(table="accounts", column="legacy_flag")))
    assert where(found) == ["1.sql:1:1"]
    assert "accounts.legacy_flag" in found[0].message
    assert "later release" in found[0].message
    assert "SeparateDatabaseAndState" in found[0].help


def test_mg202_exemptions() -> None:
    new_table = mig("1.sql", create("t"), DropColumn(table="t", column="x"))
    new_column = mig("2.sql", add("accounts"), DropColumn(table="accounts", column="region"))
    assert run(DropColumnRule, new_table) == []
    assert run(DropColumnRule, new_column) == []


def test_mg202_table_from_older_migration() -> None:
    history = (mig("1.sql", create("t"), key=1), mig("2.sql", DropColumn(table="t", column="x"), key=2))
    assert where(run(DropColumnRule, *history)) == ["2.sql:1:1"]


# --- MG203 rename-column --------------------------------------------------------------------


def test_mg203_rename_column() -> None:
    op = RenameColumn(table="users", column="email", new_name="email_address")
    found = run(RenameColumnRule, mig("1.sql", op))
    assert where(found) == ["1.sql:1:1"]
    assert "users.email" in found[0].message and "email_address" in found[0].message
    assert "dual-write" in found[0].message


def test_mg203_new_table_and_new_column_are_exempt() -> None:
    op = RenameColumn(table="users", column="region", new_name="area")
    assert run(RenameColumnRule, mig("1.sql", create("users"), op)) == []
    assert run(RenameColumnRule, mig("1.sql", add("users"), op)) == []


# --- MG204 rename-table ---------------------------------------------------------------------


def test_mg204_rename_table() -> None:
    found = run(RenameTableRule, mig("1.sql", RenameTable(table="customers", new_name="clients")))
    assert where(found) == ["1.sql:1:1"]
    assert "customers" in found[0].message and "view" in found[0].message


def test_mg204_view_under_old_name_is_the_safe_trick() -> None:
    rename = RenameTable(table="customers", new_name="clients")
    view = Opaque(reason="CREATE VIEW is not modelled").at(
        NOWHERE_LOC, "CREATE VIEW customers AS SELECT * FROM clients"
    )
    assert run(RenameTableRule, mig("1.sql", BEGIN, rename, view, COMMIT)) == []
    other = Opaque(reason="view").at(NOWHERE_LOC, "CREATE VIEW others AS SELECT 1")
    assert len(run(RenameTableRule, mig("1.sql", rename, other))) == 1
    # A view created before the rename cannot be the trick (the name is still a table then).
    assert len(run(RenameTableRule, mig("1.sql", view, rename))) == 1


NOWHERE_LOC = Location("x.sql")


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("create view customers as select 1", "customers"),
        ("CREATE OR REPLACE VIEW public.Customers AS SELECT 1", "customers"),
        ('CREATE VIEW "Customers" AS SELECT 1', "Customers"),
        ("CREATE VIEW app.customers AS SELECT 1", "app.customers"),
        ("CREATE TABLE customers (id int)", None),
    ],
)
def test_mg204_created_view(text: str, name: str | None) -> None:
    assert created_view(text) == name


def test_mg204_new_table_is_exempt() -> None:
    assert run(RenameTableRule, mig("1.sql", create("a"), RenameTable(table="a", new_name="b"))) == []


# --- MG205 drop-table / MG206 truncate-table -------------------------------------------------


def test_mg205_drop_table() -> None:
    found = run(DropTableRule, mig("1.sql", DropTable(table="legacy_sessions")))
    assert where(found) == ["1.sql:1:1"]
    assert "legacy_sessions" in found[0].message


def test_mg205_new_and_older_tables() -> None:
    assert run(DropTableRule, mig("1.sql", create("tmp"), DropTable(table="tmp"))) == []
    history = (mig("1.sql", create("tmp"), key=1), mig("2.sql", DropTable(table="tmp"), key=2))
    assert where(run(DropTableRule, *history)) == ["2.sql:1:1"]
    unreleased = (
        mig("1.sql", create("tmp"), key=1, unreleased=True),
        mig("2.sql", DropTable(table="tmp"), key=2, unreleased=True),
    )
    assert run(DropTableRule, *unreleased) == []


def test_mg206_truncate() -> None:
    found = run(TruncateTableRule, mig("1.sql", TruncateTable(table="audit_events")))
    assert where(found) == ["1.sql:1:1"] and found[0].level is Level.WARNING
    assert "audit_events" in found[0].message and "batches" in found[0].message
    assert run(TruncateTableRule, mig("1.sql", create("s"), TruncateTable(table="s"))) == []


# --- MG301 unbatched-backfill ---------------------------------------------------------------


@pytest.mark.parametrize(
    "kind",
    [
        DataChangeKind.UPDATE,
        DataChangeKind.DELETE,
        DataChangeKind.INSERT_SELECT,
        DataChangeKind.MERGE,
        DataChangeKind.PYTHON,
    ],
)
@pytest.mark.parametrize("has_where", [True, False])
def test_mg301_bulk_changes_fire_where_or_not(kind: DataChangeKind, has_where: bool) -> None:
    op = DataChange(change=kind, table="accounts", has_where=has_where)
    found = run(UnbatchedBackfill, mig("1.sql", op))
    assert where(found) == ["1.sql:1:1"]
    assert "accounts" in found[0].message and "batches" in found[0].message


def test_mg301_exemptions() -> None:
    values = DataChange(change=DataChangeKind.INSERT_VALUES, table="accounts")
    assert run(UnbatchedBackfill, mig("1.sql", values)) == []
    assert run(UnbatchedBackfill, mig("1.sql", update("accounts", batched=True))) == []
    assert run(UnbatchedBackfill, mig("1.sql", create("t"), update("t"))) == []
    history = (mig("1.sql", create("t"), key=1), mig("2.sql", update("t"), key=2))
    assert where(run(UnbatchedBackfill, *history)) == ["2.sql:1:1"]


def test_mg301_code_migration_with_unknown_table() -> None:
    op = DataChange(change=DataChangeKind.PYTHON, table="")
    found = run(UnbatchedBackfill, mig("1.sql", op))
    assert len(found) == 1 and "data migration" in found[0].message


# --- MG302 backfill-in-ddl-transaction ------------------------------------------------------


def test_mg302_wrapped_migration_fires_once_per_data_change() -> None:
    m = mig(
        "1.sql",
        add("accounts"),
        update("accounts"),
        update("accounts", batched=True, reports_progress=True),
        DataChange(change=DataChangeKind.INSERT_VALUES, table="accounts"),
        transaction=Transaction.WRAPPED,
    )
    found = run(BackfillInDdlTransaction, m)
    assert where(found) == ["1.sql:2:1", "1.sql:3:1"]
    assert all("accounts" in f.message and f.level is Level.WARNING for f in found)


def test_mg302_data_change_before_ddl_in_explicit_block() -> None:
    m = mig("1.sql", BEGIN, update("accounts"), add("accounts"), COMMIT)
    assert where(run(BackfillInDdlTransaction, m)) == ["1.sql:2:1"]


def test_mg302_separate_transactions_or_autocommit_are_fine() -> None:
    split = mig("1.sql", BEGIN, add("accounts"), COMMIT, BEGIN, update("accounts"), COMMIT)
    assert run(BackfillInDdlTransaction, split) == []
    autocommit = mig("1.sql", add("accounts"), update("accounts"))
    assert run(BackfillInDdlTransaction, autocommit) == []


def test_mg302_ddl_on_new_table_only_is_fine() -> None:
    m = mig(
        "1.sql",
        create("t"),
        CreateIndex(name="t_x", table="t", columns=("x",)),
        DataChange(change=DataChangeKind.INSERT_SELECT, table="t"),
        MaintenanceCommand(command=MaintenanceKind.ANALYZE, table="accounts"),
        transaction=Transaction.WRAPPED,
    )
    assert run(BackfillInDdlTransaction, m) == []


def test_mg302_copy_into_new_table_while_existing_one_is_locked() -> None:
    m = mig(
        "1.sql",
        create("t"),
        AddConstraint(table="accounts", name="c", constraint=ConstraintKind.CHECK, not_valid=True),
        DataChange(change=DataChangeKind.INSERT_SELECT, table="t"),
        transaction=Transaction.ASSUMED,
    )
    found = run(BackfillInDdlTransaction, m)
    assert where(found) == ["1.sql:3:1"] and "accounts" in found[0].message


def test_mg302_drop_index_table_resolved_from_history() -> None:
    history = (
        mig("1.sql", create("t"), CreateIndex(name="t_x", table="t"), key=1),
        mig(
            "2.sql", DropIndex(name="t_x"), update("t", batched=True), key=2, transaction=Transaction.WRAPPED
        ),
    )
    found = run(BackfillInDdlTransaction, *history)
    assert where(found) == ["2.sql:2:1"] and "DDL on t" in found[0].message


# --- MG303 backfill-without-progress --------------------------------------------------------


def test_mg303_batched_without_progress() -> None:
    found = run(BackfillWithoutProgress, mig("1.sql", update("accounts", batched=True)))
    assert where(found) == ["1.sql:1:1"] and found[0].level is Level.NOTE
    assert "accounts" in found[0].message


def test_mg303_exemptions() -> None:
    progress = update("accounts", batched=True, reports_progress=True)
    assert run(BackfillWithoutProgress, mig("1.sql", progress)) == []
    assert run(BackfillWithoutProgress, mig("1.sql", update("accounts"))) == []
    assert run(BackfillWithoutProgress, mig("1.sql", create("t"), update("t", batched=True))) == []


# --- MG701 undocumented-migration -----------------------------------------------------------


@pytest.mark.parametrize(
    "ops",
    [
        (add("accounts"),),
        (DropIndex(name="accounts_x"),),
        (update("accounts", batched=True, reports_progress=True),),
        (create("t"), RenameColumn(table="accounts", column="a", new_name="b")),
        (CreateIndex(name="i", table="accounts", columns=("x",)),),
    ],
    ids=["lock", "drop-index", "data", "rename", "share-lock"],
)
def test_mg701_risky_undocumented_fires_once_at_file_start(ops: tuple[Operation, ...]) -> None:
    found = run(UndocumentedMigration, mig("9.sql", LOCK_TIMEOUT, *ops, add("other")))
    assert where(found) == ["9.sql:1:1"]
    assert "description" in found[0].message


@pytest.mark.parametrize(
    "ops",
    [
        (create("t"), CreateIndex(name="i", table="t"), add("t"), DropTable(table="t")),
        (CreateIndex(name="i", table="accounts", concurrently=True),),
        (DataChange(change=DataChangeKind.INSERT_VALUES, table="accounts"),),
        (LOCK_TIMEOUT,),
    ],
    ids=["new-table", "concurrent-index", "insert-values", "settings"],
)
def test_mg701_safe_migrations_need_no_description(ops: tuple[Operation, ...]) -> None:
    assert run(UndocumentedMigration, mig("9.sql", *ops)) == []


def test_mg701_description_silences_it() -> None:
    drop = DropTable(table="accounts")
    assert run(UndocumentedMigration, mig("9.sql", drop, description="Drop accounts: unused.")) == []
    for empty in (None, "", "  \n ", "empty message", "Generated by Django 4.2.1 on 2023-05-01 12:00"):
        assert len(run(UndocumentedMigration, mig("9.sql", drop, description=empty))) == 1, empty


def test_mg701_is_documented() -> None:
    assert is_documented("Add region; rollback: drop it")
    assert not is_documented("empty message")
    assert is_documented("Generated by Django tooling notes: split accounts")


def test_renaming_a_new_table_is_neither_risky_nor_ddl_on_an_existing_table() -> None:
    rename = RenameTable(table="tmp", new_name="final")
    assert run(UndocumentedMigration, mig("1.sql", create("tmp"), rename)) == []
    m = mig(
        "2.sql",
        create("tmp"),
        rename,
        DataChange(change=DataChangeKind.INSERT_SELECT, table="final"),
        transaction=Transaction.WRAPPED,
    )
    assert run(BackfillInDdlTransaction, m) == []
    existing = mig("3.sql", RenameTable(table="accounts", new_name="clients"))
    assert len(run(UndocumentedMigration, existing)) == 1


# --- the documented SQL really runs on PostgreSQL -------------------------------------------

COMPAT_RULES: list[type[Rule]] = [
    AddRequiredColumn,
    DropColumnRule,
    RenameColumnRule,
    RenameTableRule,
    DropTableRule,
    TruncateTableRule,
    UnbatchedBackfill,
    BackfillInDdlTransaction,
    BackfillWithoutProgress,
    UndocumentedMigration,
]

PG_SETUP = """
CREATE TABLE accounts (id bigserial PRIMARY KEY, legacy_flag boolean NOT NULL DEFAULT false);
INSERT INTO accounts (legacy_flag) SELECT false FROM generate_series(1, 2500);
CREATE TABLE users (id bigserial PRIMARY KEY, email text);
INSERT INTO users (email) SELECT 'u' || g || '@example.com' FROM generate_series(1, 2100) g;
CREATE TABLE customers (id bigserial PRIMARY KEY, name text);
INSERT INTO customers (name) VALUES ('first');
CREATE TABLE legacy_sessions (id bigint);
CREATE TABLE audit_events (id bigserial PRIMARY KEY, what text);
INSERT INTO audit_events (what) SELECT 'e' FROM generate_series(1, 12000);
"""
#: Rules whose examples backfill a column the Example itself does not add.
NEEDS_REGION = {"MG301", "MG303"}
#: Examples PostgreSQL refuses on a table with rows (the hazard itself).
REFUSED_EXAMPLES = {"MG201"}
#: What must hold after the Use instead SQL ran: (query, expected single value).
AFTER_USE_INSTEAD = {
    "MG201": (
        "SELECT attnotnull AND NOT EXISTS (SELECT 1 FROM accounts WHERE region IS NULL) "
        "FROM pg_attribute WHERE attrelid = 'accounts'::regclass AND attname = 'region'",
        True,
    ),
    "MG203": ("SELECT count(*) FROM users WHERE email_address IS DISTINCT FROM email", 0),
    "MG204": ("SELECT count(*) FROM clients", 1),
    "MG206": ("SELECT count(*) FROM audit_events", 0),
    "MG301": ("SELECT count(*) FROM accounts WHERE region IS NULL", 0),
    "MG302": ("SELECT count(*) FROM accounts WHERE region IS NULL", 0),
    "MG303": ("SELECT count(*) FROM accounts WHERE region IS NULL", 0),
}


def _run_blocks(pg: PgServer, rule: type[Rule], section: str) -> tuple[bool, object]:
    """Run a docstring section's SQL blocks on a fresh database; (all ran, check value)."""
    dbname = f"compat_{rule.code.lower()}"
    with psycopg.connect(pg.conninfo(), autocommit=True) as admin:
        admin.execute(f"DROP DATABASE IF EXISTS {dbname}".encode())
        admin.execute(f"CREATE DATABASE {dbname}".encode())
    with psycopg.connect(pg.conninfo(dbname), autocommit=True) as conn:
        setup = PG_SETUP + (
            "ALTER TABLE accounts ADD COLUMN region text;" if rule.code in NEEDS_REGION else ""
        )
        for piece in statements(setup):
            conn.execute(piece.text.encode())
        try:
            for block in code_blocks(rule.sections[section]):
                for piece in statements(block):
                    if piece.text.strip():
                        conn.execute(piece.text.encode())
        except psycopg.Error:
            return False, None
        check = AFTER_USE_INSTEAD.get(rule.code) if section == "Use instead" else None
        if check is None:
            return True, None
        row = conn.execute(check[0].encode()).fetchone()
        return True, row[0] if row else None


@pytest.mark.parametrize("rule", COMPAT_RULES, ids=[r.code for r in COMPAT_RULES])
def test_use_instead_sql_runs_on_postgres(pg: PgServer, rule: type[Rule]) -> None:
    ran, value = _run_blocks(pg, rule, "Use instead")
    assert ran, f"{rule.code}: PostgreSQL rejected the Use instead SQL"
    if rule.code in AFTER_USE_INSTEAD:
        assert value == AFTER_USE_INSTEAD[rule.code][1], rule.code


@pytest.mark.parametrize("rule", COMPAT_RULES, ids=[r.code for r in COMPAT_RULES])
def test_example_sql_is_real_postgres(pg: PgServer, rule: type[Rule]) -> None:
    ran, _ = _run_blocks(pg, rule, "Example")
    assert ran == (rule.code not in REFUSED_EXAMPLES), rule.code
