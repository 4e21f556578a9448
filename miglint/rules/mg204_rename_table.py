"""MG204 rename-table."""

from __future__ import annotations

import re
from collections.abc import Iterator

from miglint.context import RuleContext, Step
from miglint.findings import Finding, Level
from miglint.ir.ops import RenameTable as RenameTableOp
from miglint.ir.ops import norm_name
from miglint.rubric import Dimension
from miglint.rules._base import Rule
from miglint.rules._hints import by_framework

_CREATE_VIEW = re.compile(
    r"^\s*CREATE\s+(?:OR\s+REPLACE\s+)?(?:TEMP(?:ORARY)?\s+)?(?:RECURSIVE\s+)?VIEW\s+"
    r"(?:IF\s+NOT\s+EXISTS\s+)?((?:\"[^\"]+\"|\w+)(?:\s*\.\s*(?:\"[^\"]+\"|\w+))?)",
    re.IGNORECASE,
)


def created_view(text: str) -> str | None:
    """The normalised name of the view a ``CREATE VIEW`` statement creates, else None."""
    m = _CREATE_VIEW.match(text)
    if m is None:
        return None
    parts = [p.strip() for p in m.group(1).split(".")]
    name = ".".join(p[1:-1] if p.startswith('"') else p.lower() for p in parts)
    return norm_name(name, quoted=True)


def _view_keeps_old_name(steps: tuple[Step, ...], after: int, old_name: str) -> bool:
    """Whether a later statement of the migration creates a view named ``old_name``."""
    # Front ends keep CREATE VIEW as an Opaque operation; its text is what tells.
    return any(created_view(s.op.text) == old_name for s in steps[after + 1 :])


class RenameTable(Rule):
    """Renaming an existing table.

    ## What it does
    Flags `ALTER TABLE … RENAME TO` of a table that already exists. A table created earlier
    in the same migration (or by another unreleased migration) is exempt, and so is a rename
    followed, in the same migration, by `CREATE VIEW <old name>` — the updatable-view trick
    that keeps the old name working.

    ## Why is this bad?
    Every query of the code running during the deploy names the old table and fails from the
    moment the rename commits until each instance runs the new code (and again on a code
    rollback). It is a breaking schema change without expand-contract (seed anti-pattern T2).

    ## Example
    ```sql
    ALTER TABLE customers RENAME TO clients;
    ```

    ## Use instead
    Rename and, in the same transaction, leave a simple view under the old name: PostgreSQL
    can insert, update and delete through it, so old code keeps working. Drop the view once
    no deployed code uses the old name.
    ```sql
    BEGIN;
    SET LOCAL lock_timeout = '5s';
    ALTER TABLE customers RENAME TO clients;
    CREATE VIEW customers AS SELECT * FROM clients;
    COMMIT;
    ```
    Where a view will not do (triggers, partitioning, `COPY` into the table), create the new
    table, dual-write from the application, backfill in batches, switch reads, and drop the
    old table in a later release.
    """

    code = "MG204"
    name = "rename-table"
    level = Level.ERROR
    dimension = Dimension.BACKWARD_COMPATIBILITY
    operations = (RenameTableOp,)

    def check(self, ctx: RuleContext) -> Iterator[Finding]:
        """One finding per existing table renamed without a view left under its old name."""
        for step in ctx.steps_of(RenameTableOp):
            op = step.op
            if not isinstance(op, RenameTableOp) or step.is_new(op.table):
                continue
            if _view_keeps_old_name(ctx.steps, step.index, op.table):
                continue
            yield self.finding(
                ctx,
                step,
                f"renaming table {op.table} to {op.new_name} breaks code that still uses the old "
                f"name; in the same transaction create a view {op.table} over {op.new_name}, or "
                "dual-write to a new table",
                by_framework(
                    ctx,
                    sql="rename and CREATE VIEW <old name> AS SELECT * FROM <new name> in one "
                    "transaction; drop the view in a later release",
                    alembic=f'op.rename_table("{op.table}", "{op.new_name}") then op.execute("CREATE '
                    f'VIEW {op.table} AS SELECT * FROM {op.new_name}") in the same revision; drop '
                    "the view in a later revision",
                    django=f'keep the table: give the renamed model Meta db_table = "{op.table}" so '
                    'the rename is state-only; or follow it with RunSQL("CREATE VIEW '
                    f'{op.table} AS SELECT * FROM {op.new_name}") in the same migration and drop '
                    "the view in a later release",
                ),
            )
