"""MG108 rewriting-default."""

from __future__ import annotations

from collections.abc import Iterator

from miglint.context import RuleContext
from miglint.findings import Finding, Level
from miglint.ir.ops import AddColumn, ColumnDef
from miglint.rubric import Dimension
from miglint.rules._base import Rule
from miglint.rules._hints import by_framework

#: The first PostgreSQL release that stores a constant default without rewriting the table.
INSTANT_DEFAULT_FROM = 11
_SERIAL_TYPES = frozenset({"serial", "bigserial", "smallserial", "serial2", "serial4", "serial8"})


_PLAIN_THEN_BACKFILL = "add the column without it, then SET DEFAULT and backfill in batches"


def rewrite_reason(column: ColumnDef, pg_version: int) -> tuple[str, str] | None:
    """Why adding ``column`` to a populated table rewrites it, and the safe alternative.

    None when adding it is a metadata-only change.
    """
    if column.generated_stored:
        return (
            "a stored generated column is computed for every existing row",
            "add a plain column, fill it with a trigger for new rows and backfill in batches",
        )
    if column.identity:
        return (
            "an identity column is filled for every existing row",
            "add a plain bigint column, backfill it in batches, then ALTER COLUMN … ADD "
            "GENERATED … AS IDENTITY",
        )
    if column.serial or column.type.strip().lower() in _SERIAL_TYPES:
        return (
            "a serial column's nextval() default is evaluated for every existing row",
            "add a plain bigint column, SET DEFAULT nextval(…) and backfill in batches",
        )
    if column.default_volatile:
        return (
            f"the volatile default {column.default} is evaluated for every existing row",
            _PLAIN_THEN_BACKFILL,
        )
    default = (column.default or "").strip()
    if pg_version < INSTANT_DEFAULT_FROM and default and default.upper() != "NULL":
        return (
            f"before PostgreSQL {INSTANT_DEFAULT_FROM} (pg_version = {pg_version}) any default "
            f"({default}) is written into every existing row",
            _PLAIN_THEN_BACKFILL,
        )
    return None


class RewritingDefault(Rule):
    """ADD COLUMN whose default or generation rewrites the whole table.

    ## What it does
    Reports `ALTER TABLE … ADD COLUMN` on a table that already exists when the new column has
    a volatile default (`random()`, `gen_random_uuid()`, `clock_timestamp()`, …), is
    an identity or serial column, or is a stored generated column; and, when `pg_version` is
    below 11, any non-NULL default. Constant and stable defaults (`0`, `'x'`, `now()`) are
    evaluated once and stored in the catalogue from PostgreSQL 11, so they are not reported.

    ## Why is this bad?
    PostgreSQL must compute the value for every existing row, so it rewrites the table and
    its indexes under an ACCESS EXCLUSIVE lock: no reads or writes until it is done.

    ## Example
    ```sql
    ALTER TABLE orders ADD COLUMN token uuid DEFAULT gen_random_uuid();
    ```

    ## Use instead
    ```sql
    ALTER TABLE orders ADD COLUMN token uuid;
    ALTER TABLE orders ALTER COLUMN token SET DEFAULT gen_random_uuid();
    -- then backfill the existing rows in batches
    ```
    Adding the column without a default is instant; setting the default afterwards only
    affects new rows; existing rows are backfilled in small batches.
    """

    code = "MG108"
    name = "rewriting-default"
    level = Level.ERROR
    dimension = Dimension.ZERO_DOWNTIME
    dialects = frozenset({"postgres"})
    operations = (AddColumn,)

    def check(self, ctx: RuleContext) -> Iterator[Finding]:
        """Flag ADD COLUMN on existing tables that forces a table rewrite."""
        for step in ctx.steps_of(AddColumn):
            op = step.op
            if not isinstance(op, AddColumn) or step.is_new(op.table):
                continue
            judged = rewrite_reason(op.column, ctx.pg_version)
            if judged is None:
                continue
            reason, instead = judged
            yield self.finding(
                ctx,
                step,
                f"adding {op.table}.{op.column.name} rewrites the table under an ACCESS EXCLUSIVE "
                f"lock: {reason}; {instead}",
                by_framework(
                    ctx,
                    sql="ADD COLUMN without default (instant); ALTER COLUMN … SET DEFAULT for new "
                    "rows; backfill existing rows in batches",
                    alembic=f'op.add_column("{op.table}", sa.Column("{op.column.name}", ..., '
                    "nullable=True)) without server_default (instant); then "
                    f'op.alter_column("{op.table}", "{op.column.name}", server_default=...) for new '
                    "rows; backfill existing rows in batches",
                    django="AddField with null=True and no db_default (instant); then AlterField "
                    "with db_default=... for new rows; backfill existing rows with RunPython in "
                    "batches (atomic = False)",
                ),
            )
