"""Schema so far: a lightweight state replayed over a migration history (like Django's ProjectState)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from miglint.ir.ops import (
    AddColumn,
    AddConstraint,
    AlterColumnType,
    ColumnDef,
    ConstraintKind,
    CreateIndex,
    CreateTable,
    DropColumn,
    DropConstraint,
    DropIndex,
    DropNotNull,
    DropTable,
    Operation,
    RenameColumn,
    RenameTable,
    SetDefault,
    SetNotNull,
    ValidateConstraint,
)

_NOT_NULL_CHECK = re.compile(r'^\(*\s*"?(\w+)"?\s+IS\s+NOT\s+NULL\s*\)*$', re.IGNORECASE)


def not_null_check_column(expression: str) -> str | None:
    """The column of a ``CHECK (col IS NOT NULL)`` expression, else None."""
    m = _NOT_NULL_CHECK.match(expression.strip())
    return m.group(1).lower() if m else None


#: Operation types seen to change nothing here (SET, BEGIN, data changes, …): about half of all
#: statements, which are then passed over at once instead of trying every case of ``apply``.
#: (The cases test the type alone, so a type that matched none never will.)
_PASSED_OVER: set[type[Operation]] = set()


@dataclass
class ColumnState:
    """What is known of a column."""

    type: str = ""
    nullable: bool = True
    default: str | None = None


@dataclass
class ConstraintState:
    """What is known of a constraint."""

    kind: ConstraintKind
    validated: bool
    expression: str = ""
    columns: tuple[str, ...] = ()


@dataclass
class TableState:
    """What is known of a table, and which migration created it."""

    created_in: str
    columns: dict[str, ColumnState] = field(default_factory=dict[str, ColumnState])
    constraints: dict[str, ConstraintState] = field(default_factory=dict[str, ConstraintState])


@dataclass
class SchemaState:
    """Tables, columns, constraints and indexes known from the migrations replayed so far."""

    tables: dict[str, TableState] = field(default_factory=dict[str, TableState])
    index_tables: dict[str, str] = field(default_factory=dict[str, str])

    def copy(self) -> SchemaState:
        """A deep copy."""
        return SchemaState(
            tables={
                name: TableState(
                    created_in=t.created_in,
                    columns={c: ColumnState(s.type, s.nullable, s.default) for c, s in t.columns.items()},
                    constraints={
                        c: ConstraintState(s.kind, s.validated, s.expression, s.columns)
                        for c, s in t.constraints.items()
                    },
                )
                for name, t in self.tables.items()
            },
            index_tables=dict(self.index_tables),
        )

    def column(self, table: str, column: str) -> ColumnState | None:
        """The known state of ``table.column``, or None."""
        t = self.tables.get(table)
        return t.columns.get(column) if t else None

    def has_validated_not_null_check(self, table: str, column: str) -> bool:
        """Whether a validated ``CHECK (column IS NOT NULL)`` exists on ``table``."""
        t = self.tables.get(table)
        if t is None:
            return False
        return any(
            c.kind is ConstraintKind.CHECK and c.validated and not_null_check_column(c.expression) == column
            for c in t.constraints.values()
        )

    def apply(self, op: Operation, path: str) -> None:
        """Replay one operation of the migration at ``path``."""
        if type(op) in _PASSED_OVER:
            return
        # The cases are type tests tried in turn (no operation is of two of these types): the
        # most frequent kinds of statement come first.
        match op:
            case AddColumn():
                self._table(op.table, path).columns[op.column.name] = _column_state(op.column)
            case AddConstraint():
                constraints = self._table(op.table, path).constraints
                name = op.name or f"{op.table}_{op.constraint}_{len(constraints)}"
                constraints[name] = ConstraintState(
                    op.constraint, not op.not_valid, op.expression, op.columns
                )
            case CreateIndex():
                if op.name:
                    self.index_tables[op.name] = op.table
            case ValidateConstraint():
                c = self._table(op.table, path).constraints.get(op.name)
                if c is not None:
                    c.validated = True
            case SetNotNull():
                self._col(op.table, op.column, path).nullable = False
            case CreateTable():
                self.tables[op.table] = TableState(
                    created_in=path, columns={c.name: _column_state(c) for c in op.columns}
                )
            case DropConstraint():
                self._table(op.table, path).constraints.pop(op.name, None)
            case DropColumn():
                self._table(op.table, path).columns.pop(op.column, None)
            case AlterColumnType():
                self._col(op.table, op.column, path).type = op.new_type
            case SetDefault():
                self._col(op.table, op.column, path).default = op.default
            case DropNotNull():
                self._col(op.table, op.column, path).nullable = True
            case DropIndex():
                self.index_tables.pop(op.name, None)
            case RenameColumn():
                cols = self._table(op.table, path).columns
                if op.column in cols:
                    cols[op.new_name] = cols.pop(op.column)
            case DropTable():
                self.tables.pop(op.table, None)
            case RenameTable():
                t = self.tables.pop(op.table, None)
                if t is not None:
                    self.tables[op.new_name] = t
            case _:
                _PASSED_OVER.add(type(op))

    def _table(self, table: str, path: str) -> TableState:
        # A table first seen in an ALTER was created outside the linted history: it exists.
        # (get before creating: a TableState is built only when the table is unknown.)
        t = self.tables.get(table)
        if t is None:
            t = self.tables[table] = TableState(created_in="")
        return t

    def _col(self, table: str, column: str, path: str) -> ColumnState:
        columns = self._table(table, path).columns
        c = columns.get(column)
        if c is None:
            c = columns[column] = ColumnState()
        return c


def _column_state(c: ColumnDef) -> ColumnState:
    return ColumnState(type=c.type, nullable=c.nullable and not c.primary_key, default=c.default)
