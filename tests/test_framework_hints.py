"""Findings speak the migration's framework: SQL, Alembic or Django wording of the safe fix.

Most cases build migrations by hand from IR operations (the same operation in each framework)
so they test the rules' wording, not a front end; the last tests read real fixture files.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from miglint.config import Settings
from miglint.context import RuleContext
from miglint.discover import load
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
    DropColumn,
    DropIndex,
    DropTable,
    MaintenanceCommand,
    MaintenanceKind,
    Operation,
    RenameColumn,
    RenameTable,
    SetNotNull,
    SetTimeout,
    TimeoutKind,
    TruncateTable,
)
from miglint.ir.state import SchemaState
from miglint.rules import builtin_rules
from miglint.rules._base import Rule
from miglint.rules._hints import by_framework, py_list

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
LOCK_TIMEOUT = SetTimeout(timeout=TimeoutKind.LOCK, value="'5s'")
RULES = {r.code: r for r in builtin_rules()}


def mig(framework: Framework, *ops: Operation, transaction: Transaction = Transaction.NONE) -> Migration:
    """A migration of ``framework`` whose operations sit on lines 1, 2, 3, …"""
    path = {Framework.SQL: "1.sql", Framework.ALEMBIC: "1_rev.py", Framework.DJANGO: "0002_x.py"}[framework]
    placed = tuple(op.at(Location(path, i + 1, 1)) for i, op in enumerate(ops))
    return Migration(
        path=path, framework=framework, history="h", key=(1,), transaction=transaction, upgrade=placed
    )


def run(code: str, migration: Migration) -> list[Finding]:
    """Findings of one rule on one migration."""
    rule: type[Rule] = RULES[code]
    return [f for f in lint([migration], Settings(), rules=[rule]).findings if f.code == code]


def col(name: str, type_: str = "text", **kw: object) -> ColumnDef:
    return ColumnDef(name=name, type=type_, **kw)  # type: ignore[arg-type]


BATCHED = DataChange(change=DataChangeKind.UPDATE, table="orders", batched=True)

#: code -> (operations, text in the SQL finding, in the Alembic finding, in the Django finding).
#: The SQL text is the wording the rule had before framework hints, kept on purpose.
CASES: dict[str, tuple[tuple[Operation, ...], str, str, str]] = {
    "MG101": (
        (LOCK_TIMEOUT, CreateIndex(name="ix_orders_code", table="orders", columns=("code",))),
        "use CREATE INDEX CONCURRENTLY instead",
        'op.create_index("ix_orders_code", "orders", ["code"], postgresql_concurrently=True)',
        "AddIndexConcurrently",
    ),
    "MG102": (
        (LOCK_TIMEOUT, DropIndex(name="ix_orders_code", table="orders")),
        "use DROP INDEX CONCURRENTLY instead",
        'op.drop_index("ix_orders_code", table_name="orders", postgresql_concurrently=True)',
        "RemoveIndexConcurrently",
    ),
    "MG104": (
        (
            LOCK_TIMEOUT,
            AddConstraint(
                table="orders",
                name="fk_orders_customer",
                constraint=ConstraintKind.FOREIGN_KEY,
                columns=("customer_id",),
                references="customers",
            ),
        ),
        "ADD CONSTRAINT … FOREIGN KEY … NOT VALID",
        'op.create_foreign_key("fk_orders_customer", "orders", "customers", ["customer_id"], [...], '
        "postgresql_not_valid=True)",
        "db_constraint=False",
    ),
    "MG105": (
        (
            LOCK_TIMEOUT,
            AddConstraint(
                table="orders", name="ck_total", constraint=ConstraintKind.CHECK, expression="total > 0"
            ),
        ),
        "ADD CONSTRAINT … CHECK (…) NOT VALID",
        'op.create_check_constraint("ck_total", "orders", "…", postgresql_not_valid=True)',
        "AddConstraintNotValid",
    ),
    "MG106": (
        (LOCK_TIMEOUT, SetNotNull(table="orders", column="code")),
        "ADD CONSTRAINT c CHECK (col IS NOT NULL) NOT VALID",
        'op.alter_column("orders", "code", nullable=False)',
        "AlterField(null=False)",
    ),
    "MG107": (
        (
            LOCK_TIMEOUT,
            AlterColumnType(table="orders", column="total", new_type="bigint", old_type="integer"),
        ),
        "ADD COLUMN new_col new_type",
        'op.add_column("orders", sa.Column("total_new", ...))',
        "SeparateDatabaseAndState",
    ),
    "MG108": (
        (
            LOCK_TIMEOUT,
            AddColumn(
                table="orders",
                column=col("token", "uuid", default="gen_random_uuid()", default_volatile=True),
            ),
        ),
        "ADD COLUMN without default (instant)",
        "without server_default",
        "AddField with null=True and no db_default",
    ),
    "MG109": (
        (
            LOCK_TIMEOUT,
            AddConstraint(
                table="orders", name="uq_code", constraint=ConstraintKind.UNIQUE, columns=("code",)
            ),
        ),
        "ADD CONSTRAINT name UNIQUE USING INDEX index_name",
        'op.execute("ALTER TABLE orders ADD CONSTRAINT uq_code UNIQUE USING INDEX uq_code")',
        "state_operations",
    ),
    "MG110": (
        (AddColumn(table="orders", column=col("note")),),
        "run SET lock_timeout = '5s' first",
        "op.execute(\"SET lock_timeout = '5s'\")",
        "RunSQL(\"SET lock_timeout = '5s'\"",
    ),
    "MG111": (
        (MaintenanceCommand(command=MaintenanceKind.VACUUM_FULL, table="orders"),),
        "run table maintenance outside deploy migrations",
        "take the op.execute(...) out of the revision",
        "take the RunSQL out of the migration",
    ),
    "MG201": (
        (LOCK_TIMEOUT, AddColumn(table="orders", column=col("region", nullable=False))),
        "add the column nullable, backfill in batches",
        "server_default=",
        "db_default=",
    ),
    "MG202": (
        (LOCK_TIMEOUT, DropColumn(table="orders", column="note")),
        "expand-contract: remove every use of the column",
        'op.drop_column("orders", "note") in a later revision',
        "SeparateDatabaseAndState(state_operations=[migrations.RemoveField(",
    ),
    "MG203": (
        (LOCK_TIMEOUT, RenameColumn(table="orders", column="note", new_name="remark")),
        "add the new column with a sync trigger",
        'op.add_column("orders", sa.Column("remark", ...))',
        'db_column="note"',
    ),
    "MG204": (
        (LOCK_TIMEOUT, RenameTable(table="orders", new_name="purchases")),
        "CREATE VIEW <old name> AS SELECT * FROM <new name>",
        'op.execute("CREATE VIEW orders AS SELECT * FROM purchases")',
        'db_table = "orders"',
    ),
    "MG205": (
        (LOCK_TIMEOUT, DropTable(table="orders")),
        "remove every use of the table in one release",
        'op.drop_table("orders") in a later revision',
        "SeparateDatabaseAndState(state_operations=[migrations.DeleteModel(",
    ),
    "MG206": (
        (LOCK_TIMEOUT, TruncateTable(table="orders")),
        "in a loop that commits each batch",
        "autocommit_block()",
        "RunPython",
    ),
    "MG301": (
        (DataChange(change=DataChangeKind.UPDATE, table="orders"),),
        "loop over batches",
        "autocommit_block()",
        "iterator(chunk_size=…)",
    ),
    "MG303": (
        (BATCHED,),
        "RAISE NOTICE 'done: % rows', total;",
        "log or print the running total",
        "print or log the running total after each batch in the RunPython function",
    ),
    "MG601": (
        (CreateTable(table="events", columns=(col("id", "integer", primary_key=True, identity=True),)),),
        "declare it bigint",
        "declare it sa.BigInteger()",
        "declare it models.BigAutoField",
    ),
    "MG603": (
        (LOCK_TIMEOUT, AddColumn(table="orders", column=col("seen_at", "timestamp"))),
        "use timestamptz",
        "sa.DateTime(timezone=True)",
        "models.DateTimeField is timestamptz",
    ),
    "MG604": (
        (CreateTable(table="events", columns=(col("id", "bigserial", primary_key=True),)),),
        "use bigint GENERATED ALWAYS AS IDENTITY",
        "sa.Identity(always=True)",
        "models.BigAutoField",
    ),
    "MG701": (
        (LOCK_TIMEOUT, DropColumn(table="orders", column="note")),
        "start the file with a comment block (or docstring)",
        "the revision's docstring",
        '"Generated by Django" header',
    ),
}


@pytest.mark.parametrize("code", sorted(CASES))
def test_each_framework_gets_its_own_hint(code: str) -> None:
    ops, sql, alembic, django = CASES[code]
    texts: dict[Framework, str] = {}
    for framework, wanted in ((Framework.SQL, sql), (Framework.ALEMBIC, alembic), (Framework.DJANGO, django)):
        found = run(code, mig(framework, *ops))
        assert len(found) == 1, (framework, found)
        texts[framework] = f"{found[0].message}\n{found[0].help}"
        assert wanted in texts[framework], (framework, texts[framework])
    # The three wordings differ: no framework is handed another one's advice.
    assert len(set(texts.values())) == 3
    assert "op." not in texts[Framework.DJANGO] and "migrations." not in texts[Framework.ALEMBIC]


def test_framework_hints_do_not_leak_into_sql_help() -> None:
    """A SQL migration's MG101 help keeps naming all runners; Alembic's names only Alembic."""
    ops = (LOCK_TIMEOUT, CreateIndex(name="ix", table="orders", columns=("a", "b"), unique=True))
    sql = run("MG101", mig(Framework.SQL, *ops))[0]
    alembic = run("MG101", mig(Framework.ALEMBIC, *ops))[0]
    assert "Django atomic = False" in sql.help
    assert '["a", "b"], unique=True, postgresql_concurrently=True' in alembic.help
    assert "Django" not in alembic.help and "atomic = False" not in alembic.help


def test_mg103_says_why_in_framework_terms() -> None:
    op = CreateIndex(name="ix", table="orders", columns=("a",), concurrently=True)
    alembic = run("MG103", mig(Framework.ALEMBIC, op, transaction=Transaction.WRAPPED))[0]
    django = run("MG103", mig(Framework.DJANGO, op, transaction=Transaction.WRAPPED))[0]
    sql = run("MG103", mig(Framework.SQL, op, transaction=Transaction.ASSUMED))[0]
    assert "Alembic runs each revision in one transaction" in alembic.message
    assert "autocommit_block()" in alembic.message
    assert "the Django migration is atomic" in django.message and "atomic = False" in django.message
    assert "the runner is configured to wrap each file" in sql.message


@pytest.mark.parametrize(
    ("framework", "wanted"),
    [
        (Framework.SQL, "commit the schema change first"),
        (Framework.ALEMBIC, "move the backfill to a revision of its own"),
        (Framework.DJANGO, "set atomic = False so the schema change commits before it"),
    ],
)
def test_mg302_hint_per_framework(framework: Framework, wanted: str) -> None:
    ops = (LOCK_TIMEOUT, AddColumn(table="orders", column=col("region")), BATCHED)
    found = run("MG302", mig(framework, *ops, transaction=Transaction.WRAPPED))
    assert len(found) == 1 and wanted in f"{found[0].message} {found[0].help}"


@pytest.mark.parametrize(
    ("framework", "wanted"),
    [
        (Framework.SQL, "one ALTER per transaction"),
        (Framework.ALEMBIC, "Alembic runs the whole revision in one transaction"),
        (Framework.DJANGO, "an atomic Django migration is one transaction"),
    ],
)
def test_mg112_hint_per_framework(framework: Framework, wanted: str) -> None:
    ops = (LOCK_TIMEOUT, AddColumn(table="orders", column=col("region")), BATCHED)
    found = run("MG112", mig(framework, *ops, transaction=Transaction.WRAPPED))
    assert len(found) == 1 and wanted in found[0].help


def test_mg602_skips_django_but_not_alembic() -> None:
    """Django requires max_length on CharField; a String(n) in Alembic is the author's choice."""
    ops = (LOCK_TIMEOUT, AddColumn(table="users", column=col("nick", "varchar(50)")))
    assert run("MG602", mig(Framework.DJANGO, *ops)) == []
    alembic = run("MG602", mig(Framework.ALEMBIC, *ops))
    assert len(alembic) == 1 and 'sa.CheckConstraint("length(nick) <= 50")' in alembic[0].help
    assert len(run("MG602", mig(Framework.SQL, *ops))) == 1


def test_mg601_django_foreign_key_follows_its_target() -> None:
    """A Django FK column's type comes from the referenced key; only that key is reported."""
    table = CreateTable(
        table="shop_event",
        columns=(
            col("id", "bigint", primary_key=True, identity=True),
            col("customer_id", "integer", references="shop_customer"),
            col("legacy_id", "integer"),
        ),
    )
    django = run("MG601", mig(Framework.DJANGO, table))
    assert [f.message.split()[2] for f in django] == ["shop_event.legacy_id"]
    assert "models.BigIntegerField" in django[0].message
    # The same columns in SQL or Alembic are written by hand: both are reported.
    assert len(run("MG601", mig(Framework.SQL, table))) == 2
    assert len(run("MG601", mig(Framework.ALEMBIC, table))) == 2


def test_mg402_names_the_framework_call() -> None:
    up = (
        AddColumn(table="users", column=col("email")),
        CreateIndex(name="ix_users_name", table="users", columns=("name",)),
    )
    down = (DropColumn(table="users", column="email"),)
    for framework, wanted in (
        (Framework.ALEMBIC, 'add `op.drop_index("ix_users_name", table_name="users")` to downgrade()'),
        (Framework.DJANGO, "add `DROP INDEX ix_users_name;` to the RunSQL's reverse_sql"),
        (Framework.SQL, "add `DROP INDEX ix_users_name;` to the rollback"),
    ):
        m = replace(mig(framework, *up), rollback=down, rollback_expected=True)
        found = run("MG402", m)
        assert len(found) == 1 and found[0].help == wanted, found


def test_mg402_alembic_recreates_a_dropped_index_from_its_definition() -> None:
    definition = CreateIndex(name="ix_users_email", table="users", columns=("email",), unique=True)
    up = (
        DropIndex(name="ix_users_email", table="users", definition=definition),
        DropColumn(table="users", column="x"),
    )
    m = Migration(
        path="1_rev.py",
        framework=Framework.ALEMBIC,
        history="h",
        upgrade=up,
        rollback=(AddColumn(table="users", column=col("x")),),
        rollback_expected=True,
    )
    found = run("MG402", m)
    assert [f.help for f in found] == [
        'add `op.create_index("ix_users_email", "users", ["email"], unique=True)` to downgrade()'
    ]


def test_by_framework_falls_back_to_sql() -> None:
    def ctx(framework: Framework) -> RuleContext:
        return RuleContext(
            migration=Migration(path="p", framework=framework),
            settings=Settings(),
            schema=SchemaState(),
            steps=(),
        )

    assert by_framework(ctx(Framework.ALEMBIC), sql="s", alembic="a", django="d") == "a"
    assert by_framework(ctx(Framework.DJANGO), sql="s", alembic="a", django="d") == "d"
    assert by_framework(ctx(Framework.SQL), sql="s", alembic="a", django="d") == "s"
    assert by_framework(ctx(Framework.DJANGO), sql="s", alembic="a") == "s"
    assert py_list(("a", "b")) == '["a", "b"]' and py_list(()) == "[...]"


@pytest.mark.parametrize(
    ("case", "code", "wanted"),
    [
        ("alembic/MG101/fail_index_on_existing_table", "MG101", "postgresql_concurrently=True"),
        ("alembic/MG103/fail_concurrently_outside_autocommit_block", "MG103", "autocommit_block()"),
        (
            "alembic/MG110/fail_add_column_without_lock_timeout",
            "MG110",
            "op.execute(\"SET lock_timeout = '5s'\")",
        ),
        ("django/MG101/fail_add_index_existing_model", "MG101", "AddIndexConcurrently"),
        ("django/MG103/fail_concurrently_in_atomic_migration", "MG103", "atomic = False"),
        ("django/MG202/fail_remove_field", "MG202", "SeparateDatabaseAndState"),
        ("django/MG205/fail_delete_model", "MG205", "SeparateDatabaseAndState"),
    ],
)
def test_fixtures_read_by_front_ends_get_framework_hints(case: str, code: str, wanted: str) -> None:
    settings = Settings()
    result = lint(load([str(FIXTURES / case)], settings).migrations, settings)
    found = [f for f in result.findings if f.code == code]
    assert found and all(wanted in f"{f.message}\n{f.help}" for f in found), found
