"""MG301 unbatched-backfill."""

from __future__ import annotations

from collections.abc import Iterator

from miglint.context import RuleContext
from miglint.findings import Finding, Level
from miglint.ir.ops import DataChange, DataChangeKind
from miglint.rubric import Dimension
from miglint.rules._base import Rule
from miglint.rules._hints import by_framework

#: Data changes that can touch any number of existing rows in one statement.
BULK_KINDS = frozenset(
    {
        DataChangeKind.UPDATE,
        DataChangeKind.DELETE,
        DataChangeKind.INSERT_SELECT,
        DataChangeKind.MERGE,
        DataChangeKind.PYTHON,
    }
)

_VERB = {
    DataChangeKind.UPDATE: "UPDATE of",
    DataChangeKind.DELETE: "DELETE from",
    DataChangeKind.INSERT_SELECT: "INSERT … SELECT into",
    DataChangeKind.MERGE: "MERGE into",
    DataChangeKind.PYTHON: "data migration on",
}


class UnbatchedBackfill(Rule):
    """UPDATE / DELETE / INSERT … SELECT over an existing table in one statement.

    ## What it does
    Flags a data change — `UPDATE`, `DELETE`, `INSERT … SELECT`, `MERGE`, or a data migration
    in code (Django `RunPython`, Alembic `op.execute` of such SQL) — on a table that already
    exists, unless it is bounded into batches (a `LIMIT`- or key-range-bounded statement in a
    loop). A `WHERE` clause does not make it safe: it says which rows, not how many at once.
    `INSERT … VALUES` of a few literal rows, and tables created in the same migration (or by
    another unreleased migration), are exempt.

    ## Why is this bad?
    One statement over a large table locks every row it touches until it commits, blocking
    concurrent writers for minutes; it bloats the table and WAL, lags replicas, and cannot be
    resumed if it is cancelled half-way (seed anti-pattern T5, unbatched backfill).

    ## Example
    ```sql
    UPDATE accounts SET region = 'eu' WHERE region IS NULL;
    ```

    ## Use instead
    Process small batches in a loop, committing each one so locks are short and an interrupted
    run resumes where it stopped, and report progress:
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
        PERFORM pg_sleep(0.1);
      END LOOP;
    END $$;
    ```
    """

    code = "MG301"
    name = "unbatched-backfill"
    level = Level.ERROR
    dimension = Dimension.ZERO_DOWNTIME
    operations = (DataChange,)

    def check(self, ctx: RuleContext) -> Iterator[Finding]:
        """One finding per unbatched bulk data change on an existing table."""
        for step in ctx.steps_of(DataChange):
            op = step.op
            if not isinstance(op, DataChange) or op.change not in BULK_KINDS or op.batched:
                continue
            if op.table and step.is_new(op.table):
                continue
            target = op.table or "an existing table"
            yield self.finding(
                ctx,
                step,
                f"{_VERB[op.change]} {target} runs as one statement over all matching rows; "
                "process it in committed batches of bounded size",
                by_framework(
                    ctx,
                    sql="loop over batches (WHERE id IN (SELECT id … LIMIT n)), commit each, and "
                    "report progress",
                    alembic="batch the update inside op.get_context().autocommit_block() (WHERE id "
                    "IN (SELECT id … LIMIT n) until no row changes, each batch committed), or move "
                    "it to a revision of its own; log the rows done",
                    django="RunPython over pk ranges or slices (or .iterator(chunk_size=…)) with "
                    "bulk_update per batch, in a migration with atomic = False so each batch "
                    "commits; print the progress",
                ),
            )
