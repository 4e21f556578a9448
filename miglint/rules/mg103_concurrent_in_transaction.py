"""MG103 concurrent-in-transaction."""

from __future__ import annotations

from collections.abc import Iterator

from miglint.context import RuleContext
from miglint.findings import Finding, Level
from miglint.ir.migration import Framework, Transaction
from miglint.ir.ops import CreateIndex, DropIndex, MaintenanceCommand, MaintenanceKind, Operation
from miglint.rubric import Dimension
from miglint.rules._base import Rule
from miglint.rules._hints import AUTOCOMMIT, by_framework


def _statement(op: Operation) -> str | None:
    """The SQL verb of a CONCURRENTLY command that PostgreSQL refuses in a transaction."""
    match op:
        case CreateIndex(concurrently=True):
            return "CREATE INDEX CONCURRENTLY"
        case DropIndex(concurrently=True):
            return "DROP INDEX CONCURRENTLY"
        case MaintenanceCommand(command=MaintenanceKind.REINDEX, concurrently=True):
            return "REINDEX CONCURRENTLY"
        case _:
            # REFRESH MATERIALIZED VIEW CONCURRENTLY is allowed inside a transaction.
            return None


class ConcurrentInTransaction(Rule):
    """CONCURRENTLY inside a transaction block: the migration fails when it runs.

    ## What it does
    Reports `CREATE INDEX CONCURRENTLY`, `DROP INDEX CONCURRENTLY` and `REINDEX CONCURRENTLY`
    that run inside a transaction: after an explicit `BEGIN`, in a migration the framework
    wraps in a transaction (Alembic on PostgreSQL, Django `atomic = True`), or in a file the
    configuration says the runner wraps (`assume_in_transaction`).

    ## Why is this bad?
    PostgreSQL refuses them: `ERROR: CREATE INDEX CONCURRENTLY cannot run inside a transaction
    block`. The migration fails in production even though it passed review, often after the
    statements before it already ran.

    ## Example
    ```sql
    BEGIN;
    CREATE INDEX CONCURRENTLY orders_customer_id_idx ON orders (customer_id);
    COMMIT;
    ```

    ## Use instead
    ```sql
    -- miglint: no-transaction
    CREATE INDEX CONCURRENTLY orders_customer_id_idx ON orders (customer_id);
    ```
    Put the statement in a migration of its own that runs outside a transaction: Alembic
    `with op.get_context().autocommit_block():`, Django `atomic = False`, or the runner's
    no-transaction directive (dbmate `transaction:false`, Flyway
    `executeInTransaction=false`).
    """

    code = "MG103"
    name = "concurrent-in-transaction"
    level = Level.ERROR
    dimension = Dimension.TESTING
    dialects = frozenset({"postgres"})
    operations = (CreateIndex, DropIndex, MaintenanceCommand)

    def check(self, ctx: RuleContext) -> Iterator[Finding]:
        """Flag each CONCURRENTLY command that runs inside a transaction block."""
        wrapped = ctx.migration.transaction
        for step in ctx.steps_of(CreateIndex, DropIndex, MaintenanceCommand):
            statement = _statement(step.op)
            if statement is None or not step.in_transaction:
                continue
            table = getattr(step.op, "table", "") or ""
            on = f" on {table}" if table else ""
            framework_why = {
                Framework.ALEMBIC: "Alembic runs each revision in one transaction",
                Framework.DJANGO: "the Django migration is atomic",
            }
            why = (
                framework_why.get(ctx.migration.framework) if wrapped is Transaction.WRAPPED else None
            ) or {
                Transaction.WRAPPED: "the framework runs this migration in a transaction",
                Transaction.ASSUMED: "the runner is configured to wrap each file in a transaction",
            }.get(wrapped, "it follows BEGIN")
            yield self.finding(
                ctx,
                step,
                f"{statement}{on} fails at run time inside a transaction block ({why}); "
                + by_framework(
                    ctx,
                    sql="run it in its own migration outside a transaction",
                    alembic="move the postgresql_concurrently=True call inside "
                    "op.get_context().autocommit_block()",
                    django="set atomic = False on the Migration",
                ),
                by_framework(
                    ctx,
                    sql="Alembic: op.get_context().autocommit_block(); Django: atomic = False; raw "
                    "SQL: no BEGIN, or -- miglint: no-transaction with a runner that honours it",
                    alembic=f"{AUTOCOMMIT} then the op.create_index / op.drop_index call with "
                    "postgresql_concurrently=True indented under it (the block commits the "
                    "revision's transaction first, so keep it in a revision of its own)",
                    django="add atomic = False to the Migration class and keep the concurrent "
                    "operation in a migration of its own (a failure part-way is not rolled back)",
                ),
            )
