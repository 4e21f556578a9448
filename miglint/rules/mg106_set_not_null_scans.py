"""MG106 set-not-null-scans."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from miglint.context import RuleContext
from miglint.findings import Finding, Level
from miglint.ir.ops import (
    AddConstraint,
    ConstraintKind,
    DropConstraint,
    SetNotNull,
    ValidateConstraint,
)
from miglint.ir.state import not_null_check_column
from miglint.rubric import Dimension
from miglint.rules._base import Rule
from miglint.rules._hints import by_framework

#: The first PostgreSQL release where SET NOT NULL trusts a validated CHECK (col IS NOT NULL).
CHECK_SKIPS_SCAN_FROM = 12


@dataclass
class _Check:
    table: str
    column: str
    validated: bool


class SetNotNullScans(Rule):
    """SET NOT NULL on an existing column without a validated CHECK (col IS NOT NULL) first.

    ## What it does
    Reports `ALTER TABLE … ALTER COLUMN … SET NOT NULL` on a table that already exists unless
    a validated `CHECK (col IS NOT NULL)` constraint is known to exist: from an earlier
    migration in the history, or added `NOT VALID` and validated earlier in this one. From
    PostgreSQL 12 such a constraint lets `SET NOT NULL` skip its scan; before 12 nothing
    does (set `pg_version`).

    ## Why is this bad?
    `SET NOT NULL` scans the whole table to prove there is no NULL while holding an ACCESS
    EXCLUSIVE lock: no reads or writes for the duration of the scan.

    ## Example
    ```sql
    ALTER TABLE orders ALTER COLUMN customer_id SET NOT NULL;
    ```

    ## Use instead
    ```sql
    ALTER TABLE orders ADD CONSTRAINT orders_customer_id_not_null
        CHECK (customer_id IS NOT NULL) NOT VALID;
    ALTER TABLE orders VALIDATE CONSTRAINT orders_customer_id_not_null;
    ALTER TABLE orders ALTER COLUMN customer_id SET NOT NULL;
    ALTER TABLE orders DROP CONSTRAINT orders_customer_id_not_null;
    ```
    Run the VALIDATE in its own transaction (it only takes SHARE UPDATE EXCLUSIVE); the SET
    NOT NULL then uses the constraint instead of scanning, and the CHECK can be dropped.
    Alembic: `op.create_check_constraint(..., postgresql_not_valid=True)`, `op.execute("ALTER
    TABLE … VALIDATE CONSTRAINT …")`, then `op.alter_column(..., nullable=False)` and
    `op.drop_constraint(...)`. Django: `AddConstraintNotValid`, `ValidateConstraint`, then
    `AlterField(null=False)` and `RemoveConstraint`.
    """

    code = "MG106"
    name = "set-not-null-scans"
    level = Level.ERROR
    dimension = Dimension.ZERO_DOWNTIME
    dialects = frozenset({"postgres"})
    operations = (SetNotNull,)

    def check(self, ctx: RuleContext) -> Iterator[Finding]:
        """Flag SET NOT NULL that must scan an existing table."""
        checks: dict[tuple[str, str], _Check] = {}
        anonymous: list[_Check] = []
        dropped: set[tuple[str, str]] = set()
        for step in ctx.steps_of(AddConstraint, ValidateConstraint, DropConstraint, SetNotNull):
            op = step.op
            match op:
                case AddConstraint(constraint=ConstraintKind.CHECK):
                    column = not_null_check_column(op.expression)
                    if column is not None:
                        # A CHECK added to a new (empty) table is validated at once, cheaply.
                        found = _Check(op.table, column, not op.not_valid or step.is_new(op.table))
                        if op.name:
                            checks[(op.table, op.name)] = found
                            dropped.discard((op.table, op.name))
                        else:
                            anonymous.append(found)
                case ValidateConstraint() if (op.table, op.name) in checks:
                    checks[(op.table, op.name)].validated = True
                case ValidateConstraint():
                    schema_check = _schema_check(ctx, op.table, op.name)
                    if schema_check is not None:
                        checks[(op.table, op.name)] = _Check(op.table, schema_check, True)
                case DropConstraint():
                    checks.pop((op.table, op.name), None)
                    dropped.add((op.table, op.name))
                case SetNotNull():
                    # Constraints touched in this migration are tracked here, not in the history.
                    touched = {n for (t, n) in (*checks, *dropped) if t == op.table}
                    finding = self._check_set_not_null(
                        ctx, op, step.is_new(op.table), [*checks.values(), *anonymous], touched
                    )
                    if finding is not None:
                        yield finding
                case _:
                    pass

    def _check_set_not_null(
        self,
        ctx: RuleContext,
        op: SetNotNull,
        is_new: bool,
        checks: list[_Check],
        touched: set[str],
    ) -> Finding | None:
        if is_new:
            return None
        known = ctx.schema.column(op.table, op.column)
        if known is not None and not known.nullable:
            return None  # already NOT NULL: PostgreSQL does nothing
        has_check = any(
            c.table == op.table and c.column == op.column and c.validated for c in checks
        ) or _schema_has_check(ctx, op.table, op.column, exclude=touched)
        where = f"{op.table}.{op.column}"
        if ctx.pg_version < CHECK_SKIPS_SCAN_FROM:
            return self.finding(
                ctx,
                op,
                f"SET NOT NULL on {where} scans the whole table under an ACCESS EXCLUSIVE lock, "
                f"and before PostgreSQL {CHECK_SKIPS_SCAN_FROM} (pg_version = {ctx.pg_version}) "
                "even a validated CHECK cannot avoid it; keep a CHECK "
                f"({op.column} IS NOT NULL) NOT VALID + VALIDATE CONSTRAINT instead of SET NOT NULL",
                "on PostgreSQL < 12 enforce the rule with a validated CHECK constraint, or run "
                "SET NOT NULL in a maintenance window",
            )
        if has_check:
            return None
        check = f"{op.table}_{op.column}_not_null"
        return self.finding(
            ctx,
            op,
            f"SET NOT NULL on {where} scans the whole table under an ACCESS EXCLUSIVE lock; add "
            f"CHECK ({op.column} IS NOT NULL) NOT VALID and VALIDATE CONSTRAINT first",
            by_framework(
                ctx,
                sql="ADD CONSTRAINT c CHECK (col IS NOT NULL) NOT VALID; VALIDATE CONSTRAINT c (own "
                "transaction); SET NOT NULL (no scan from PostgreSQL 12); DROP CONSTRAINT c",
                alembic=f'op.create_check_constraint("{check}", "{op.table}", "{op.column} IS NOT '
                'NULL", postgresql_not_valid=True); in a later revision op.execute("ALTER TABLE '
                f'{op.table} VALIDATE CONSTRAINT {check}"), then op.alter_column("{op.table}", '
                f'"{op.column}", nullable=False) (no scan from PostgreSQL 12) and '
                f'op.drop_constraint("{check}", "{op.table}")',
                django=f"AddConstraintNotValid(model_name=..., constraint=models.CheckConstraint("
                f'check=models.Q({op.column}__isnull=False), name="{check}")); in a later migration '
                f'ValidateConstraint(model_name=..., name="{check}"), then AlterField(null=False) '
                "(no scan from PostgreSQL 12) and RemoveConstraint",
            ),
        )


def _schema_check(ctx: RuleContext, table: str, name: str) -> str | None:
    """The column of a NOT NULL check named ``name`` known from the history, else None."""
    t = ctx.schema.tables.get(table)
    c = t.constraints.get(name) if t else None
    if c is None or c.kind is not ConstraintKind.CHECK:
        return None
    return not_null_check_column(c.expression)


def _schema_has_check(ctx: RuleContext, table: str, column: str, *, exclude: set[str]) -> bool:
    """Whether the history left a validated CHECK (column IS NOT NULL) not touched here."""
    t = ctx.schema.tables.get(table)
    if t is None:
        return False
    return any(
        c.kind is ConstraintKind.CHECK
        and c.validated
        and name not in exclude
        and not_null_check_column(c.expression) == column
        for name, c in t.constraints.items()
    )
