"""Rollback checks as comparisons of operations."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

from miglint.ir.ops import (
    AddColumn,
    AddConstraint,
    AlterColumnType,
    ConstraintKind,
    CreateIndex,
    CreateTable,
    DropColumn,
    DropConstraint,
    DropIndex,
    DropNotNull,
    DropTable,
    EnumChange,
    Operation,
    SetDefault,
    SetNotNull,
)

_PG_SUFFIX = {
    ConstraintKind.UNIQUE: "key",
    ConstraintKind.FOREIGN_KEY: "fkey",
    ConstraintKind.CHECK: "check",
    ConstraintKind.EXCLUSION: "excl",
}


def _bare(name: str) -> str:
    """An object name without its schema qualifier."""
    return name.rsplit(".", 1)[-1]


def default_constraint_names(op: AddConstraint) -> frozenset[str]:
    """Names the database gives an unnamed constraint (PostgreSQL, and MySQL's PRIMARY / _ibfk_1).

    Used to match ``ADD FOREIGN KEY (x) …`` with ``DROP CONSTRAINT t_x_fkey`` in a rollback.
    """
    table = _bare(op.table)
    if op.constraint is ConstraintKind.PRIMARY_KEY:
        return frozenset({f"{table}_pkey", "primary"})
    suffix = _PG_SUFFIX.get(op.constraint)
    if suffix is None:
        return frozenset()
    names = {f"{table}_{'_'.join(op.columns)}_{suffix}"} if op.columns else {f"{table}_{suffix}"}
    if op.constraint is ConstraintKind.FOREIGN_KEY:
        names.add(f"{table}_ibfk_1")
    if op.constraint is ConstraintKind.UNIQUE and op.columns:
        names.add(op.columns[0])  # MySQL names a unique key after its first column
    return frozenset(names)


def _drops_constraint(candidate: DropConstraint | DropIndex, op: AddConstraint) -> bool:
    """A drop by name of a constraint added unnamed, or of a unique key's index (MySQL)."""
    tables = candidate.tables()
    if tables and _bare(tables[0]) != _bare(op.table):
        return False
    name = _bare(candidate.name).lower()
    if op.name is not None:
        # MySQL drops a UNIQUE / PRIMARY KEY constraint through its index.
        return (
            isinstance(candidate, DropIndex)
            and op.constraint in (ConstraintKind.UNIQUE, ConstraintKind.PRIMARY_KEY)
            and name == _bare(op.name).lower()
        )
    if name in default_constraint_names(op):
        return True
    # Without known columns, PostgreSQL's CHECK name is <table>_<column>_check.
    table = re.escape(_bare(op.table))
    return (
        op.constraint is ConstraintKind.CHECK
        and not op.columns
        and re.fullmatch(rf"{table}_\w+_check", name) is not None
    )


def undoes(candidate: Operation, op: Operation) -> bool:
    """Whether ``candidate`` (from a rollback) undoes ``op`` (from an upgrade)."""
    # (Operations of different types never compare equal; the type test skips their __eq__.)
    inverse = op.inverse()
    return (type(candidate) is type(inverse) and candidate == inverse) or _recreated(op, (candidate,))


#: The upgrade operations :func:`_recreated` has a case for (the others only their inverse undoes).
_RECREATABLE = (
    DropColumn,
    DropTable,
    DropIndex,
    CreateIndex,
    AddConstraint,
    EnumChange,
    DropConstraint,
    AlterColumnType,
    SetDefault,
)


def _recreated(op: Operation, rollback: Sequence[Operation]) -> bool:
    """Whether an operation of ``rollback`` undoes ``op`` other than by being its inverse."""
    if not isinstance(op, _RECREATABLE):
        return False  # one test instead of trying every case (ADD COLUMN, SET NOT NULL, …)
    # The inverse of a drop needs the state before it; a re-creation of the same object counts.
    # (One match on ``op``, then a look at the rollback: not a match per pair of operations.)
    match op:
        case DropColumn():
            return any(
                isinstance(r, AddColumn) and (r.table, r.column.name) == (op.table, op.column)
                for r in rollback
            )
        case DropTable():
            return any(isinstance(r, CreateTable) and r.table == op.table for r in rollback)
        case DropIndex():
            return any(
                isinstance(r, CreateIndex) and r.name is not None and _bare(r.name) == _bare(op.name)
                for r in rollback
            )
        case CreateIndex():
            return op.name is not None and any(
                isinstance(r, DropIndex) and _bare(r.name) == _bare(op.name) for r in rollback
            )
        case AddConstraint():
            return any(
                isinstance(r, (DropConstraint, DropIndex)) and _drops_constraint(r, op) for r in rollback
            )
        case EnumChange(action="add_value" | "rename_value"):
            # PostgreSQL cannot drop an enum value: a rollback re-creates the type instead.
            return any(
                isinstance(r, EnumChange) and r.action in ("create", "drop") and r.type_name == op.type_name
                for r in rollback
            )
        case DropConstraint():
            return any(
                isinstance(r, AddConstraint) and (r.table, r.name) == (op.table, op.name) for r in rollback
            )
        case AlterColumnType():
            return any(
                isinstance(r, AlterColumnType) and (r.table, r.column) == (op.table, op.column)
                for r in rollback
            )
        case SetDefault():
            return any(
                isinstance(r, SetDefault) and (r.table, r.column) == (op.table, op.column) for r in rollback
            )
        case _:
            return False


def _columns_of(op: Operation) -> tuple[str, ...]:
    """The columns an upgrade operation is about, for ops that live and die with their columns."""
    # (isinstance with a tuple is one test; a pattern with alternatives is one per alternative.)
    if isinstance(op, AddColumn):
        return (op.column.name,)  # (dropping it is also the inverse: found without building it)
    if isinstance(op, (AddConstraint, CreateIndex)):
        return op.columns
    if isinstance(op, (SetNotNull, DropNotNull, SetDefault, AlterColumnType)):
        return (op.column,)
    return ()


#: Upgrade operations that dropping their table in the rollback does not undo.
_NOT_UNDONE_BY_TABLE_DROP = (DropTable, DropIndex, DropConstraint, DropColumn, CreateTable)


def not_undone(upgrade: Sequence[Operation], rollback: Iterable[Operation]) -> list[Operation]:
    """The upgrade operations that need undoing and that no rollback operation undoes.

    Dropping a table in the rollback undoes everything the upgrade did to that table; dropping a
    column undoes the indexes, constraints, defaults and NOT NULL on that column alone.
    """
    rollback = list(rollback)
    dropped = {r.table for r in rollback if isinstance(r, DropTable)}
    dropped_columns = {(r.table, r.column) for r in rollback if isinstance(r, DropColumn)}
    # An inverse equals rollback operations of its own type alone: look only at those.
    by_type: dict[type[Operation], list[Operation]] = {}
    for r in rollback:
        by_type.setdefault(type(r), []).append(r)
    missing: list[Operation] = []
    for op in upgrade:
        if not op.needs_undo:
            continue
        if (dropped or dropped_columns) and not isinstance(op, _NOT_UNDONE_BY_TABLE_DROP):
            touched = op.tables()
            if touched and touched[0] in dropped:
                continue
            columns = _columns_of(op)
            if columns and touched and all((touched[0], c) in dropped_columns for c in columns):
                continue
        inverse = op.inverse()
        if inverse is not None and inverse in by_type.get(type(inverse), ()):
            continue
        if not _recreated(op, rollback):
            missing.append(op)
    return missing
