"""MG202 drop-column."""

from __future__ import annotations

from collections.abc import Iterator

from miglint.context import RuleContext
from miglint.findings import Finding, Level
from miglint.ir.ops import AddColumn
from miglint.ir.ops import DropColumn as DropColumnOp
from miglint.rubric import Dimension
from miglint.rules._base import Rule
from miglint.rules._hints import by_framework


class DropColumn(Rule):
    """Dropping a column that old code may still read or write.

    ## What it does
    Flags `ALTER TABLE … DROP COLUMN` on a table that already exists. Columns of a table
    created earlier in the same migration (or by another unreleased migration), and columns
    added earlier in the same migration, are exempt.

    ## Why is this bad?
    During a deploy the old code keeps running against the new schema: every query that
    selects, inserts or updates the column fails the moment it is gone (ORMs select every
    mapped column, so even code that never uses it breaks). The data is gone too, so rolling
    back the code does not help. It is a breaking schema change without expand-contract
    (seed anti-pattern T2).

    ## Example
    ```sql
    ALTER TABLE accounts DROP COLUMN legacy_flag;
    ```

    ## Use instead
    Contract in releases. First release: code stops reading the column; then code stops
    writing it (Django: remove the field from the model state only with
    `SeparateDatabaseAndState`), and the column must accept rows that omit it:
    ```sql
    SET lock_timeout = '5s';
    ALTER TABLE accounts ALTER COLUMN legacy_flag DROP NOT NULL;
    ```
    A later release, once no deployed code mentions the column, drops it, with the reason on
    record:
    ```sql
    SET lock_timeout = '5s';
    -- miglint: ignore[MG202] contract step: no code reads or writes legacy_flag since v2.3
    ALTER TABLE accounts DROP COLUMN legacy_flag;
    ```
    """

    code = "MG202"
    name = "drop-column"
    level = Level.ERROR
    dimension = Dimension.BACKWARD_COMPATIBILITY
    operations = (DropColumnOp,)

    def check(self, ctx: RuleContext) -> Iterator[Finding]:
        """One finding per column dropped from an existing table."""
        added: set[tuple[str, str]] = set()
        for step in ctx.steps_of(AddColumn, DropColumnOp):
            op = step.op
            if isinstance(op, AddColumn):
                added.add((op.table, op.column.name))
                continue
            if not isinstance(op, DropColumnOp) or step.is_new(op.table):
                continue
            if (op.table, op.column) in added:
                continue
            yield self.finding(
                ctx,
                step,
                f"dropping column {op.table}.{op.column} breaks code that still reads or writes "
                "it; stop reading, then stop writing it, and drop it in a later release",
                by_framework(
                    ctx,
                    sql="expand-contract: remove every use of the column in one release (Django: "
                    "SeparateDatabaseAndState), drop it in the next",
                    alembic="remove the column from the SQLAlchemy model (and every query) in one "
                    f'release; op.drop_column("{op.table}", "{op.column}") in a later revision',
                    django="first SeparateDatabaseAndState(state_operations=[migrations.RemoveField("
                    "...)]) so the code stops using the column (make it null=True first if it is "
                    "required); RemoveField for real in a later release",
                ),
            )
