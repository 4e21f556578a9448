"""MG112 long-lock-transaction."""

from __future__ import annotations

from collections.abc import Iterator

from miglint.context import RuleContext, Step
from miglint.findings import Finding, Level
from miglint.ir.ops import (
    AddColumn,
    AddConstraint,
    AlterColumnType,
    CreateIndex,
    DataChange,
    DataChangeKind,
    LockMode,
    MaintenanceCommand,
    Opaque,
    ParseError,
    SetNotNull,
    SetTimeout,
    TransactionControl,
    ValidateConstraint,
)
from miglint.rubric import Dimension
from miglint.rules._base import Rule
from miglint.rules._hints import by_framework
from miglint.rules.mg110_missing_lock_timeout import locked_tables

_QUICK_ON_NEW_TABLE = frozenset({DataChangeKind.UPDATE, DataChangeKind.DELETE, DataChangeKind.INSERT_VALUES})


def _slow_work(step: Step) -> str | None:
    """What makes ``step`` take time (scan, rewrite, build, data), or None when it is quick."""
    op = step.op
    if isinstance(op, SetTimeout | TransactionControl | Opaque | ParseError):
        return None
    table = getattr(op, "table", "")
    if isinstance(table, str) and table and step.is_new(table):
        # Anything on an empty new table is quick, except filling it from other tables.
        if isinstance(op, DataChange) and op.change not in _QUICK_ON_NEW_TABLE:
            return f"{op.change.value.replace('_', ' ').upper()} into new table {table}"
        return None
    match op:
        case DataChange() if op.change is not DataChangeKind.INSERT_VALUES:
            return f"{op.change.value.replace('_', ' ').upper()} on {op.table}"
        case MaintenanceCommand():
            return f"{op.command.value.replace('_', ' ').upper()} {op.table}".rstrip()
        case CreateIndex() if not op.concurrently:
            return f"CREATE INDEX on {op.table}"
        case AddConstraint() if not op.not_valid and not op.using_index:
            return f"ADD {op.constraint.value.replace('_', ' ').upper()} on {op.table}"
        case ValidateConstraint():
            return f"VALIDATE CONSTRAINT {op.name} on {op.table}"
        case AlterColumnType():
            return f"ALTER COLUMN {op.column} TYPE on {op.table}"
        case SetNotNull():
            return f"SET NOT NULL on {op.table}.{op.column}"
        case AddColumn() if op.column.default_volatile or op.column.generated_stored:
            return f"ADD COLUMN {op.column.name} with a rewriting default on {op.table}"
        case _:
            return None


class LongLockTransaction(Rule):
    """An ACCESS EXCLUSIVE lock held while more work follows in the same transaction.

    ## What it does
    Follows each transaction block (explicit `BEGIN` … `COMMIT`, or a migration the framework
    or runner wraps in one). Once a statement takes an ACCESS EXCLUSIVE lock on an existing
    table (most `ALTER TABLE` forms, `DROP INDEX`, `TRUNCATE`, …), it reports the first later
    statement in the same transaction that does slow work (an UPDATE or other backfill, a
    CREATE INDEX, a validating constraint, a rewrite) or locks another existing table. It is
    reported once per transaction. Settings, transaction control and statements on tables
    created in the transaction do not count.

    ## Why is this bad?
    Locks are held until the transaction commits. A quick `ALTER TABLE` followed by a long
    UPDATE keeps the table unreadable and unwritable for the whole UPDATE; locking several
    busy tables in one transaction multiplies the blocked traffic and invites deadlocks.

    ## Example
    ```sql
    BEGIN;
    ALTER TABLE orders ADD COLUMN note text;
    UPDATE orders SET note = '' WHERE note IS NULL;
    COMMIT;
    ```

    ## Use instead
    ```sql
    BEGIN;
    SET LOCAL lock_timeout = '5s';
    ALTER TABLE orders ADD COLUMN note text;
    COMMIT;
    -- backfill orders.note in batches in a separate migration
    ```
    Keep each ACCESS EXCLUSIVE lock in a short transaction of its own: commit right after the
    ALTER and run the rest in its own transaction or migration.
    """

    code = "MG112"
    name = "long-lock-transaction"
    level = Level.WARNING
    dimension = Dimension.ZERO_DOWNTIME
    dialects = frozenset({"postgres"})

    def check(self, ctx: RuleContext) -> Iterator[Finding]:
        """Flag, once per transaction, the step that makes an exclusive lock long."""
        for steps in ctx.transaction_blocks():
            finding = self._check_transaction(ctx, steps)
            if finding is not None:
                yield finding

    def _check_transaction(self, ctx: RuleContext, steps: list[Step]) -> Finding | None:
        held: dict[str, Step] = {}  # existing table -> step that locked it ACCESS EXCLUSIVE
        for step in steps:
            tables = [t for t in locked_tables(ctx, step) if t not in step.new_tables]
            if held:
                first_table, first = next(iter(held.items()))
                others = [t for t in tables if t not in held]
                lock = step.op.lock().name.replace("_", " ")
                article = "an" if lock[0] in "AEIOU" else "a"
                work = f"{article} {lock} lock on {', '.join(others)}" if others else _slow_work(step)
                if work is not None:
                    line = first.op.location.line
                    return self.finding(
                        ctx,
                        step,
                        f"{first_table} stays locked ACCESS EXCLUSIVE (since line {line}) while "
                        f"{work} runs in the same transaction; commit after the "
                        f"{first.op.kind_name} and do this in its own transaction",
                        by_framework(
                            ctx,
                            sql="keep ACCESS EXCLUSIVE locks in short transactions: one ALTER per "
                            "transaction, backfills and index builds in separate ones",
                            alembic="Alembic runs the whole revision in one transaction: move the "
                            "slow step to a revision of its own (or into "
                            "op.get_context().autocommit_block(), which commits what ran before it)",
                            django="an atomic Django migration is one transaction: move the slow "
                            "step to a migration of its own, or set atomic = False so each "
                            "operation commits on its own",
                        ),
                    )
            if step.op.lock() >= LockMode.ACCESS_EXCLUSIVE:
                for table in tables:
                    held.setdefault(table, step)
        return None
