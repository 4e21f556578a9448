"""MG102 drop-index-not-concurrent."""

from __future__ import annotations

from collections.abc import Iterator

from miglint.context import RuleContext, Step
from miglint.findings import Finding, Level
from miglint.ir.ops import CreateIndex, DropIndex
from miglint.rubric import Dimension
from miglint.rules._base import Rule
from miglint.rules._hints import AUTOCOMMIT, PG_OPERATIONS, by_framework


def dropped_index_table(ctx: RuleContext, step: Step, op: DropIndex) -> str:
    """The table of the index ``op`` drops, or "" when nothing tells.

    The front end fills ``op.table`` when the statement names it (MySQL, frameworks); for a
    bare ``DROP INDEX name`` the table comes from an earlier CREATE INDEX in this migration or
    from the schema replayed over the history.
    """
    if op.table:
        return op.table
    for earlier in reversed(ctx.steps[: step.index]):
        if isinstance(earlier.op, CreateIndex) and earlier.op.name == op.name:
            return earlier.op.table
    return ctx.schema.index_tables.get(op.name, "")


class DropIndexNotConcurrent(Rule):
    """DROP INDEX without CONCURRENTLY.

    ## What it does
    Reports `DROP INDEX` without `CONCURRENTLY`, unless the index belongs to a table created
    earlier in the same migration.

    ## Why is this bad?
    A plain `DROP INDEX` takes an ACCESS EXCLUSIVE lock on the index's table. The drop itself
    is quick, but the lock request queues behind any long-running query on the table, and
    every later read and write queues behind the lock: the table is unavailable until the
    slow query finishes. `DROP INDEX CONCURRENTLY` waits for conflicting transactions without
    blocking others.

    ## Example
    ```sql
    DROP INDEX orders_customer_id_idx;
    ```

    ## Use instead
    ```sql
    -- miglint: no-transaction
    DROP INDEX CONCURRENTLY IF EXISTS orders_customer_id_idx;
    ```
    Like CREATE INDEX CONCURRENTLY, it cannot run inside a transaction block. In Alembic,
    call `op.drop_index(..., postgresql_concurrently=True)` inside
    `with op.get_context().autocommit_block():`; in Django, use `RemoveIndexConcurrently`
    (`django.contrib.postgres.operations`) in a migration with `atomic = False`.
    """

    code = "MG102"
    name = "drop-index-not-concurrent"
    level = Level.WARNING
    dimension = Dimension.ZERO_DOWNTIME
    dialects = frozenset({"postgres"})
    operations = (DropIndex,)

    def check(self, ctx: RuleContext) -> Iterator[Finding]:
        """Flag each non-concurrent DROP INDEX unless its table is known to be new."""
        for step in ctx.steps_of(DropIndex):
            op = step.op
            if not isinstance(op, DropIndex) or op.concurrently:
                continue
            table = dropped_index_table(ctx, step, op)
            if table and step.is_new(table):
                continue
            on = f" on {table}" if table else ""
            table_kw = f', table_name="{table}"' if table else ""
            yield self.finding(
                ctx,
                step,
                f"DROP INDEX {op.name} takes an ACCESS EXCLUSIVE lock{on} that blocks reads and "
                "writes while it waits; "
                + by_framework(
                    ctx,
                    sql="use DROP INDEX CONCURRENTLY instead",
                    alembic="drop it with postgresql_concurrently=True inside autocommit_block()",
                    django="use RemoveIndexConcurrently in a migration with atomic = False",
                ),
                by_framework(
                    ctx,
                    sql="run DROP INDEX CONCURRENTLY in its own migration, outside a transaction",
                    alembic=f'{AUTOCOMMIT} op.drop_index("{op.name}"{table_kw}, '
                    "postgresql_concurrently=True) — in a revision of its own",
                    django=f"from {PG_OPERATIONS} import RemoveIndexConcurrently; put "
                    "RemoveIndexConcurrently(model_name=..., name=...) in a migration with "
                    "atomic = False",
                ),
            )
