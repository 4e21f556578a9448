"""MG201 add-required-column."""

from __future__ import annotations

from collections.abc import Iterator

from miglint.context import RuleContext
from miglint.findings import Finding, Level
from miglint.ir.ops import AddColumn, ColumnDef
from miglint.rubric import Dimension
from miglint.rules._base import Rule
from miglint.rules._hints import by_framework


def is_required_without_value(column: ColumnDef) -> bool:
    """Whether existing rows would get no value for a NOT NULL (or primary key) column."""
    if column.nullable and not column.primary_key:
        return False
    return column.default is None and not (column.identity or column.serial or column.generated_stored)


class AddRequiredColumn(Rule):
    """ADD COLUMN NOT NULL without a default on an existing table.

    ## What it does
    Flags `ALTER TABLE … ADD COLUMN … NOT NULL` (or `PRIMARY KEY`) with no `DEFAULT` and no
    identity, serial or generated value, on a table that already exists. A table created
    earlier in the same migration (or by another unreleased migration) is exempt: it has no
    rows and no readers yet.

    ## Why is this bad?
    On a table that has rows the statement fails outright ("column contains null values").
    Where it succeeds (an empty table today), every INSERT from the code still running — which
    does not know the new column — is rejected until the new code is deployed. It is a breaking
    schema change without expand-contract (seed anti-pattern T2).

    ## Example
    ```sql
    ALTER TABLE accounts ADD COLUMN region text NOT NULL;
    ```

    ## Use instead
    Expand in steps. First add the column nullable (a constant default is also instant from
    PostgreSQL 11) and deploy code that writes it:
    ```sql
    SET lock_timeout = '5s';
    ALTER TABLE accounts ADD COLUMN region text;
    ```
    Then backfill the old rows in batches, committing each one (outside a transaction block):
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
    Finally enforce NOT NULL through a CHECK constraint validated without blocking writes
    (PostgreSQL 12+ then sets NOT NULL without scanning the table):
    ```sql
    SET lock_timeout = '5s';
    ALTER TABLE accounts ADD CONSTRAINT accounts_region_not_null
      CHECK (region IS NOT NULL) NOT VALID;
    ALTER TABLE accounts VALIDATE CONSTRAINT accounts_region_not_null;
    ALTER TABLE accounts ALTER COLUMN region SET NOT NULL;
    ALTER TABLE accounts DROP CONSTRAINT accounts_region_not_null;
    ```
    """

    code = "MG201"
    name = "add-required-column"
    level = Level.ERROR
    dimension = Dimension.BACKWARD_COMPATIBILITY
    operations = (AddColumn,)

    def check(self, ctx: RuleContext) -> Iterator[Finding]:
        """One finding per required column added to an existing table."""
        for step in ctx.steps_of(AddColumn):
            op = step.op
            if not isinstance(op, AddColumn) or step.is_new(op.table):
                continue
            if not is_required_without_value(op.column):
                continue
            yield self.finding(
                ctx,
                step,
                f"NOT NULL column {op.table}.{op.column.name} is added without a default: it fails "
                "on a non-empty table and breaks old code's INSERTs; add it nullable, backfill in "
                "batches, then enforce NOT NULL",
                by_framework(
                    ctx,
                    sql="add the column nullable, backfill in batches, add CHECK (col IS NOT NULL) "
                    "NOT VALID, VALIDATE it, then SET NOT NULL",
                    alembic=f'op.add_column("{op.table}", sa.Column("{op.column.name}", ..., '
                    "nullable=True)) or with server_default=... (SQLAlchemy's default= is Python-side "
                    "only and gives existing rows nothing); backfill in batches; then enforce NOT "
                    "NULL through a validated CHECK and alter_column(nullable=False) (MG106)",
                    django="AddField with null=True first (or db_default=... on Django 5.0+, which "
                    "old code's INSERTs also get; default= is dropped from the database after the "
                    "migration); backfill with RunPython in batches; then AlterField(null=False) "
                    "after a validated CHECK (MG106)",
                ),
            )
