"""MG203 rename-column."""

from __future__ import annotations

from collections.abc import Iterator

from miglint.context import RuleContext
from miglint.findings import Finding, Level
from miglint.ir.ops import AddColumn
from miglint.ir.ops import RenameColumn as RenameColumnOp
from miglint.rubric import Dimension
from miglint.rules._base import Rule
from miglint.rules._hints import by_framework


class RenameColumn(Rule):
    """Renaming a column of an existing table.

    ## What it does
    Flags `ALTER TABLE … RENAME COLUMN` on a table that already exists. Columns of a table
    created earlier in the same migration (or by another unreleased migration), and columns
    added earlier in the same migration, are exempt.

    ## Why is this bad?
    The code running during the deploy still uses the old name: each of its queries that
    mentions the column fails from the moment the rename commits until every instance runs
    the new code, and a code rollback fails the same way. It is a breaking schema change
    without expand-contract (seed anti-pattern T2).

    ## Example
    ```sql
    ALTER TABLE users RENAME COLUMN email TO email_address;
    ```

    ## Use instead
    Add the new column and keep both in step while old and new code run side by side:
    ```sql
    SET lock_timeout = '5s';
    ALTER TABLE users ADD COLUMN email_address text;
    CREATE FUNCTION users_sync_email() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      NEW.email_address := COALESCE(NEW.email_address, NEW.email);
      NEW.email := COALESCE(NEW.email, NEW.email_address);
      RETURN NEW;
    END $$;
    CREATE TRIGGER users_sync_email BEFORE INSERT OR UPDATE ON users
      FOR EACH ROW EXECUTE FUNCTION users_sync_email();
    ```
    Backfill the old rows in batches, then deploy code that reads and writes the new column:
    ```sql
    -- miglint: no-transaction
    DO $$
    DECLARE
      batch_rows bigint;
    BEGIN
      LOOP
        UPDATE users SET email_address = email
        WHERE id IN (SELECT id FROM users WHERE email_address IS NULL AND email IS NOT NULL
                     LIMIT 1000);
        GET DIAGNOSTICS batch_rows = ROW_COUNT;
        EXIT WHEN batch_rows = 0;
        RAISE NOTICE 'users.email_address: % more rows copied', batch_rows;
        COMMIT;
      END LOOP;
    END $$;
    ```
    In a later release, once no deployed code uses the old name, drop the trigger and the old
    column.
    """

    code = "MG203"
    name = "rename-column"
    level = Level.ERROR
    dimension = Dimension.BACKWARD_COMPATIBILITY
    operations = (RenameColumnOp,)

    def check(self, ctx: RuleContext) -> Iterator[Finding]:
        """One finding per column of an existing table renamed."""
        added: set[tuple[str, str]] = set()
        for step in ctx.steps_of(AddColumn, RenameColumnOp):
            op = step.op
            if isinstance(op, AddColumn):
                added.add((op.table, op.column.name))
                continue
            if not isinstance(op, RenameColumnOp) or step.is_new(op.table):
                continue
            if (op.table, op.column) in added:
                added.add((op.table, op.new_name))
                continue
            yield self.finding(
                ctx,
                step,
                f"renaming {op.table}.{op.column} to {op.new_name} breaks code that still uses "
                "the old name; add the new column, dual-write, backfill, switch reads, then drop "
                "the old one",
                by_framework(
                    ctx,
                    sql="expand-contract: add the new column with a sync trigger, backfill in "
                    "batches, move reads and writes, drop the old column in a later release",
                    alembic=f'op.add_column("{op.table}", sa.Column("{op.new_name}", ...)); write '
                    "both columns from the code (or a sync trigger via op.execute); backfill in "
                    f'batches; move reads; op.drop_column("{op.table}", "{op.column}") in a later '
                    "revision",
                    django="keep the column: rename only the field with db_column="
                    f'"{op.column}"; or AddField the new field, write both from the code, backfill '
                    "with RunPython in batches, switch reads, and remove the old field in a later "
                    "release (SeparateDatabaseAndState first)",
                ),
            )
