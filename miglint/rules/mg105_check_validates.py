"""MG105 check-validates."""

from __future__ import annotations

from collections.abc import Iterator

from miglint.context import RuleContext
from miglint.findings import Finding, Level
from miglint.ir.ops import AddConstraint, ConstraintKind
from miglint.rubric import Dimension
from miglint.rules._base import Rule
from miglint.rules._hints import PG_OPERATIONS, by_framework


class CheckValidates(Rule):
    """ADD CHECK on an existing table without NOT VALID.

    ## What it does
    Reports `ALTER TABLE … ADD [CONSTRAINT …] CHECK (…)` on a table that already exists when
    the constraint is not added `NOT VALID`.

    ## Why is this bad?
    Adding a CHECK constraint scans the whole table to verify every row while holding an
    ACCESS EXCLUSIVE lock: no reads and no writes until the scan ends. Adding it `NOT VALID`
    is instant, and `VALIDATE CONSTRAINT` then checks the old rows under a SHARE UPDATE
    EXCLUSIVE lock that lets traffic through.

    ## Example
    ```sql
    ALTER TABLE orders ADD CONSTRAINT orders_amount_positive CHECK (amount > 0);
    ```

    ## Use instead
    ```sql
    ALTER TABLE orders ADD CONSTRAINT orders_amount_positive CHECK (amount > 0) NOT VALID;
    -- later, in its own transaction or migration:
    ALTER TABLE orders VALIDATE CONSTRAINT orders_amount_positive;
    ```
    In Alembic, `op.create_check_constraint(..., postgresql_not_valid=True)`, then
    `op.execute("ALTER TABLE orders VALIDATE CONSTRAINT orders_amount_positive")` in a later
    revision. In Django, `AddConstraintNotValid`, then `ValidateConstraint` in a later
    migration (both from `django.contrib.postgres.operations`).
    """

    code = "MG105"
    name = "check-validates"
    level = Level.ERROR
    dimension = Dimension.ZERO_DOWNTIME
    dialects = frozenset({"postgres"})
    operations = (AddConstraint,)

    def check(self, ctx: RuleContext) -> Iterator[Finding]:
        """Flag validated CHECK constraints added to tables that are not new."""
        for step in ctx.steps_of(AddConstraint):
            op = step.op
            if (
                not isinstance(op, AddConstraint)
                or op.constraint is not ConstraintKind.CHECK
                or op.not_valid
                or step.is_new(op.table)
            ):
                continue
            name = f" {op.name}" if op.name else ""
            expr = f" ({op.expression})" if op.expression else ""
            yield self.finding(
                ctx,
                step,
                f"CHECK constraint{name}{expr} on {op.table} scans every row under an ACCESS "
                "EXCLUSIVE lock; add it NOT VALID, then VALIDATE CONSTRAINT in a separate "
                "transaction",
                by_framework(
                    ctx,
                    sql="ADD CONSTRAINT … CHECK (…) NOT VALID; COMMIT; then ALTER TABLE … VALIDATE "
                    "CONSTRAINT …, which lets reads and writes go on",
                    alembic=f'op.create_check_constraint("{op.name or "ck_name"}", "{op.table}", '
                    '"…", postgresql_not_valid=True); then, in a later revision, op.execute("ALTER '
                    f'TABLE {op.table} VALIDATE CONSTRAINT {op.name or "ck_name"}"), which lets reads '
                    "and writes go on",
                    django=f"from {PG_OPERATIONS} import AddConstraintNotValid, ValidateConstraint; "
                    "AddConstraintNotValid(model_name=..., constraint=models.CheckConstraint(...)), "
                    f'then ValidateConstraint(model_name=..., name="{op.name or "..."}") in a later '
                    "migration",
                ),
            )
