"""MG104 foreign-key-validates."""

from __future__ import annotations

from collections.abc import Iterator

from miglint.context import RuleContext
from miglint.findings import Finding, Level
from miglint.ir.ops import AddConstraint, ConstraintKind
from miglint.rubric import Dimension
from miglint.rules._base import Rule
from miglint.rules._hints import by_framework, py_list


class ForeignKeyValidates(Rule):
    """ADD FOREIGN KEY on an existing table without NOT VALID.

    ## What it does
    Reports `ALTER TABLE … ADD [CONSTRAINT …] FOREIGN KEY` on a table that already exists when
    the constraint is not added `NOT VALID`.

    ## Why is this bad?
    Adding a foreign key checks every existing row against the referenced table while holding
    SHARE ROW EXCLUSIVE locks on *both* tables: writes to either table are blocked for the
    whole scan. Adding it `NOT VALID` is instant (new rows are checked from then on), and
    `VALIDATE CONSTRAINT` later checks the old rows under a lock that lets reads and writes go
    on.

    ## Example
    ```sql
    ALTER TABLE orders ADD CONSTRAINT orders_customer_fk
        FOREIGN KEY (customer_id) REFERENCES customers (id);
    ```

    ## Use instead
    ```sql
    ALTER TABLE orders ADD CONSTRAINT orders_customer_fk
        FOREIGN KEY (customer_id) REFERENCES customers (id) NOT VALID;
    -- later, in its own transaction or migration:
    ALTER TABLE orders VALIDATE CONSTRAINT orders_customer_fk;
    ```
    In Alembic, `op.create_foreign_key(..., postgresql_not_valid=True)`, then
    `op.execute("ALTER TABLE orders VALIDATE CONSTRAINT orders_customer_fk")` in a later
    revision. In Django, add the field with `db_constraint=False`, add the constraint
    `NOT VALID` with `RunSQL`, and validate it in a later migration.
    """

    code = "MG104"
    name = "foreign-key-validates"
    level = Level.ERROR
    dimension = Dimension.ZERO_DOWNTIME
    dialects = frozenset({"postgres"})
    operations = (AddConstraint,)

    def check(self, ctx: RuleContext) -> Iterator[Finding]:
        """Flag validated foreign keys added to tables that are not new."""
        for step in ctx.steps_of(AddConstraint):
            op = step.op
            if (
                not isinstance(op, AddConstraint)
                or op.constraint is not ConstraintKind.FOREIGN_KEY
                or op.not_valid
                or step.is_new(op.table)
            ):
                continue
            name = f" {op.name}" if op.name else ""
            cols = f" ({', '.join(op.columns)})" if op.columns else ""
            ref = f" and {op.references}" if op.references and op.references != op.table else ""
            yield self.finding(
                ctx,
                step,
                f"foreign key{name} on {op.table}{cols} checks every existing row while blocking "
                f"writes to {op.table}{ref}; add it NOT VALID, then VALIDATE CONSTRAINT in a "
                "separate transaction",
                by_framework(
                    ctx,
                    sql="ADD CONSTRAINT … FOREIGN KEY … NOT VALID; COMMIT; then ALTER TABLE … "
                    "VALIDATE CONSTRAINT …, which only takes SHARE UPDATE EXCLUSIVE",
                    alembic=f'op.create_foreign_key("{op.name or "fk_name"}", "{op.table}", '
                    f'"{op.references or "referenced_table"}", {py_list(op.columns)}, [...], '
                    'postgresql_not_valid=True); then, in a later revision, op.execute("ALTER TABLE '
                    f'{op.table} VALIDATE CONSTRAINT {op.name or "fk_name"}"), which only takes '
                    "SHARE UPDATE EXCLUSIVE",
                    django="add the ForeignKey with db_constraint=False; add the constraint with "
                    f'RunSQL("ALTER TABLE {op.table} ADD CONSTRAINT … FOREIGN KEY … NOT VALID", '
                    'reverse_sql=…); in a later migration RunSQL("ALTER TABLE … VALIDATE CONSTRAINT '
                    '…") and AlterField(db_constraint=True) as its state_operations',
                ),
            )
