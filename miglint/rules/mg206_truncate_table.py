"""MG206 truncate-table."""

from __future__ import annotations

from collections.abc import Iterator

from miglint.context import RuleContext
from miglint.findings import Finding, Level
from miglint.ir.ops import TruncateTable as TruncateTableOp
from miglint.rubric import Dimension
from miglint.rules._base import Rule
from miglint.rules._hints import by_framework


class TruncateTable(Rule):
    """TRUNCATE in a migration.

    ## What it does
    Flags `TRUNCATE` of a table that already exists. A table created earlier in the same
    migration (or by another unreleased migration) is exempt: emptying it loses nothing and
    blocks nobody.

    ## Why is this bad?
    It deletes every row at once, which old and new code alike may still rely on, and it takes
    an ACCESS EXCLUSIVE lock that queues every read and write of the table behind it (and
    behind any long query already running). It is not MVCC-safe: concurrent transactions with
    an older snapshot see the table empty.

    ## Example
    ```sql
    TRUNCATE TABLE audit_events;
    ```

    ## Use instead
    Delete in batches, committing each one, so readers and writers are never blocked:
    ```sql
    -- miglint: no-transaction
    DO $$
    DECLARE
      batch_rows bigint;
    BEGIN
      LOOP
        DELETE FROM audit_events
        WHERE id IN (SELECT id FROM audit_events LIMIT 5000);
        GET DIAGNOSTICS batch_rows = ROW_COUNT;
        EXIT WHEN batch_rows = 0;
        RAISE NOTICE 'audit_events: % more rows deleted', batch_rows;
        COMMIT;
      END LOOP;
    END $$;
    ```
    """

    code = "MG206"
    name = "truncate-table"
    level = Level.WARNING
    dimension = Dimension.BACKWARD_COMPATIBILITY
    operations = (TruncateTableOp,)

    def check(self, ctx: RuleContext) -> Iterator[Finding]:
        """One finding per existing table truncated."""
        for step in ctx.steps_of(TruncateTableOp):
            op = step.op
            if not isinstance(op, TruncateTableOp) or step.is_new(op.table):
                continue
            yield self.finding(
                ctx,
                step,
                f"TRUNCATE {op.table} deletes every row under an ACCESS EXCLUSIVE lock; delete in "
                "committed batches instead",
                by_framework(
                    ctx,
                    sql="run DELETE … WHERE id IN (SELECT id … LIMIT n) in a loop that commits each batch",
                    alembic="inside op.get_context().autocommit_block(), run DELETE … WHERE id IN "
                    "(SELECT id … LIMIT n) repeatedly so each batch commits",
                    django="delete in batches from RunPython (pk slices, each committed) in a "
                    "migration with atomic = False",
                ),
            )
