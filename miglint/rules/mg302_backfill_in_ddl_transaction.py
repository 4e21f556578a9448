"""MG302 backfill-in-ddl-transaction."""

from __future__ import annotations

from collections.abc import Iterator

from miglint.context import RuleContext, Step
from miglint.findings import Finding, Level
from miglint.ir.ops import (
    DataChange,
    DataChangeKind,
    DropIndex,
    LockMode,
    MaintenanceCommand,
    MaintenanceKind,
    Opaque,
    ParseError,
    RenameTable,
    SetTimeout,
    TransactionControl,
)
from miglint.rubric import Dimension
from miglint.rules._base import Rule
from miglint.rules._hints import by_framework
from miglint.rules.mg102_drop_index_not_concurrent import dropped_index_table

_NOT_DDL = (DataChange, SetTimeout, TransactionControl, Opaque, ParseError)
_LIGHT_MAINTENANCE = frozenset({MaintenanceKind.VACUUM, MaintenanceKind.ANALYZE})
_WHAT = {
    DataChangeKind.UPDATE: "UPDATE",
    DataChangeKind.DELETE: "DELETE",
    DataChangeKind.INSERT_SELECT: "INSERT … SELECT",
    DataChangeKind.INSERT_VALUES: "INSERT",
    DataChangeKind.MERGE: "MERGE",
    DataChangeKind.COPY: "COPY",
    DataChangeKind.PYTHON: "data migration",
}


def _ddl_tables(ctx: RuleContext, step: Step) -> tuple[str, ...]:
    """Tables a DDL step locks, as they are named before it runs."""
    op = step.op
    if isinstance(op, DropIndex):
        # Unknown table: the index belongs to something that already exists.
        return (dropped_index_table(ctx, step, op) or f"(table of index {op.name})",)
    if isinstance(op, RenameTable):
        return (op.table,)  # the new name is never "new"; the renamed table is what is locked
    return op.tables()


def locked_existing_table(ctx: RuleContext, step: Step) -> str | None:
    """The existing table a DDL step locks, or None when it is not DDL on an existing table."""
    op = step.op
    if isinstance(op, _NOT_DDL) or op.lock() <= LockMode.NONE:
        return None
    if isinstance(op, MaintenanceCommand) and op.command in _LIGHT_MAINTENANCE:
        return None
    for table in _ddl_tables(ctx, step):
        if not step.is_new(table):
            return table
    return None


class BackfillInDdlTransaction(Rule):
    """A data change in the same transaction as DDL on an existing table.

    ## What it does
    Flags each data change (`UPDATE`, `DELETE`, `INSERT … SELECT`, `MERGE`, a data migration in
    code — batched or not; `INSERT … VALUES` is exempt) that runs in the same transaction block
    as a schema change which locks an existing table (`ALTER TABLE`, `CREATE INDEX`, …),
    before or after it. Transactions are the runner's (Alembic, Django `atomic`, configured
    `assume_in_transaction`) or explicit `BEGIN` … `COMMIT`. The data change may target a new
    table: what matters is the lock held on the existing one. Schema changes on tables created
    in the same migration do not count.

    ## Why is this bad?
    Locks are held until the transaction ends. DDL first: its ACCESS EXCLUSIVE lock blocks
    every read and write of the table for the whole backfill. Backfill first: the DDL then
    waits behind the backfill's row locks while queueing everyone else. Batching inside the
    transaction does not help, and a failure late in the backfill rolls back the schema change
    too.

    ## Example
    ```sql
    BEGIN;
    ALTER TABLE accounts ADD COLUMN region text;
    UPDATE accounts SET region = 'eu';
    COMMIT;
    ```

    ## Use instead
    Commit the schema change on its own, then backfill outside it (Django: a separate
    migration, or `atomic = False`):
    ```sql
    BEGIN;
    SET LOCAL lock_timeout = '5s';
    ALTER TABLE accounts ADD COLUMN region text;
    COMMIT;

    DO $$
    DECLARE
      batch_rows bigint;
    BEGIN
      LOOP
        UPDATE accounts SET region = 'eu'
        WHERE id IN (SELECT id FROM accounts WHERE region IS NULL LIMIT 1000);
        GET DIAGNOSTICS batch_rows = ROW_COUNT;
        EXIT WHEN batch_rows = 0;
        RAISE NOTICE 'accounts.region: % more rows backfilled', batch_rows;
        COMMIT;
      END LOOP;
    END $$;
    ```
    """

    code = "MG302"
    name = "backfill-in-ddl-transaction"
    level = Level.WARNING
    dimension = Dimension.ZERO_DOWNTIME
    operations = (DataChange,)

    def check(self, ctx: RuleContext) -> Iterator[Finding]:
        """One finding per data change sharing a transaction with DDL on an existing table."""
        for block in ctx.transaction_blocks():
            locked = next(filter(None, (locked_existing_table(ctx, step) for step in block)), None)
            if locked is None:
                continue
            for step in block:
                op = step.op
                if not isinstance(op, DataChange) or op.change is DataChangeKind.INSERT_VALUES:
                    continue
                target = f" on {op.table}" if op.table else ""
                yield self.finding(
                    ctx,
                    step,
                    f"{_WHAT[op.change]}{target} runs in the same transaction "
                    f"as DDL on {locked}, so the lock is held for the whole backfill; commit "
                    "the schema change first and backfill in a separate transaction",
                    by_framework(
                        ctx,
                        sql="split the migration: DDL in one transaction (or migration), the backfill "
                        "after it commits",
                        alembic="Alembic runs the revision in one transaction: move the backfill to a "
                        "revision of its own, or run it inside op.get_context().autocommit_block() after "
                        "the DDL",
                        django="move the RunPython / RunSQL backfill to a migration of its own, or set "
                        "atomic = False so the schema change commits before it",
                    ),
                )
