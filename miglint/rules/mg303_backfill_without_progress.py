"""MG303 backfill-without-progress."""

from __future__ import annotations

from collections.abc import Iterator

from miglint.context import RuleContext
from miglint.findings import Finding, Level
from miglint.ir.ops import DataChange
from miglint.rubric import Dimension
from miglint.rules._base import Rule
from miglint.rules._hints import by_framework


class BackfillWithoutProgress(Rule):
    """A batched backfill that reports no progress.

    ## What it does
    Notes a batched data change (a bounded `UPDATE`/`DELETE` in a loop, or a batched data
    migration in code) on an existing table that never reports how far it got: no
    `RAISE NOTICE`/`RAISE INFO`/`RAISE LOG` in the loop, no logging or printing in code.
    Tables created in the same migration (or by another unreleased migration) are exempt.

    ## Why is this bad?
    A backfill of a large table can run for hours. Without progress output nobody can tell a
    slow run from a stuck one, estimate when it will end, or know where an interrupted run
    stopped; the seed's checklist asks for monitoring of migration progress.

    ## Example
    ```sql
    -- miglint: no-transaction
    DO $$
    DECLARE
      batch_rows bigint;
    BEGIN
      LOOP
        UPDATE accounts SET region = 'eu'
        WHERE id IN (SELECT id FROM accounts WHERE region IS NULL LIMIT 1000);
        GET DIAGNOSTICS batch_rows = ROW_COUNT;
        EXIT WHEN batch_rows = 0;
        COMMIT;
      END LOOP;
    END $$;
    ```

    ## Use instead
    ```sql
    -- miglint: no-transaction
    DO $$
    DECLARE
      batch_rows bigint;
      total bigint := 0;
    BEGIN
      LOOP
        UPDATE accounts SET region = 'eu'
        WHERE id IN (SELECT id FROM accounts WHERE region IS NULL LIMIT 1000);
        GET DIAGNOSTICS batch_rows = ROW_COUNT;
        EXIT WHEN batch_rows = 0;
        total := total + batch_rows;
        RAISE NOTICE 'accounts.region: % rows backfilled', total;
        COMMIT;
      END LOOP;
    END $$;
    ```
    """

    code = "MG303"
    name = "backfill-without-progress"
    level = Level.NOTE
    dimension = Dimension.MONITORING
    operations = (DataChange,)

    def check(self, ctx: RuleContext) -> Iterator[Finding]:
        """One note per batched data change on an existing table that reports nothing."""
        for step in ctx.steps_of(DataChange):
            op = step.op
            if not isinstance(op, DataChange) or not op.batched or op.reports_progress:
                continue
            if op.table and step.is_new(op.table):
                continue
            target = op.table or "the table"
            yield self.finding(
                ctx,
                step,
                f"batched backfill of {target} reports no progress; RAISE NOTICE (or log) the "
                "rows done after each batch",
                by_framework(
                    ctx,
                    sql="add RAISE NOTICE 'done: % rows', total; after each batch (in code: log it)",
                    alembic="log or print the running total after each batch in upgrade() (the "
                    "loop runs inside op.get_context().autocommit_block())",
                    django="print or log the running total after each batch in the RunPython "
                    "function (the migration has atomic = False so batches commit)",
                ),
            )
