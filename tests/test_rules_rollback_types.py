"""MG401-MG402 (rollback), MG501 (idempotency), MG601-MG604 (types), MG801-MG802 (MySQL) on hand-built IR."""

from __future__ import annotations

from collections.abc import Sequence

import pytest

from miglint.config import Settings
from miglint.engine import lint
from miglint.findings import Finding, Location
from miglint.ir.inverse import default_constraint_names, not_undone, undoes
from miglint.ir.migration import Framework, Migration
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
    Irreversible,
    Operation,
    RawCode,
    RenameColumn,
    SetNotNull,
    SetTimeout,
    TimeoutKind,
    TransactionAction,
    TransactionControl,
)
from miglint.rules._base import Rule
from miglint.rules._column_types import type_shape
from miglint.rules.mg401_missing_rollback import MissingRollback
from miglint.rules.mg402_incomplete_rollback import IncompleteRollback, describe
from miglint.rules.mg501_non_idempotent_statement import NonIdempotentStatement
from miglint.rules.mg601_prefer_bigint import PreferBigint
from miglint.rules.mg602_prefer_text import PreferText
from miglint.rules.mg603_prefer_timestamptz import PreferTimestamptz
from miglint.rules.mg604_prefer_identity import PreferIdentity
from miglint.rules.mg801_mysql_copy_algorithm import MysqlCopyAlgorithm
from miglint.rules.mg802_mysql_missing_lock_wait_timeout import MysqlMissingLockWaitTimeout

UP = "db/001_add.up.sql"
EMAIL = ColumnDef(name="email", type="text")


def at(op: Operation, line: int, path: str = UP) -> Operation:
    """Place ``op`` on its own line of ``path``."""
    return op.at(Location(path, line, 1))


def run(
    rule: type[Rule],
    upgrade: Sequence[Operation],
    rollback: Sequence[Operation] | None = None,
    *,
    framework: Framework = Framework.SQL,
    dialect: str = "postgres",
    expected: bool = True,
    history: Sequence[Migration] = (),
    settings: Settings | None = None,
) -> list[Finding]:
    """Lint one migration (after ``history``) with only ``rule``; return its findings."""
    migration = Migration(
        path=UP,
        framework=framework,
        dialect=dialect,
        key=(99,),
        history="db",
        upgrade=tuple(upgrade),
        rollback=None if rollback is None else tuple(rollback),
        rollback_expected=expected,
    )
    settings = settings or Settings(dialect=dialect)
    result = lint([*history, migration], settings, targets=[UP], rules=[rule])
    return [f for f in result.findings if f.code == rule.code]


def lines(findings: Sequence[Finding]) -> list[tuple[str, int]]:
    return [(f.location.path, f.location.line) for f in findings]


# --- MG401 ----------------------------------------------------------------------------------


ADD_EMAIL = at(AddColumn(table="users", column=EMAIL), 3)


def test_mg401_no_down_file_is_reported_at_line_1_naming_the_table() -> None:
    (f,) = run(MissingRollback, [ADD_EMAIL], None)
    assert (f.location.path, f.location.line, f.location.column) == (UP, 1, 1)
    assert "no down migration for 001_add.up.sql" in f.message and "users" in f.message


def test_mg401_empty_or_transaction_only_down_is_reported() -> None:
    assert run(MissingRollback, [ADD_EMAIL], [])
    begin_commit = [
        TransactionControl(action=TransactionAction.BEGIN),
        TransactionControl(action=TransactionAction.COMMIT),
    ]
    (f,) = run(MissingRollback, [ADD_EMAIL], begin_commit)
    assert "empty" in f.message


def test_mg401_down_with_only_a_select_is_empty_but_a_view_drop_is_not() -> None:
    assert run(MissingRollback, [ADD_EMAIL], [Harmless(statement="select")])
    assert not run(MissingRollback, [ADD_EMAIL], [Harmless(statement="drop view")])


def test_mg401_alembic_pass_downgrade_speaks_alembic() -> None:
    (f,) = run(MissingRollback, [ADD_EMAIL], (), framework=Framework.ALEMBIC)
    assert "downgrade() of 001_add.up.sql is empty" in f.message
    assert "op.drop_column" in f.help


def test_mg401_not_reported_without_convention_or_with_a_real_rollback() -> None:
    assert not run(MissingRollback, [ADD_EMAIL], None, expected=False)
    assert not run(MissingRollback, [ADD_EMAIL], [DropColumn(table="users", column="email")])


def test_mg401_empty_down_accepted_when_nothing_needs_undoing() -> None:
    backfill = DataChange(change=DataChangeKind.UPDATE, table="users", has_where=True)
    assert not run(MissingRollback, [backfill], [])
    # ...but a missing rollback is still missing.
    assert run(MissingRollback, [backfill], None)


def test_mg401_irreversible_marker_in_rollback_and_upgrade() -> None:
    marker = at(Irreversible(reason="downgrade() raises NotImplementedError"), 20)
    (f,) = run(MissingRollback, [ADD_EMAIL], [marker], framework=Framework.ALEMBIC)
    assert f.location.line == 20 and "raises NotImplementedError" in f.message
    # Django: RunPython without reverse_code, marked at the operation.
    code = at(RawCode(reason="RunPython(forwards)"), 7)
    no_reverse = at(Irreversible(reason="RunPython without reverse_code"), 7)
    (g,) = run(MissingRollback, [code, no_reverse], None, framework=Framework.DJANGO)
    assert g.location.line == 7 and "reverse_code=" in g.help
    # A marker with no location is placed at the migration's first line.
    (h,) = run(MissingRollback, [ADD_EMAIL], [Irreversible(reason="irreversible")])
    assert (h.location.path, h.location.line) == (UP, 1)


# --- MG402 ----------------------------------------------------------------------------------


def test_mg402_names_each_operation_left_undone_at_its_location() -> None:
    index = at(CreateIndex(name="users_email_idx", table="users", columns=("email",)), 4)
    rollback = [at(DropIndex(name="users_email_idx"), 1, "db/001_add.down.sql")]
    (f,) = run(IncompleteRollback, [ADD_EMAIL, index], rollback)
    assert (f.location.path, f.location.line) == (UP, 3)
    assert f.message == "rollback does not undo add-column users.email"
    assert "ALTER TABLE users DROP COLUMN email;" in f.help


def test_mg402_complete_rollbacks_pass() -> None:
    index = CreateIndex(name="users_email_idx", table="users", columns=("email",))
    assert not run(
        IncompleteRollback,
        [ADD_EMAIL, index],
        [DropIndex(name="public.users_email_idx"), DropColumn(table="users", column="email")],
    )
    # Dropping the table created by the upgrade undoes everything done to it.
    create = CreateTable(table="tags", columns=(ColumnDef(name="id", type="bigint"),))
    tag_index = CreateIndex(name="tags_id", table="tags", columns=("id",))
    assert not run(IncompleteRollback, [create, tag_index], [DropTable(table="tags")])


def test_mg402_leaves_missing_empty_and_unreadable_rollbacks_alone() -> None:
    assert not run(IncompleteRollback, [ADD_EMAIL], None)
    assert not run(IncompleteRollback, [ADD_EMAIL], [])
    assert not run(IncompleteRollback, [ADD_EMAIL], [Irreversible(reason="one way")])
    assert not run(IncompleteRollback, [ADD_EMAIL], [RawCode(reason="RunPython(backwards)")])


def test_mg402_alembic_help_is_an_op_call() -> None:
    rename = at(RenameColumn(table="users", column="mail", new_name="email"), 5)
    (f,) = run(
        IncompleteRollback,
        [rename, SetNotNull(table="users", column="email")],
        [DropNotNull(table="users", column="email")],
        framework=Framework.ALEMBIC,
    )
    assert f.message == "rollback does not undo rename-column users.mail -> email"
    assert 'op.alter_column("users", "email", new_column_name="mail")' in f.help


def test_describe_names_the_target() -> None:
    fk = AddConstraint(table="orders", name=None, constraint=ConstraintKind.FOREIGN_KEY)
    assert describe(fk) == "add-constraint foreign key on orders"
    assert describe(EnumChange(type_name="mood", action="add_value", value="'meh'")) == (
        "enum-change mood (add value 'meh')"
    )


# --- inverse.py additions ---------------------------------------------------------------------


def test_unnamed_constraints_are_undone_by_their_default_names() -> None:
    fk = AddConstraint(table="orders", name=None, constraint=ConstraintKind.FOREIGN_KEY, columns=("user_id",))
    assert "orders_user_id_fkey" in default_constraint_names(fk)
    assert undoes(DropConstraint(table="orders", name="orders_user_id_fkey"), fk)
    assert undoes(DropConstraint(table="orders", name="orders_ibfk_1"), fk)
    assert not undoes(DropConstraint(table="orders", name="orders_other_fkey"), fk)
    assert not undoes(DropConstraint(table="users", name="orders_user_id_fkey"), fk)
    check = AddConstraint(table="orders", name=None, constraint=ConstraintKind.CHECK)
    assert undoes(DropConstraint(table="orders", name="orders_amount_check"), check)
    pk = AddConstraint(table="orders", name=None, constraint=ConstraintKind.PRIMARY_KEY)
    assert undoes(DropConstraint(table="orders", name="orders_pkey"), pk)


def test_mysql_unique_key_is_undone_by_drop_index_and_enum_value_by_type_rebuild() -> None:
    uq = AddConstraint(table="users", name="uq_email", constraint=ConstraintKind.UNIQUE)
    assert undoes(DropIndex(name="uq_email", table="users"), uq)
    assert not undoes(DropIndex(name="uq_other", table="users"), uq)
    check = AddConstraint(table="users", name="c", constraint=ConstraintKind.CHECK)
    assert not undoes(DropIndex(name="c", table="users"), check)
    add_value = EnumChange(type_name="mood", action="add_value", value="'meh'")
    assert not_undone([add_value], [EnumChange(type_name="mood", action="drop")]) == []
    assert not_undone([add_value], [EnumChange(type_name="other", action="drop")]) == [add_value]


def test_irreversible_marker_needs_no_undo_and_locks_nothing() -> None:
    marker = Irreversible(reason="x")
    assert not marker.needs_undo and marker.inverse() is None and marker.tables() == ()
    assert not_undone([marker], []) == []


# --- MG501 ----------------------------------------------------------------------------------


def test_mg501_flags_unguarded_statements_with_the_guarded_spelling() -> None:
    ops = [
        at(CreateTable(table="notes"), 1),
        at(CreateIndex(name="notes_i", table="notes"), 2),
        at(AddColumn(table="notes", column=EMAIL), 3),
        at(DropColumn(table="notes", column="old"), 4),
        at(DropIndex(name="old_i"), 5),
        at(DropConstraint(table="notes", name="c"), 6),
        at(DropTable(table="legacy"), 7),
        at(EnumChange(type_name="mood", action="add_value", value="'ok'"), 8),
    ]
    found = run(NonIdempotentStatement, ops)
    assert [f.location.line for f in found] == [1, 2, 3, 4, 5, 6, 7, 8]
    assert "use CREATE TABLE IF NOT EXISTS notes" in found[0].message
    assert "DROP COLUMN IF EXISTS old" in found[3].message


def test_mg501_guarded_statements_and_other_frameworks_pass() -> None:
    guarded = [
        CreateTable(table="notes", if_not_exists=True),
        CreateIndex(name="i", table="notes", if_not_exists=True),
        AddColumn(table="notes", column=EMAIL, if_not_exists=True),
        DropTable(table="legacy", if_exists=True),
        DropIndex(name="i", if_exists=True),
        DropColumn(table="notes", column="x", if_exists=True),
        DropConstraint(table="notes", name="c", if_exists=True),
        SetNotNull(table="notes", column="email"),
    ]
    assert not run(NonIdempotentStatement, guarded)
    assert not run(NonIdempotentStatement, [CreateTable(table="t")], framework=Framework.ALEMBIC)


def test_mg501_mysql_only_flags_what_mysql_can_guard() -> None:
    ops = [at(AddColumn(table="t", column=EMAIL), 1), at(CreateTable(table="u"), 2)]
    assert [f.location.line for f in run(NonIdempotentStatement, ops, dialect="mysql")] == [2]


# --- MG601-MG604 ----------------------------------------------------------------------------


def table(*columns: ColumnDef) -> Operation:
    return at(CreateTable(table="accounts", columns=columns), 1)


@pytest.mark.parametrize(
    "column",
    [
        ColumnDef(name="id", type="INT", primary_key=True),
        ColumnDef(name="owner_id", type="integer"),
        ColumnDef(name="code", type="smallint", primary_key=True),
        ColumnDef(name="id", type="serial"),
        ColumnDef(name="id", type="int4"),
    ],
)
def test_mg601_small_integer_keys(column: ColumnDef) -> None:
    (f,) = run(PreferBigint, [table(column)])
    assert f"accounts.{column.name}" in f.message and "bigint" in f.message


@pytest.mark.parametrize(
    "column",
    [
        ColumnDef(name="id", type="bigint", primary_key=True),
        ColumnDef(name="id", type="bigserial"),
        ColumnDef(name="quantity", type="integer"),
        ColumnDef(name="paid", type="int"),
        ColumnDef(name="tag_id", type="int[]"),
        ColumnDef(name="id", type="uuid", primary_key=True),
    ],
)
def test_mg601_passes(column: ColumnDef) -> None:
    assert not run(PreferBigint, [table(column)])


def test_mg601_add_column_and_dialect() -> None:
    add = AddColumn(table="orders", column=ColumnDef(name="customer_id", type="integer"))
    assert run(PreferBigint, [add])
    assert not run(PreferBigint, [add], dialect="mysql")


def test_mg602_bounded_character_types() -> None:
    ops = [
        table(ColumnDef(name="a", type="VARCHAR(255)"), ColumnDef(name="b", type="character(3)")),
        at(AlterColumnType(table="users", column="c", new_type="character varying(20)"), 2),
    ]
    found = run(PreferText, ops)
    assert len(found) == 3
    assert "CHECK (length(a) <= 255)" in found[0].message
    assert "users.c" in found[2].message
    ok = table(ColumnDef(name="a", type="varchar"), ColumnDef(name="b", type="text"))
    assert not run(PreferText, [ok])


def test_mg603_timestamp_without_zone() -> None:
    bad = [
        ColumnDef(name="a", type="timestamp"),
        ColumnDef(name="b", type="TIMESTAMP(3) WITHOUT TIME ZONE"),
    ]
    assert len(run(PreferTimestamptz, [table(*bad)])) == 2
    good = [
        ColumnDef(name="a", type="timestamptz"),
        ColumnDef(name="b", type="timestamp with time zone"),
        ColumnDef(name="c", type="date"),
    ]
    assert not run(PreferTimestamptz, [table(*good)])


def test_mg604_serial_types_from_postgres_10() -> None:
    serial = table(ColumnDef(name="id", type="bigserial", primary_key=True))
    flagged = table(ColumnDef(name="id", type="integer", serial=True))
    assert run(PreferIdentity, [serial]) and run(PreferIdentity, [flagged])
    identity = table(ColumnDef(name="id", type="bigint", identity=True))
    assert not run(PreferIdentity, [identity])
    assert not run(PreferIdentity, [serial], settings=Settings(pg_version=9))


def test_type_shape_reads_common_spellings() -> None:
    shape = type_shape("TIMESTAMP (3)  Without Time Zone")
    assert (shape.base, shape.args, shape.rest) == ("timestamp", ("3",), "without time zone")
    assert type_shape("character varying(20)[]").array
    assert type_shape("int(11) unsigned").base == "int"


# --- MG801 ----------------------------------------------------------------------------------


def mysql(
    rule: type[Rule],
    ops: Sequence[Operation],
    *,
    history: Sequence[Migration] = (),
    settings: Settings | None = None,
) -> list[Finding]:
    return run(rule, ops, dialect="mysql", history=history, settings=settings)


def test_mg801_type_change_copies_unless_algorithm_given() -> None:
    modify = at(AlterColumnType(table="orders", column="amount", new_type="DECIMAL(14,2)"), 2)
    (f,) = mysql(MysqlCopyAlgorithm, [modify])
    assert "orders.amount" in f.message and "gh-ost" in f.message
    inplace = AlterColumnType(
        table="orders",
        column="amount",
        new_type="DECIMAL(14,2)",
        clauses=frozenset({"ALGORITHM = INPLACE", "LOCK=NONE"}),
    )
    assert not mysql(MysqlCopyAlgorithm, [inplace])
    copy = AlterColumnType(
        table="orders", column="amount", new_type="BIGINT", clauses=frozenset({"ALGORITHM=COPY"})
    )
    assert mysql(MysqlCopyAlgorithm, [copy])


def test_mg801_uses_history_to_spot_unchanged_types_and_varchar_extension() -> None:
    earlier = Migration(
        path="db/000_init.up.sql",
        framework=Framework.SQL,
        dialect="mysql",
        key=(0,),
        history="db",
        upgrade=(
            CreateTable(
                table="orders",
                columns=(
                    ColumnDef(name="amount", type="int(11)"),
                    ColumnDef(name="note", type="VARCHAR(20)"),
                ),
            ),
        ),
    )
    same_type = AlterColumnType(table="orders", column="amount", new_type="INT")
    extend = AlterColumnType(table="orders", column="note", new_type="varchar(60)")
    assert not mysql(MysqlCopyAlgorithm, [same_type, extend], history=[earlier])
    where = Location(UP, 3, 1)
    change_same_type = [
        RenameColumn(table="orders", column="amount", new_name="total", location=where),
        AlterColumnType(table="orders", column="total", new_type="int", location=where),
    ]
    assert not mysql(MysqlCopyAlgorithm, change_same_type, history=[earlier])
    crosses = AlterColumnType(table="orders", column="note", new_type="varchar(300)")
    (f,) = mysql(MysqlCopyAlgorithm, [crosses], history=[earlier])
    assert "from VARCHAR(20)" in f.message


def test_mg801_column_charset_change_is_a_copy_even_with_the_same_type() -> None:
    earlier = Migration(
        path="db/000_init.up.sql",
        framework=Framework.SQL,
        dialect="mysql",
        key=(0,),
        history="db",
        upgrade=(CreateTable(table="t", columns=(ColumnDef(name="name", type="varchar(100)"),)),),
    )
    modify = AlterColumnType(
        table="t",
        column="name",
        new_type="varchar(100)",
        text="ALTER TABLE t MODIFY name VARCHAR(100) CHARACTER SET latin1",
    )
    assert mysql(MysqlCopyAlgorithm, [modify], history=[earlier])


def test_mg801_other_copying_alters() -> None:
    auto = at(
        AddColumn(
            table="t",
            column=ColumnDef(name="seq", type="BIGINT"),
            text="ALTER TABLE t ADD COLUMN seq BIGINT AUTO_INCREMENT UNIQUE",
        ),
        1,
    )
    drop_pk = at(DropConstraint(table="t", name="PRIMARY"), 2)
    fk = at(AddConstraint(table="t", name="fk_u", constraint=ConstraintKind.FOREIGN_KEY), 3)
    charset = at(RawCode(reason="x", text="ALTER TABLE t CONVERT TO CHARACTER SET utf8mb4"), 4)
    found = mysql(MysqlCopyAlgorithm, [auto, drop_pk, fk, charset])
    assert [f.location.line for f in found] == [1, 2, 3, 4]
    assert "AUTO_INCREMENT column t.seq" in found[0].message


def test_mg801_safe_alters_pass() -> None:
    # Replacing the primary key in one statement is in place.
    where = Location(UP, 5, 1)
    drop_pk = DropConstraint(table="t", name="PRIMARY", location=where)
    add_pk = AddConstraint(table="t", name=None, constraint=ConstraintKind.PRIMARY_KEY, location=where)
    auto_locked = AddColumn(
        table="t",
        column=ColumnDef(name="seq", type="BIGINT", identity=True),
        clauses=frozenset({"LOCK=NONE"}),
    )
    table_option = AddColumn(
        table="t", column=EMAIL, text="ALTER TABLE t ADD COLUMN email text, AUTO_INCREMENT = 10"
    )
    fresh = [CreateTable(table="n"), AlterColumnType(table="n", column="a", new_type="BIGINT")]
    assert not mysql(MysqlCopyAlgorithm, [drop_pk, add_pk, auto_locked, table_option, *fresh])
    assert not run(MysqlCopyAlgorithm, [AlterColumnType(table="t", column="a", new_type="BIGINT")])


def test_mg801_one_finding_per_statement() -> None:
    where = Location(UP, 2, 1)
    a = AlterColumnType(table="t", column="a", new_type="BIGINT", location=where)
    b = AlterColumnType(table="t", column="b", new_type="BIGINT", location=where)
    assert len(mysql(MysqlCopyAlgorithm, [a, b])) == 1


# --- MG802 ----------------------------------------------------------------------------------


def test_mg802_first_ddl_on_existing_table_without_timeout() -> None:
    ops = [
        at(CreateTable(table="fresh"), 1),
        at(CreateIndex(name="i", table="fresh"), 2),
        at(AddColumn(table="orders", column=EMAIL), 3),
        at(DropColumn(table="orders", column="x"), 4),
    ]
    (f,) = mysql(MysqlMissingLockWaitTimeout, ops)
    assert f.location.line == 3 and "orders" in f.message and "lock_wait_timeout" in f.message


def test_mg802_passes_with_timeout_connection_setting_or_postgres() -> None:
    timeout = SetTimeout(timeout=TimeoutKind.MYSQL_LOCK_WAIT, value="5")
    add = AddColumn(table="orders", column=EMAIL)
    assert not mysql(MysqlMissingLockWaitTimeout, [timeout, add])
    via_connection = Settings(dialect="mysql", lock_timeout_via="connection")
    assert not mysql(MysqlMissingLockWaitTimeout, [add], settings=via_connection)
    assert not run(MysqlMissingLockWaitTimeout, [add])
    disabled = SetTimeout(timeout=TimeoutKind.MYSQL_LOCK_WAIT, value="DEFAULT")
    assert mysql(MysqlMissingLockWaitTimeout, [timeout, disabled, add])
