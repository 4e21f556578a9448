"""The change IR: small immutable operations that know their inverse.

Equality ignores the source location and statement text, so "does this downgrade undo that
upgrade?" is a comparison of operations (see :func:`miglint.ir.inverse.undone_by`).
Table and column names are normalised by :func:`norm_name` (lower-cased unless quoted,
``public.`` stripped) by every front end.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field, fields
from typing import Any, ClassVar, TypeVar

from miglint.findings import Location
from miglint.frozen import build

NOWHERE = Location("<unknown>")

_Op = TypeVar("_Op", bound="Operation")
#: Each operation type's fields in declaration order, with their defaults (dataclasses.MISSING if none).
_FIELD_DEFAULTS: dict[type[Operation], dict[str, Any]] = {}


def norm_name(name: str, *, quoted: bool = False) -> str:
    """Normalise an identifier the way PostgreSQL folds it; drop a ``public.`` schema."""
    name = name.strip()
    if not quoted:
        name = name.lower()
    if name.startswith("public."):
        name = name[len("public.") :]
    return name


class LockMode(enum.IntEnum):
    """PostgreSQL table lock modes, weakest first."""

    NONE = 0
    ACCESS_SHARE = 1
    ROW_EXCLUSIVE = 3
    SHARE_UPDATE_EXCLUSIVE = 4
    SHARE = 5
    SHARE_ROW_EXCLUSIVE = 6
    EXCLUSIVE = 7
    ACCESS_EXCLUSIVE = 8


class ConstraintKind(enum.StrEnum):
    """Kinds of table constraint."""

    CHECK = "check"
    FOREIGN_KEY = "foreign_key"
    UNIQUE = "unique"
    PRIMARY_KEY = "primary_key"
    EXCLUSION = "exclusion"
    NOT_NULL = "not_null"


class DataChangeKind(enum.StrEnum):
    """Kinds of data-changing statement."""

    UPDATE = "update"
    DELETE = "delete"
    INSERT_SELECT = "insert_select"
    INSERT_VALUES = "insert_values"
    MERGE = "merge"
    COPY = "copy"
    PYTHON = "python"


class TimeoutKind(enum.StrEnum):
    """Session settings that bound how long a migration waits or runs."""

    LOCK = "lock_timeout"
    STATEMENT = "statement_timeout"
    IDLE_IN_TRANSACTION = "idle_in_transaction_session_timeout"
    MYSQL_LOCK_WAIT = "lock_wait_timeout"


class TransactionAction(enum.StrEnum):
    """Explicit transaction control statements."""

    BEGIN = "begin"
    COMMIT = "commit"
    ROLLBACK = "rollback"
    SAVEPOINT = "savepoint"
    OTHER = "other"


class MaintenanceKind(enum.StrEnum):
    """Maintenance commands that lock or rewrite a table."""

    VACUUM_FULL = "vacuum_full"
    VACUUM = "vacuum"
    ANALYZE = "analyze"
    CLUSTER = "cluster"
    REINDEX = "reindex"
    REFRESH_MATERIALIZED_VIEW = "refresh_materialized_view"
    LOCK_TABLE = "lock_table"
    SET_TABLESPACE = "set_tablespace"


@dataclass(frozen=True, kw_only=True)
class ColumnDef:
    """A column definition as far as it is known statically."""

    name: str
    type: str = ""
    nullable: bool = True
    default: str | None = None
    default_volatile: bool = False
    identity: bool = False
    serial: bool = False
    generated_stored: bool = False
    primary_key: bool = False
    unique: bool = False
    references: str | None = None


@dataclass(frozen=True, kw_only=True)
class Operation:
    """Base of every IR operation: a location and the statement/call text, both ignored by ==."""

    location: Location = field(default=NOWHERE, compare=False, repr=False)
    text: str = field(default="", compare=False, repr=False)
    # Dialect-specific clauses that do not change what the operation is (e.g. MySQL
    # "ALGORITHM=INSTANT", "LOCK=NONE"); upper-case, ignored by ==.
    clauses: frozenset[str] = field(default=frozenset[str](), compare=False, repr=False)

    #: Whether a complete rollback must undo this operation (settings and data changes need not).
    needs_undo: ClassVar[bool] = True
    #: Short kebab-case kind used in messages and docs.
    kind_name: ClassVar[str] = "operation"

    def inverse(self) -> Operation | None:
        """The operation that undoes this one, or None when it cannot be known statically."""
        return None

    def tables(self) -> tuple[str, ...]:
        """Tables this operation touches."""
        table = getattr(self, "table", None)
        return (table,) if isinstance(table, str) and table else ()

    def lock(self) -> LockMode:
        """The strongest table lock this operation takes on PostgreSQL."""
        return LockMode.ACCESS_EXCLUSIVE

    def at(self, location: Location, text: str | None = None) -> Operation:
        """A copy of this operation placed at ``location``."""
        # Every operation read is placed once: copying the fields is ~5x cheaper than
        # dataclasses.replace(), which validates and runs __init__ again for what is already valid.
        copy = object.__new__(type(self))
        fields = copy.__dict__
        fields.update(self.__dict__)
        fields["location"] = location
        if text is not None:
            fields["text"] = text
        return copy


def _built(cls: type[_Op], **values: Any) -> _Op:
    """``cls(**values)``, given every field without a default, built without ``__init__``.

    :meth:`Operation.inverse` makes a new operation for each upgrade operation MG402 compares
    with a rollback: filling the fields directly is ~2.5x cheaper than the frozen dataclass
    ``__init__`` (one ``object.__setattr__`` per field) and gives the same object, fields in
    the same order (operations have no ``default_factory`` and no ``__post_init__``).
    """
    defaults = _FIELD_DEFAULTS.get(cls)
    if defaults is None:
        defaults = _FIELD_DEFAULTS[cls] = {f.name: f.default for f in fields(cls)}
    return build(cls, **{**defaults, **values})


# --- tables -------------------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class CreateTable(Operation):
    """CREATE TABLE (or a model/table created by a framework)."""

    table: str
    columns: tuple[ColumnDef, ...] = ()
    if_not_exists: bool = field(default=False, compare=False)
    as_select: bool = False
    kind_name: ClassVar[str] = "create-table"

    def inverse(self) -> Operation | None:
        """DROP TABLE of the same table (carrying this definition, so it inverts back)."""
        return _built(DropTable, table=self.table, definition=self)

    def lock(self) -> LockMode:
        """A new table blocks nobody."""
        return LockMode.NONE


@dataclass(frozen=True, kw_only=True)
class DropTable(Operation):
    """DROP TABLE; its inverse is known only when the definition is."""

    table: str
    if_exists: bool = field(default=False, compare=False)
    cascade: bool = field(default=False, compare=False)
    definition: CreateTable | None = field(default=None, compare=False)
    kind_name: ClassVar[str] = "drop-table"

    def inverse(self) -> Operation | None:
        """The table's CREATE TABLE when its definition is known."""
        return self.definition


@dataclass(frozen=True, kw_only=True)
class RenameTable(Operation):
    """ALTER TABLE … RENAME TO."""

    table: str
    new_name: str
    kind_name: ClassVar[str] = "rename-table"

    def inverse(self) -> Operation | None:
        """Rename back."""
        return _built(RenameTable, table=self.new_name, new_name=self.table)

    def tables(self) -> tuple[str, ...]:
        """Both names."""
        return (self.table, self.new_name)


# --- columns ------------------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class AddColumn(Operation):
    """ALTER TABLE … ADD COLUMN."""

    table: str
    column: ColumnDef
    if_not_exists: bool = field(default=False, compare=False)
    kind_name: ClassVar[str] = "add-column"

    def inverse(self) -> Operation | None:
        """DROP COLUMN of the same column."""
        return _built(DropColumn, table=self.table, column=self.column.name, definition=self.column)


@dataclass(frozen=True, kw_only=True)
class DropColumn(Operation):
    """ALTER TABLE … DROP COLUMN; its inverse is known only when the definition is."""

    table: str
    column: str
    if_exists: bool = field(default=False, compare=False)
    definition: ColumnDef | None = field(default=None, compare=False)
    kind_name: ClassVar[str] = "drop-column"

    def inverse(self) -> Operation | None:
        """ADD COLUMN with the old definition, when known."""
        if self.definition is None:
            return None
        return _built(AddColumn, table=self.table, column=self.definition)


@dataclass(frozen=True, kw_only=True)
class RenameColumn(Operation):
    """ALTER TABLE … RENAME COLUMN."""

    table: str
    column: str
    new_name: str
    kind_name: ClassVar[str] = "rename-column"

    def inverse(self) -> Operation | None:
        """Rename back."""
        return _built(RenameColumn, table=self.table, column=self.new_name, new_name=self.column)


@dataclass(frozen=True, kw_only=True)
class AlterColumnType(Operation):
    """ALTER COLUMN … TYPE; ``old_type`` comes from history when known."""

    table: str
    column: str
    new_type: str
    using: str | None = None
    old_type: str | None = field(default=None, compare=False)
    kind_name: ClassVar[str] = "alter-column-type"

    def inverse(self) -> Operation | None:
        """Change the type back, when the old type is known."""
        if self.old_type is None:
            return None
        return _built(
            AlterColumnType,
            table=self.table,
            column=self.column,
            new_type=self.old_type,
            old_type=self.new_type,
        )


@dataclass(frozen=True, kw_only=True)
class SetNotNull(Operation):
    """ALTER COLUMN … SET NOT NULL."""

    table: str
    column: str
    kind_name: ClassVar[str] = "set-not-null"

    def inverse(self) -> Operation | None:
        """DROP NOT NULL."""
        return _built(DropNotNull, table=self.table, column=self.column)


@dataclass(frozen=True, kw_only=True)
class DropNotNull(Operation):
    """ALTER COLUMN … DROP NOT NULL."""

    table: str
    column: str
    kind_name: ClassVar[str] = "drop-not-null"

    def inverse(self) -> Operation | None:
        """SET NOT NULL."""
        return _built(SetNotNull, table=self.table, column=self.column)


@dataclass(frozen=True, kw_only=True)
class SetDefault(Operation):
    """ALTER COLUMN … SET DEFAULT (``default`` None means DROP DEFAULT)."""

    table: str
    column: str
    default: str | None
    volatile: bool = False
    old_default: str | None = field(default=None, compare=False)
    kind_name: ClassVar[str] = "set-default"

    def inverse(self) -> Operation | None:
        """Restore the previous default (dropping it when there was none)."""
        return _built(
            SetDefault,
            table=self.table,
            column=self.column,
            default=self.old_default,
            old_default=self.default,
        )


# --- constraints and indexes --------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class AddConstraint(Operation):
    """ALTER TABLE … ADD CONSTRAINT."""

    table: str
    name: str | None
    constraint: ConstraintKind
    columns: tuple[str, ...] = ()
    not_valid: bool = False
    using_index: str | None = None
    expression: str = field(default="", compare=False)
    references: str | None = None
    kind_name: ClassVar[str] = "add-constraint"

    def inverse(self) -> Operation | None:
        """DROP CONSTRAINT of the same name."""
        if self.name is None:
            return None
        return _built(DropConstraint, table=self.table, name=self.name, definition=self)

    def lock(self) -> LockMode:
        """Foreign keys take SHARE ROW EXCLUSIVE; the others ACCESS EXCLUSIVE."""
        if self.constraint is ConstraintKind.FOREIGN_KEY:
            return LockMode.SHARE_ROW_EXCLUSIVE
        return LockMode.ACCESS_EXCLUSIVE

    def tables(self) -> tuple[str, ...]:
        """The table, and the referenced table of a foreign key."""
        return (self.table, self.references) if self.references else (self.table,)


@dataclass(frozen=True, kw_only=True)
class ValidateConstraint(Operation):
    """ALTER TABLE … VALIDATE CONSTRAINT (takes SHARE UPDATE EXCLUSIVE only)."""

    table: str
    name: str
    needs_undo: ClassVar[bool] = False
    kind_name: ClassVar[str] = "validate-constraint"

    def lock(self) -> LockMode:
        """Validation lets reads and writes go on."""
        return LockMode.SHARE_UPDATE_EXCLUSIVE


@dataclass(frozen=True, kw_only=True)
class DropConstraint(Operation):
    """ALTER TABLE … DROP CONSTRAINT; its inverse is known only when the definition is."""

    table: str
    name: str
    if_exists: bool = field(default=False, compare=False)
    definition: AddConstraint | None = field(default=None, compare=False)
    kind_name: ClassVar[str] = "drop-constraint"

    def inverse(self) -> Operation | None:
        """The ADD CONSTRAINT, when known."""
        return self.definition


@dataclass(frozen=True, kw_only=True)
class CreateIndex(Operation):
    """CREATE [UNIQUE] INDEX [CONCURRENTLY]."""

    name: str | None
    table: str
    columns: tuple[str, ...] = ()
    unique: bool = False
    concurrently: bool = False
    if_not_exists: bool = field(default=False, compare=False)
    where: str | None = field(default=None, compare=False)
    kind_name: ClassVar[str] = "create-index"

    def inverse(self) -> Operation | None:
        """DROP INDEX of the same name (concurrently when created so)."""
        if self.name is None:
            return None
        return _built(
            DropIndex, name=self.name, table=self.table, concurrently=self.concurrently, definition=self
        )

    def lock(self) -> LockMode:
        """SHARE blocks writes; CONCURRENTLY takes SHARE UPDATE EXCLUSIVE."""
        return LockMode.SHARE_UPDATE_EXCLUSIVE if self.concurrently else LockMode.SHARE


@dataclass(frozen=True, kw_only=True)
class DropIndex(Operation):
    """DROP INDEX [CONCURRENTLY]; ``table`` is known when the front end can tell."""

    name: str
    table: str = field(default="", compare=False)
    concurrently: bool = field(default=False, compare=False)
    if_exists: bool = field(default=False, compare=False)
    definition: CreateIndex | None = field(default=None, compare=False)
    kind_name: ClassVar[str] = "drop-index"

    def inverse(self) -> Operation | None:
        """The CREATE INDEX, when known."""
        return self.definition

    def lock(self) -> LockMode:
        """ACCESS EXCLUSIVE unless CONCURRENTLY."""
        return LockMode.SHARE_UPDATE_EXCLUSIVE if self.concurrently else LockMode.ACCESS_EXCLUSIVE


# --- data, settings, transactions, maintenance ----------------------------------------------


@dataclass(frozen=True, kw_only=True)
class DataChange(Operation):
    """UPDATE / DELETE / INSERT … SELECT / MERGE / COPY, or a data migration in code."""

    change: DataChangeKind
    table: str
    has_where: bool = False
    batched: bool = False
    reports_progress: bool = False
    needs_undo: ClassVar[bool] = False
    kind_name: ClassVar[str] = "data-change"

    def lock(self) -> LockMode:
        """Row locks only, but held until the statement (or transaction) ends."""
        return LockMode.ROW_EXCLUSIVE


@dataclass(frozen=True, kw_only=True)
class TruncateTable(Operation):
    """TRUNCATE."""

    table: str
    needs_undo: ClassVar[bool] = False
    kind_name: ClassVar[str] = "truncate"


@dataclass(frozen=True, kw_only=True)
class SetTimeout(Operation):
    """SET [LOCAL] lock_timeout / statement_timeout (or MySQL lock_wait_timeout)."""

    timeout: TimeoutKind
    value: str
    local: bool = False
    needs_undo: ClassVar[bool] = False
    kind_name: ClassVar[str] = "set-timeout"

    @property
    def disables(self) -> bool:
        """Whether the value switches the timeout off (0 or DEFAULT)."""
        return self.value.strip().strip("'\"").lower() in {"0", "default", "0s", "0ms"}

    def lock(self) -> LockMode:
        """Settings lock nothing."""
        return LockMode.NONE


@dataclass(frozen=True, kw_only=True)
class TransactionControl(Operation):
    """BEGIN / COMMIT / ROLLBACK / SAVEPOINT."""

    action: TransactionAction
    needs_undo: ClassVar[bool] = False
    kind_name: ClassVar[str] = "transaction-control"

    def lock(self) -> LockMode:
        """Transaction control locks nothing."""
        return LockMode.NONE


@dataclass(frozen=True, kw_only=True)
class MaintenanceCommand(Operation):
    """VACUUM [FULL], CLUSTER, REINDEX, REFRESH MATERIALIZED VIEW, LOCK TABLE, SET TABLESPACE."""

    command: MaintenanceKind
    table: str = ""
    concurrently: bool = False
    needs_undo: ClassVar[bool] = False
    kind_name: ClassVar[str] = "maintenance"

    def lock(self) -> LockMode:
        """The lock each command takes."""
        if self.command in (MaintenanceKind.VACUUM, MaintenanceKind.ANALYZE):
            return LockMode.SHARE_UPDATE_EXCLUSIVE
        if self.concurrently and self.command is MaintenanceKind.REINDEX:
            return LockMode.SHARE_UPDATE_EXCLUSIVE
        if self.concurrently and self.command is MaintenanceKind.REFRESH_MATERIALIZED_VIEW:
            return LockMode.EXCLUSIVE
        if self.command is MaintenanceKind.REINDEX:
            # SHARE on the table (writes wait); the index itself is locked ACCESS EXCLUSIVE.
            return LockMode.SHARE
        return LockMode.ACCESS_EXCLUSIVE


@dataclass(frozen=True, kw_only=True)
class EnumChange(Operation):
    """CREATE TYPE … AS ENUM, ALTER TYPE … ADD/RENAME VALUE, DROP TYPE."""

    type_name: str
    action: str  # "create" | "add_value" | "rename_value" | "drop"
    value: str | None = None
    if_not_exists: bool = field(default=False, compare=False)
    kind_name: ClassVar[str] = "enum-change"

    def lock(self) -> LockMode:
        """Enum changes lock the type, not tables."""
        return LockMode.NONE

    def inverse(self) -> Operation | None:
        """Only creation has a known inverse (DROP TYPE)."""
        if self.action == "create":
            return _built(EnumChange, type_name=self.type_name, action="drop")
        return None


# --- what could not be modelled ---------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class Opaque(Operation):
    """Valid input that could not be modelled (reported as MG002 with ``reason``)."""

    reason: str
    needs_undo: ClassVar[bool] = False
    kind_name: ClassVar[str] = "opaque"

    def lock(self) -> LockMode:
        """Unknown: assume nothing."""
        return LockMode.NONE


@dataclass(frozen=True, kw_only=True)
class Harmless(Operation):
    """A recognised statement that changes no table's shape or rows (COMMENT ON, GRANT, SELECT…).

    ``statement`` names what it is (e.g. ``"comment"``, ``"create view"``); no rule fires on it
    and it is not reported as unrecognised.
    """

    statement: str
    needs_undo: ClassVar[bool] = False
    kind_name: ClassVar[str] = "harmless"

    def lock(self) -> LockMode:
        """Nothing a rule needs to care about."""
        return LockMode.NONE


@dataclass(frozen=True, kw_only=True)
class RawCode(Opaque):
    """Code run by the migration that is not SQL the front end can read (e.g. RunPython)."""

    language: str = "python"
    kind_name: ClassVar[str] = "raw-code"


@dataclass(frozen=True, kw_only=True)
class Irreversible(Operation):
    """A marker that the framework says this cannot be undone (reported by MG401 with ``reason``).

    Front ends put it in ``Migration.rollback`` (a downgrade that only raises, Alembic's
    irreversible migration) or in ``Migration.upgrade`` at an operation that has no reverse
    (Django ``RunPython`` without ``reverse_code``, ``RunSQL`` without ``reverse_sql``).
    """

    reason: str
    needs_undo: ClassVar[bool] = False
    kind_name: ClassVar[str] = "irreversible"

    def lock(self) -> LockMode:
        """A marker locks nothing."""
        return LockMode.NONE


@dataclass(frozen=True, kw_only=True)
class GraphProblem(Operation):
    """A marker that the migration's place in its history is broken (reported by MG004).

    Front ends that order migrations by a graph (Alembic revisions, Django dependencies) put it
    first in ``Migration.upgrade`` for a cycle, an unknown parent or a duplicate identifier.
    """

    problem: str
    needs_undo: ClassVar[bool] = False
    kind_name: ClassVar[str] = "graph-problem"

    def lock(self) -> LockMode:
        """A marker locks nothing."""
        return LockMode.NONE


@dataclass(frozen=True, kw_only=True)
class ParseError(Operation):
    """A statement or file that does not parse (reported as MG001)."""

    message: str
    needs_undo: ClassVar[bool] = False
    kind_name: ClassVar[str] = "parse-error"

    def lock(self) -> LockMode:
        """Unknown: assume nothing."""
        return LockMode.NONE


@dataclass(frozen=True, kw_only=True)
class InternalFailure(Operation):
    """A front end raised while reading this file (reported as MG000; the run goes on)."""

    message: str
    needs_undo: ClassVar[bool] = False
    kind_name: ClassVar[str] = "internal-failure"

    def lock(self) -> LockMode:
        """Unknown: assume nothing."""
        return LockMode.NONE


def is_table_lock(op: Operation) -> bool:
    """Whether ``op`` takes a lock that blocks reads or writes of an existing table."""
    return op.lock() >= LockMode.SHARE and bool(op.tables())
