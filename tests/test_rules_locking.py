"""IR-level tests of the locking rules MG101 to MG112 (no SQL front end needed)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

import pytest

from miglint.config import Settings
from miglint.engine import lint
from miglint.findings import Finding, Location
from miglint.ir.migration import Framework, Migration, Transaction
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
    DropConstraint,
    DropIndex,
    MaintenanceCommand,
    MaintenanceKind,
    Opaque,
    Operation,
    RenameTable,
    SetNotNull,
    SetTimeout,
    TimeoutKind,
    TransactionAction,
    TransactionControl,
    TruncateTable,
    ValidateConstraint,
)
from miglint.rules import rule_by_code
from miglint.rules.mg107_column_type_change import binary_compatible, parse_type

ID = ColumnDef(name="id", type="bigint", nullable=False, primary_key=True)
BEGIN = TransactionControl(action=TransactionAction.BEGIN)
COMMIT = TransactionControl(action=TransactionAction.COMMIT)


def placed(path: str, ops: Sequence[Operation]) -> tuple[Operation, ...]:
    """The ops placed on consecutive lines of ``path`` (line = position + 1)."""
    return tuple(op.at(Location(path, i + 1)) for i, op in enumerate(ops))


def migration(
    path: str,
    *ops: Operation,
    key: int = 1,
    transaction: Transaction = Transaction.NONE,
) -> Migration:
    return Migration(
        path=path,
        framework=Framework.SQL,
        key=(key,),
        history="h",
        transaction=transaction,
        upgrade=placed(path, ops),
    )


def run(
    code: str,
    *migrations: Migration,
    settings: Settings | None = None,
) -> list[Finding]:
    rule = rule_by_code(code)
    assert rule is not None
    result = lint(list(migrations), settings or Settings(), rules=[rule])
    assert not [f for f in result.findings if f.code == "MG000"], result.findings
    return [f for f in result.findings if f.code == code]


def lines(findings: list[Finding]) -> list[tuple[str, int]]:
    return [(f.location.path, f.location.line) for f in findings]


def create(table: str, *columns: ColumnDef) -> CreateTable:
    return CreateTable(table=table, columns=(ID, *columns))


def history(
    *later: Operation, created: Sequence[ColumnDef] = (), transaction: Transaction = Transaction.NONE
):
    """An older migration creating ``orders`` and a newer one running ``later``."""
    return (
        migration("001.sql", create("orders", *created), key=1),
        migration("002.sql", *later, key=2, transaction=transaction),
    )


# --- MG101 ------------------------------------------------------------------------------------


def test_mg101_fires_on_existing_table_from_older_migration() -> None:
    found = run("MG101", *history(CreateIndex(name="i", table="orders", columns=("id",))))
    assert lines(found) == [("002.sql", 1)]
    assert "orders" in found[0].message and "CONCURRENTLY" in found[0].message


def test_mg101_quiet_on_new_table_and_concurrently() -> None:
    same = migration("001.sql", create("orders"), CreateIndex(name="i", table="orders"))
    assert run("MG101", same) == []
    conc = migration("002.sql", CreateIndex(name="i", table="orders", concurrently=True))
    assert run("MG101", conc) == []


def test_mg101_unknown_table_counts_as_existing() -> None:
    assert lines(run("MG101", migration("a.sql", CreateIndex(name="i", table="users")))) == [("a.sql", 1)]


def test_mg101_dialect_filter() -> None:
    m = Migration(
        path="m.sql",
        framework=Framework.SQL,
        dialect="mysql",
        upgrade=placed("m.sql", [CreateIndex(name="i", table="t")]),
    )
    assert run("MG101", m) == []


# --- MG102 ------------------------------------------------------------------------------------


def test_mg102_table_from_history_and_new_table() -> None:
    older = migration("001.sql", create("orders"), CreateIndex(name="oi", table="orders"), key=1)
    found = run("MG102", older, migration("002.sql", DropIndex(name="oi"), key=2))
    assert lines(found) == [("002.sql", 1)]
    assert "oi" in found[0].message and "orders" in found[0].message
    same = migration("x.sql", create("t"), CreateIndex(name="ti", table="t"), DropIndex(name="ti"))
    assert run("MG102", same) == []


def test_mg102_unknown_table_fires_and_concurrent_does_not() -> None:
    assert len(run("MG102", migration("x.sql", DropIndex(name="ghost")))) == 1
    assert run("MG102", migration("x.sql", DropIndex(name="ghost", concurrently=True))) == []


# --- MG103 ------------------------------------------------------------------------------------


def test_mg103_after_begin_and_not_after_commit() -> None:
    idx = CreateIndex(name="i", table="t", concurrently=True)
    found = run("MG103", migration("x.sql", BEGIN, idx, COMMIT, idx))
    assert lines(found) == [("x.sql", 2)]
    assert "on t " in found[0].message and "inside a transaction block" in found[0].message


@pytest.mark.parametrize("transaction", [Transaction.WRAPPED, Transaction.ASSUMED])
def test_mg103_wrapped_migration(transaction: Transaction) -> None:
    ops = (
        DropIndex(name="i", concurrently=True),
        MaintenanceCommand(command=MaintenanceKind.REINDEX, table="t", concurrently=True),
    )
    found = run("MG103", migration("x.sql", *ops, transaction=transaction))
    assert lines(found) == [("x.sql", 1), ("x.sql", 2)]


def test_mg103_refresh_concurrently_is_allowed_in_transaction() -> None:
    op = MaintenanceCommand(command=MaintenanceKind.REFRESH_MATERIALIZED_VIEW, table="mv", concurrently=True)
    assert run("MG103", migration("x.sql", op, transaction=Transaction.WRAPPED)) == []
    plain = CreateIndex(name="i", table="t")
    assert run("MG103", migration("x.sql", plain, transaction=Transaction.WRAPPED)) == []


# --- MG104 / MG105 / MG109 --------------------------------------------------------------------

FK = AddConstraint(
    table="orders", name="fk", constraint=ConstraintKind.FOREIGN_KEY, columns=("c",), references="customers"
)


def test_mg104_fk_on_existing_vs_new_or_not_valid() -> None:
    found = run("MG104", *history(FK))
    assert lines(found) == [("002.sql", 1)]
    assert "orders" in found[0].message and "customers" in found[0].message
    assert "NOT VALID" in found[0].message
    assert run("MG104", *history(replace(FK, not_valid=True))) == []
    assert run("MG104", migration("x.sql", create("orders"), FK)) == []


def test_mg105_check() -> None:
    check = AddConstraint(table="orders", name="pos", constraint=ConstraintKind.CHECK, expression="a > 0")
    assert lines(run("MG105", *history(check))) == [("002.sql", 1)]
    nv = AddConstraint(
        table="orders", name="pos", constraint=ConstraintKind.CHECK, expression="a > 0", not_valid=True
    )
    assert run("MG105", *history(nv)) == []
    assert run("MG105", migration("x.sql", create("orders"), check)) == []
    # A foreign key is MG104's business.
    assert run("MG105", *history(FK)) == []


@pytest.mark.parametrize("kind", [ConstraintKind.UNIQUE, ConstraintKind.PRIMARY_KEY])
def test_mg109_unique_and_pk(kind: ConstraintKind) -> None:
    op = AddConstraint(table="orders", name="k", constraint=kind, columns=("email",))
    found = run("MG109", *history(op))
    assert lines(found) == [("002.sql", 1)]
    assert "USING INDEX" in found[0].message and "orders" in found[0].message
    adopted = AddConstraint(table="orders", name="k", constraint=kind, using_index="k_idx")
    assert run("MG109", *history(adopted)) == []
    assert run("MG109", migration("x.sql", create("orders"), op)) == []


# --- MG106 ------------------------------------------------------------------------------------

NN = SetNotNull(table="orders", column="c")


def _check(not_valid: bool, name: str = "c_nn", expression: str = "c IS NOT NULL") -> AddConstraint:
    return AddConstraint(
        table="orders", name=name, constraint=ConstraintKind.CHECK, expression=expression, not_valid=not_valid
    )


def test_mg106_plain_set_not_null_fires() -> None:
    found = run("MG106", *history(NN))
    assert lines(found) == [("002.sql", 1)]
    assert "orders.c" in found[0].message and "IS NOT NULL" in found[0].message


def test_mg106_not_valid_then_validate_in_same_migration() -> None:
    ops = (_check(True), ValidateConstraint(table="orders", name="c_nn"), NN)
    assert run("MG106", *history(*ops)) == []
    # NOT VALID without the VALIDATE does not help.
    assert lines(run("MG106", *history(_check(True), NN))) == [("002.sql", 2)]
    # A check on another column does not help.
    other = _check(False, expression="(d IS NOT NULL)")
    assert lines(run("MG106", *history(other, NN))) == [("002.sql", 2)]


def test_mg106_validated_check_from_history_and_dropped_here() -> None:
    m1 = migration("001.sql", create("orders"), key=1)
    m2 = migration("002.sql", _check(True), ValidateConstraint(table="orders", name="c_nn"), key=2)
    assert run("MG106", m1, m2, migration("003.sql", NN, key=3)) == []
    dropped = migration("003.sql", DropConstraint(table="orders", name="c_nn"), NN, key=3)
    assert lines(run("MG106", m1, m2, dropped)) == [("003.sql", 2)]
    # NOT VALID in an older migration, VALIDATE here.
    m2b = migration("002.sql", _check(True), key=2)
    m3 = migration("003.sql", ValidateConstraint(table="orders", name="c_nn"), NN, key=3)
    assert run("MG106", m1, m2b, m3) == []


def test_mg106_version_aware() -> None:
    ops = (_check(True), ValidateConstraint(table="orders", name="c_nn"), NN)
    found = run("MG106", *history(*ops), settings=Settings(pg_version=11))
    assert lines(found) == [("002.sql", 3)]
    assert "PostgreSQL 12" in found[0].message


def test_mg106_new_table_and_already_not_null() -> None:
    assert run("MG106", migration("x.sql", create("orders", ColumnDef(name="c")), NN)) == []
    known = ColumnDef(name="c", type="int", nullable=False)
    assert run("MG106", *history(NN, created=[known])) == []


# --- MG107 ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("old", "new", "safe"),
    [
        ("varchar(10)", "varchar(20)", True),
        ("character varying(10)", "text", True),
        ("varchar", "text", True),
        ("varchar(20)", "varchar(10)", False),
        ("numeric(10,2)", "numeric(12,2)", True),
        ("numeric(10,2)", "numeric(12,3)", False),
        ("numeric(10,2)", "numeric", True),
        ("cidr", "inet", True),
        ("varbit(4)", "bit varying(8)", True),
        ("char(4)", "char(8)", False),
        ("integer", "bigint", False),
        ("timestamp", "timestamptz", False),
        ("text[]", "varchar[]", False),
    ],
)
def test_mg107_binary_compatible(old: str, new: str, safe: bool) -> None:
    assert binary_compatible(old, new) is safe


def test_mg107_parse_type_aliases() -> None:
    assert parse_type("timestamp(3) with time zone") == ("timestamptz", (3,), "")
    assert parse_type("DECIMAL(5)") == ("numeric", (5,), "")


def test_mg107_old_type_from_history() -> None:
    col = ColumnDef(name="name", type="varchar(10)")
    widen = AlterColumnType(table="orders", column="name", new_type="varchar(50)")
    assert run("MG107", *history(widen, created=[col])) == []
    change = AlterColumnType(table="orders", column="name", new_type="integer")
    found = run("MG107", *history(change, created=[col]))
    assert lines(found) == [("002.sql", 1)]
    assert "varchar(10)" in found[0].message and "expand-contract" in found[0].message


def test_mg107_unknown_old_type_fires_and_says_so() -> None:
    widen = AlterColumnType(table="orders", column="name", new_type="text")
    found = run("MG107", *history(widen))
    assert len(found) == 1 and "could not tell the old type" in found[0].message
    with_old = AlterColumnType(table="orders", column="name", new_type="text", old_type="varchar(5)")
    assert run("MG107", *history(with_old)) == []


def test_mg107_timestamptz_note_and_new_table() -> None:
    col = ColumnDef(name="at", type="timestamp")
    op = AlterColumnType(table="orders", column="at", new_type="timestamptz")
    found = run("MG107", *history(op, created=[col]))
    assert len(found) == 1 and "TimeZone UTC" in found[0].message
    assert run("MG107", migration("x.sql", create("orders", col), op)) == []


def test_mg107_using_expression_is_not_proven_safe() -> None:
    col = ColumnDef(name="name", type="varchar(10)")
    op = AlterColumnType(table="orders", column="name", new_type="varchar(50)", using="upper(name)")
    assert len(run("MG107", *history(op, created=[col]))) == 1


def test_mg107_type_set_earlier_in_migration() -> None:
    add = AddColumn(table="orders", column=ColumnDef(name="n", type="varchar(5)"))
    widen = AlterColumnType(table="orders", column="n", new_type="varchar(9)")
    assert run("MG107", *history(add, widen)) == []


# --- MG108 ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "column",
    [
        ColumnDef(name="c", type="timestamptz", default="clock_timestamp()", default_volatile=True),
        ColumnDef(name="c", type="bigint", identity=True, nullable=False),
        ColumnDef(name="c", type="bigserial"),
        ColumnDef(name="c", type="int", serial=True),
        ColumnDef(name="c", type="int", generated_stored=True),
    ],
)
def test_mg108_rewriting_columns(column: ColumnDef) -> None:
    found = run("MG108", *history(AddColumn(table="orders", column=column)))
    assert lines(found) == [("002.sql", 1)] and "orders.c" in found[0].message


def test_mg108_constant_default_is_version_aware() -> None:
    op = AddColumn(table="orders", column=ColumnDef(name="c", type="int", default="0"))
    assert run("MG108", *history(op)) == []
    old = run("MG108", *history(op), settings=Settings(pg_version=10))
    assert len(old) == 1 and "PostgreSQL 11" in old[0].message
    null = AddColumn(table="orders", column=ColumnDef(name="c", type="int", default="NULL"))
    assert run("MG108", *history(null), settings=Settings(pg_version=10)) == []


def test_mg108_new_table() -> None:
    col = ColumnDef(name="c", type="uuid", default="gen_random_uuid()", default_volatile=True)
    assert run("MG108", migration("x.sql", create("orders"), AddColumn(table="orders", column=col))) == []


# --- MG110 ------------------------------------------------------------------------------------

ADD = AddColumn(table="orders", column=ColumnDef(name="note", type="text"))


def test_mg110_once_per_migration_at_first_lock() -> None:
    found = run("MG110", *history(SetTimeout(timeout=TimeoutKind.STATEMENT, value="1min"), ADD, ADD))
    assert lines(found) == [("002.sql", 2)]
    assert "orders" in found[0].message and "lock_timeout" in found[0].message


def test_mg110_timeout_set_disabled_and_connection() -> None:
    lock = SetTimeout(timeout=TimeoutKind.LOCK, value="'5s'")
    assert run("MG110", *history(lock, ADD)) == []
    off = SetTimeout(timeout=TimeoutKind.LOCK, value="0")
    assert lines(run("MG110", *history(lock, off, ADD))) == [("002.sql", 3)]
    assert run("MG110", *history(ADD), settings=Settings(lock_timeout_via="connection")) == []


def test_mg110_ignores_new_tables_row_locks_and_concurrent_builds() -> None:
    same = migration("x.sql", create("orders"), ADD, CreateIndex(name="i", table="orders"))
    assert run("MG110", same) == []
    quiet = (
        DataChange(change=DataChangeKind.UPDATE, table="orders"),
        CreateIndex(name="i", table="orders", concurrently=True),
    )
    assert run("MG110", *history(*quiet)) == []


def test_mg110_drop_index_table_from_history_and_renamed_new_table() -> None:
    m1 = migration("001.sql", create("orders"), CreateIndex(name="oi", table="orders"), key=1)
    assert lines(run("MG110", m1, migration("002.sql", DropIndex(name="oi"), key=2))) == [("002.sql", 1)]
    unknown = run("MG110", migration("x.sql", DropIndex(name="ghost")))
    assert len(unknown) == 1 and "index ghost" in unknown[0].message
    renamed = migration("x.sql", create("tmp"), RenameTable(table="tmp", new_name="final"))
    assert run("MG110", renamed) == []


def test_mg110_local_timeout_ends_with_transaction() -> None:
    local = SetTimeout(timeout=TimeoutKind.LOCK, value="'5s'", local=True)
    found = run("MG110", *history(BEGIN, local, ADD, COMMIT, ADD))
    assert lines(found) == [("002.sql", 5)]


# --- MG111 ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "command",
    [
        MaintenanceCommand(command=MaintenanceKind.VACUUM_FULL, table="orders"),
        MaintenanceCommand(command=MaintenanceKind.CLUSTER, table="orders"),
        MaintenanceCommand(command=MaintenanceKind.SET_TABLESPACE, table="orders"),
        MaintenanceCommand(command=MaintenanceKind.LOCK_TABLE, table="orders"),
        MaintenanceCommand(command=MaintenanceKind.REINDEX, table="orders"),
        MaintenanceCommand(command=MaintenanceKind.REFRESH_MATERIALIZED_VIEW, table="orders"),
    ],
)
def test_mg111_fires(command: MaintenanceCommand) -> None:
    found = run("MG111", *history(command))
    assert lines(found) == [("002.sql", 1)] and "orders" in found[0].message


@pytest.mark.parametrize(
    "command",
    [
        MaintenanceCommand(command=MaintenanceKind.VACUUM, table="orders"),
        MaintenanceCommand(command=MaintenanceKind.ANALYZE, table="orders"),
        MaintenanceCommand(command=MaintenanceKind.REINDEX, table="orders", concurrently=True),
        MaintenanceCommand(
            command=MaintenanceKind.REFRESH_MATERIALIZED_VIEW, table="orders", concurrently=True
        ),
    ],
)
def test_mg111_quiet(command: MaintenanceCommand) -> None:
    assert run("MG111", *history(command)) == []


def test_mg111_reindex_before_12_suggests_rebuild() -> None:
    op = MaintenanceCommand(command=MaintenanceKind.REINDEX, table="orders")
    found = run("MG111", *history(op), settings=Settings(pg_version=11))
    assert "CREATE INDEX CONCURRENTLY" in found[0].message


# --- MG112 ------------------------------------------------------------------------------------

UPDATE = DataChange(change=DataChangeKind.UPDATE, table="orders", has_where=True)


def test_mg112_alter_then_update_in_explicit_transaction() -> None:
    found = run("MG112", *history(BEGIN, ADD, UPDATE, UPDATE, COMMIT))
    assert lines(found) == [("002.sql", 3)]
    assert "orders" in found[0].message and "line 2" in found[0].message


def test_mg112_two_tables_in_wrapped_migration() -> None:
    m1 = migration("001.sql", create("orders"), create("users"), key=1)
    other = AddColumn(table="users", column=ColumnDef(name="x", type="int"))
    found = run("MG112", m1, migration("002.sql", ADD, other, transaction=Transaction.WRAPPED, key=2))
    assert lines(found) == [("002.sql", 2)] and "an ACCESS EXCLUSIVE lock on users" in found[0].message


def test_mg112_once_per_transaction() -> None:
    found = run("MG112", *history(BEGIN, ADD, UPDATE, COMMIT, BEGIN, ADD, UPDATE, COMMIT))
    assert lines(found) == [("002.sql", 3), ("002.sql", 7)]


def test_mg112_quiet_cases() -> None:
    # Trailing harmless ops, same-table quick ALTERs, and separate transactions.
    harmless = (BEGIN, ADD, ADD, SetTimeout(timeout=TimeoutKind.LOCK, value="0"), Opaque(reason="x"), COMMIT)
    assert run("MG112", *history(*harmless)) == []
    assert run("MG112", *history(BEGIN, ADD, COMMIT, BEGIN, UPDATE, COMMIT)) == []
    # Outside a transaction each statement commits on its own.
    assert run("MG112", *history(ADD, UPDATE)) == []
    # Work before the exclusive lock does not extend it.
    assert run("MG112", *history(BEGIN, UPDATE, ADD, COMMIT)) == []
    # Work on a table created in the transaction is quick.
    new = (
        BEGIN,
        ADD,
        create("fresh"),
        CreateIndex(name="f", table="fresh"),
        DataChange(change=DataChangeKind.INSERT_VALUES, table="fresh"),
        DataChange(change=DataChangeKind.UPDATE, table="fresh"),
        COMMIT,
    )
    assert run("MG112", *history(*new)) == []


def test_mg112_filling_a_new_table_from_others_is_long() -> None:
    fill = DataChange(change=DataChangeKind.INSERT_SELECT, table="fresh")
    found = run("MG112", *history(BEGIN, ADD, create("fresh"), fill, COMMIT))
    assert lines(found) == [("002.sql", 4)] and "fresh" in found[0].message


def test_mg112_truncate_then_index() -> None:
    ops = (TruncateTable(table="orders"), CreateIndex(name="i", table="orders"))
    found = run("MG112", *history(*ops, transaction=Transaction.WRAPPED))
    assert lines(found) == [("002.sql", 2)]
