"""MG205 drop-table."""

from __future__ import annotations

from collections.abc import Iterator

from miglint.context import RuleContext
from miglint.findings import Finding, Level
from miglint.ir.ops import DropTable as DropTableOp
from miglint.rubric import Dimension
from miglint.rules._base import Rule
from miglint.rules._hints import by_framework


class DropTable(Rule):
    """Dropping an existing table.

    ## What it does
    Flags `DROP TABLE` of a table that already exists: one created by an older migration, or
    one this history never created (it was there before). A table created earlier in the same
    migration (or by another unreleased migration) is exempt.

    ## Why is this bad?
    Code still deployed during the rollout reads and writes the table and fails as soon as it
    is gone; a code rollback cannot bring the data back. It is a breaking schema change
    without expand-contract (seed anti-pattern T2).

    ## Example
    ```sql
    DROP TABLE legacy_sessions;
    ```

    ## Use instead
    Stop every reference to the table in one release, keep a backup (for example
    `pg_dump --table=legacy_sessions`), and drop it in a later release with the reason on
    record:
    ```sql
    SET lock_timeout = '5s';
    -- miglint: ignore[MG205] contract step: unused since v2.3, dump in s3://backups/legacy_sessions
    DROP TABLE legacy_sessions;
    ```
    """

    code = "MG205"
    name = "drop-table"
    level = Level.ERROR
    dimension = Dimension.BACKWARD_COMPATIBILITY
    operations = (DropTableOp,)

    def check(self, ctx: RuleContext) -> Iterator[Finding]:
        """One finding per existing table dropped."""
        for step in ctx.steps_of(DropTableOp):
            op = step.op
            if not isinstance(op, DropTableOp) or step.is_new(op.table):
                continue
            yield self.finding(
                ctx,
                step,
                f"dropping table {op.table} breaks code that still uses it and loses its data; "
                "stop all references, back it up, and drop it in a later release",
                by_framework(
                    ctx,
                    sql="expand-contract: remove every use of the table in one release, back it up, "
                    "drop it in the next",
                    alembic="remove the model and every query of the table in one release; back it "
                    f'up; op.drop_table("{op.table}") in a later revision',
                    django="first SeparateDatabaseAndState(state_operations=[migrations.DeleteModel("
                    "...)]) so the code stops using the table; back it up; drop it in a later "
                    f'release (RunSQL("DROP TABLE {op.table}") or DeleteModel)',
                ),
            )
