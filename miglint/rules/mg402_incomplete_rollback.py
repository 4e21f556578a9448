"""MG402 incomplete-rollback."""

from __future__ import annotations

from collections.abc import Iterator

from miglint.context import RuleContext
from miglint.findings import Finding, Level
from miglint.ir.inverse import not_undone
from miglint.ir.migration import Framework
from miglint.ir.ops import (
    AddColumn,
    AddConstraint,
    AlterColumnType,
    CreateIndex,
    CreateTable,
    DropColumn,
    DropConstraint,
    DropIndex,
    DropNotNull,
    EnumChange,
    Irreversible,
    Opaque,
    Operation,
    ParseError,
    RenameColumn,
    RenameTable,
    SetDefault,
    SetNotNull,
)
from miglint.rubric import Dimension
from miglint.rules._base import Rule
from miglint.rules.mg401_missing_rollback import effective_rollback


def describe(op: Operation) -> str:
    """What an operation changes, for messages: ``add-column users.email``."""
    match op:
        case AddColumn():
            target = f"{op.table}.{op.column.name}"
        case RenameColumn():
            target = f"{op.table}.{op.column} -> {op.new_name}"
        case DropColumn() | AlterColumnType() | SetNotNull() | DropNotNull() | SetDefault():
            target = f"{op.table}.{op.column}"
        case RenameTable():
            target = f"{op.table} -> {op.new_name}"
        case AddConstraint():
            target = f"{op.name or op.constraint.value.replace('_', ' ')} on {op.table}"
        case DropConstraint():
            target = f"{op.name} on {op.table}"
        case CreateIndex():
            target = f"{op.name} on {op.table}" if op.name else f"index on {op.table}"
        case DropIndex():
            target = op.name
        case EnumChange():
            target = f"{op.type_name} ({op.action.replace('_', ' ')} {op.value or ''})".replace(" )", ")")
        case _:
            target = ", ".join(op.tables())
    return f"{op.kind_name} {target}".rstrip()


def sql_inverse(op: Operation) -> str | None:
    """The SQL statement that undoes ``op``, when it is simple to state."""
    match op:
        case CreateTable():
            return f"DROP TABLE {op.table};"
        case AddColumn():
            return f"ALTER TABLE {op.table} DROP COLUMN {op.column.name};"
        case RenameColumn():
            return f"ALTER TABLE {op.table} RENAME COLUMN {op.new_name} TO {op.column};"
        case RenameTable():
            return f"ALTER TABLE {op.new_name} RENAME TO {op.table};"
        case SetNotNull():
            return f"ALTER TABLE {op.table} ALTER COLUMN {op.column} DROP NOT NULL;"
        case DropNotNull():
            return f"ALTER TABLE {op.table} ALTER COLUMN {op.column} SET NOT NULL;"
        case AddConstraint() if op.name:
            return f"ALTER TABLE {op.table} DROP CONSTRAINT {op.name};"
        case CreateIndex() if op.name:
            return f"DROP INDEX {'CONCURRENTLY ' if op.concurrently else ''}{op.name};"
        case AlterColumnType() if op.old_type:
            return f"ALTER TABLE {op.table} ALTER COLUMN {op.column} TYPE {op.old_type};"
        case _:
            return None


def alembic_inverse(op: Operation) -> str | None:
    """The Alembic ``op.*`` call that undoes ``op``, when it is simple to state."""
    match op:
        case CreateTable():
            return f'op.drop_table("{op.table}")'
        case AddColumn():
            return f'op.drop_column("{op.table}", "{op.column.name}")'
        case RenameColumn():
            return f'op.alter_column("{op.table}", "{op.new_name}", new_column_name="{op.column}")'
        case RenameTable():
            return f'op.rename_table("{op.new_name}", "{op.table}")'
        case SetNotNull():
            return f'op.alter_column("{op.table}", "{op.column}", nullable=True)'
        case DropNotNull():
            return f'op.alter_column("{op.table}", "{op.column}", nullable=False)'
        case AddConstraint() if op.name:
            return f'op.drop_constraint("{op.name}", "{op.table}")'
        case CreateIndex() if op.name:
            return f'op.drop_index("{op.name}", table_name="{op.table}")'
        case DropIndex() if op.definition is not None and op.definition.table:
            d = op.definition
            unique = ", unique=True" if d.unique else ""
            cols = ", ".join(f'"{c}"' for c in d.columns)
            return f'op.create_index("{op.name}", "{d.table}", [{cols}]{unique})'
        case _:
            return None


#: Rollback operations that make the rollback MG401's (irreversible) or unreadable.
_NOT_JUDGED = (Irreversible, Opaque, ParseError)
#: Where each framework's rollback is written.
_WHERE = {Framework.ALEMBIC: "downgrade()", Framework.DJANGO: "the RunSQL's reverse_sql"}


class IncompleteRollback(Rule):
    """A rollback that does not undo every change of the upgrade.

    ## What it does
    Compares the rollback with the upgrade through the IR's inverses (`ADD COLUMN` is undone
    by `DROP COLUMN` of that column, `CREATE INDEX` by `DROP INDEX`, a rename by the rename
    back, …) and reports each upgrade operation that nothing in the rollback undoes.
    Dropping a table in the rollback undoes everything the upgrade did to it. Data changes
    and settings are not required to be undone. A rollback that contains code miglint cannot
    read (a Python function, unparseable SQL) is not judged.

    ## Why is this bad?
    A partial rollback leaves the schema in a state that matches neither version: the next
    deploy of the migration fails (the column already exists) and old code may trip over
    leftovers such as a NOT NULL column it does not fill.

    ## Example
    ```sql
    -- migrate:up
    ALTER TABLE users ADD COLUMN email text;
    ALTER TABLE users ADD COLUMN phone text;

    -- migrate:down
    ALTER TABLE users DROP COLUMN phone;
    ```

    ## Use instead
    ```sql
    -- migrate:up
    ALTER TABLE users ADD COLUMN email text;
    ALTER TABLE users ADD COLUMN phone text;

    -- migrate:down
    ALTER TABLE users DROP COLUMN phone;
    ALTER TABLE users DROP COLUMN email;
    ```
    """

    code = "MG402"
    name = "incomplete-rollback"
    level = Level.WARNING
    dimension = Dimension.ROLLBACK_PLAN

    def check(self, ctx: RuleContext) -> Iterator[Finding]:
        """One finding per upgrade operation the rollback leaves in place."""
        migration = ctx.migration
        # Missing, empty and irreversible rollbacks are MG401's; unreadable ones are not judged.
        if not migration.rollback:
            return
        rollback = effective_rollback(ctx)
        for op in rollback:  # (a loop: any() over a generator costs more for these few)
            if isinstance(op, _NOT_JUDGED):
                return
        if not rollback:
            return
        alembic = migration.framework is Framework.ALEMBIC
        where = _WHERE.get(migration.framework, "the rollback")
        for op in not_undone(migration.upgrade, rollback):
            fix = alembic_inverse(op) if alembic else sql_inverse(op)
            help_ = (
                f"add `{fix}` to {where}"
                if fix
                else f"make {where} undo {describe(op)} (re-create or restore what it changes)"
            )
            yield self.finding(ctx, op, f"rollback does not undo {describe(op)}", help_)
