"""MG501 non-idempotent-statement."""

from __future__ import annotations

from collections.abc import Iterator

from miglint.context import RuleContext
from miglint.findings import Finding, Level
from miglint.ir.migration import Framework
from miglint.ir.ops import (
    AddColumn,
    CreateIndex,
    CreateTable,
    DropColumn,
    DropConstraint,
    DropIndex,
    DropTable,
    EnumChange,
    Operation,
)
from miglint.rubric import Dimension
from miglint.rules._base import Rule

#: The operations :func:`_unguarded` knows a guard for.
_GUARDABLE = (
    CreateTable,
    CreateIndex,
    AddColumn,
    DropTable,
    DropIndex,
    DropColumn,
    DropConstraint,
    EnumChange,
)
#: Statements whose IF [NOT] EXISTS guard each dialect supports (MySQL 8 has none for
#: indexes, columns or constraints; SQLite none for columns). Unknown dialects: all.
_GUARDED: dict[str, tuple[type[Operation], ...]] = {
    "mysql": (CreateTable, DropTable),
    "sqlite": (CreateTable, DropTable, CreateIndex, DropIndex),
}


def _unguarded(op: Operation) -> tuple[str, str] | None:
    """(what the statement does, the guarded spelling) for a statement without its guard."""
    match op:
        case CreateTable(if_not_exists=False):
            return f"CREATE TABLE {op.table}", f"CREATE TABLE IF NOT EXISTS {op.table}"
        case CreateIndex(if_not_exists=False):
            name = op.name or "<name>"
            what = f"CREATE INDEX {op.name + ' ' if op.name else ''}ON {op.table}"
            return what, f"CREATE INDEX IF NOT EXISTS {name} ON {op.table}"
        case AddColumn(if_not_exists=False):
            return (
                f"ADD COLUMN {op.table}.{op.column.name}",
                f"ALTER TABLE {op.table} ADD COLUMN IF NOT EXISTS {op.column.name}",
            )
        case DropTable(if_exists=False):
            return f"DROP TABLE {op.table}", f"DROP TABLE IF EXISTS {op.table}"
        case DropIndex(if_exists=False):
            return f"DROP INDEX {op.name}", f"DROP INDEX IF EXISTS {op.name}"
        case DropColumn(if_exists=False):
            return (
                f"DROP COLUMN {op.table}.{op.column}",
                f"ALTER TABLE {op.table} DROP COLUMN IF EXISTS {op.column}",
            )
        case DropConstraint(if_exists=False):
            return (
                f"DROP CONSTRAINT {op.name} on {op.table}",
                f"ALTER TABLE {op.table} DROP CONSTRAINT IF EXISTS {op.name}",
            )
        case EnumChange(action="add_value", if_not_exists=False):
            value = f"'{op.value.strip(chr(39))}'" if op.value else "…"
            return (
                f"ALTER TYPE {op.type_name} ADD VALUE {value}",
                f"ALTER TYPE {op.type_name} ADD VALUE IF NOT EXISTS {value}",
            )
        case _:
            return None


class NonIdempotentStatement(Rule):
    """Raw SQL CREATE / DROP / ADD without IF [NOT] EXISTS.

    ## What it does
    Notes each `CREATE TABLE`, `CREATE INDEX`, `ADD COLUMN` and PostgreSQL `ALTER TYPE … ADD
    VALUE` without `IF NOT EXISTS`, and each `DROP TABLE`, `DROP INDEX`, `DROP COLUMN` and
    `DROP CONSTRAINT` without `IF EXISTS`, in raw SQL migrations, where the dialect has the
    guard (MySQL 8 has it only for tables). Alembic and Django record what was applied and
    are not checked.

    ## Why is this bad?
    A raw SQL migration that fails halfway (outside a transaction, or on MySQL where DDL
    commits implicitly) has to be run again. Unguarded statements then fail on what the
    first run already did, and someone has to finish the migration by hand.

    ## Example
    ```sql
    CREATE TABLE notes (id bigint PRIMARY KEY, body text);
    ```

    ## Use instead
    ```sql
    CREATE TABLE IF NOT EXISTS notes (id bigint PRIMARY KEY, body text);
    ```
    """

    code = "MG501"
    name = "non-idempotent-statement"
    level = Level.NOTE
    dimension = Dimension.TESTING
    operations = _GUARDABLE

    def check(self, ctx: RuleContext) -> Iterator[Finding]:
        """Note each unguarded CREATE / DROP / ADD of a raw SQL migration."""
        if ctx.migration.framework is not Framework.SQL:
            return
        dialect = ctx.dialect
        supported = _GUARDED.get(dialect)
        for step in ctx.steps_of(*_GUARDABLE):
            if supported is not None and not isinstance(step.op, supported):
                continue
            if dialect != "postgres" and isinstance(step.op, EnumChange):
                continue
            found = _unguarded(step.op)
            if found is None:
                continue
            what, guarded = found
            yield self.finding(
                ctx,
                step,
                f"{what} fails when the migration runs a second time; use {guarded}",
                "guard each statement so a migration that stopped halfway can simply be re-run",
            )
