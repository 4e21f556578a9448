"""What a rule sees: the migration, the schema before it, and facts about each operation."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any, TypeVar

from miglint.config import Settings
from miglint.frozen import build
from miglint.ir.migration import Migration, Transaction
from miglint.ir.ops import (
    CreateTable,
    DropTable,
    Operation,
    RenameTable,
    SetTimeout,
    TimeoutKind,
    TransactionAction,
    TransactionControl,
)
from miglint.ir.state import SchemaState

T = TypeVar("T")


@dataclass(frozen=True)
class Step:
    """One upgrade operation with what is true just before it runs."""

    index: int
    op: Operation
    #: Whether the operation runs inside a transaction block.
    in_transaction: bool
    #: Tables created earlier in this migration (or by another unreleased migration of the change).
    new_tables: frozenset[str]
    #: Whether a (non-zero) lock_timeout / statement_timeout is in force.
    lock_timeout: bool
    statement_timeout: bool

    def is_new(self, table: str) -> bool:
        """Whether ``table`` is new (no rows, no readers) at this point."""
        return table in self.new_tables


def _no_answers() -> dict[Any, Any]:
    return {}


_UNSET: Any = object()


@dataclass(frozen=True)
class RuleContext:
    """The whole migration as one rule sees it."""

    migration: Migration
    settings: Settings
    #: Schema replayed from the earlier migrations of the same history.
    schema: SchemaState
    steps: tuple[Step, ...]
    #: The answers of :meth:`steps_of` (by kinds) and :meth:`shared` (by function) so far.
    #: (Typed Any: each answer's type follows from its key; ``typing.cast`` is a call, and these
    #: methods are called some ten thousand times a run.)
    _answers: dict[Any, Any] = field(default_factory=_no_answers, init=False, repr=False, compare=False)

    def __iter__(self) -> Iterator[Step]:
        return iter(self.steps)

    def steps_of(self, *kinds: type[Operation]) -> tuple[Step, ...]:
        """The steps whose operation is an instance of one of ``kinds``, in order.

        Most rules look at one or two kinds of operation; several ask for the same ones, so
        each answer is kept for the others.
        """
        found: tuple[Step, ...] | None = self._answers.get(kinds)
        if found is None:
            # (A list comprehension is quicker than a generator for these few steps.)
            found = self._answers[kinds] = tuple([s for s in self.steps if isinstance(s.op, kinds)])
        return found

    def shared(self, compute: Callable[[RuleContext], T]) -> T:
        """``compute(self)``, worked out once per migration however many rules ask for it.

        For facts that several rules derive from the migration alike (the columns it declares,
        say): ``compute`` must depend on the context alone, and its result must not be changed.
        """
        found: T = self._answers.get(compute, _UNSET)
        if found is _UNSET:
            found = self._answers[compute] = compute(self)
        return found

    def transaction_blocks(self) -> list[list[Step]]:
        """The steps of each transaction block, in order (transaction control left out).

        A block is a run of steps inside a transaction; only COMMIT / ROLLBACK (or leaving the
        transaction) ends it: a SAVEPOINT or a BEGIN inside an open transaction does not.
        Worked out once per migration: the lists must not be changed.
        """
        return self.shared(_transaction_blocks)

    @property
    def dialect(self) -> str:
        """The migration's SQL dialect."""
        return self.migration.dialect

    @property
    def pg_version(self) -> int:
        """The PostgreSQL major version rules should assume."""
        return self.settings.pg_version


def _transaction_blocks(ctx: RuleContext) -> list[list[Step]]:
    blocks: list[list[Step]] = []
    current: list[Step] | None = None
    for step in ctx.steps:
        if not step.in_transaction:
            current = None
            continue
        if current is None:
            current = []
            blocks.append(current)
        if isinstance(step.op, TransactionControl):
            if step.op.action in (TransactionAction.COMMIT, TransactionAction.ROLLBACK):
                current = None
            continue
        current.append(step)
    return [block for block in blocks if block]


#: The operations that change what a Step records (see the cases in :func:`build_steps`).
_TRACKED_OPS = (TransactionControl, SetTimeout, CreateTable, RenameTable, DropTable)
#: Operation type -> whether it is one of ``_TRACKED_OPS`` (filled as types are met).
_TRACKED: dict[type[Operation], bool] = {}


def new_context(
    migration: Migration, settings: Settings, schema: SchemaState, steps: tuple[Step, ...]
) -> RuleContext:
    """``RuleContext(migration=..., settings=..., schema=..., steps=...)``, made more cheaply.

    The engine makes one per migration linted: filling the fields directly is about twice as
    cheap as the frozen dataclass __init__ and gives the same object (``_answers`` empty).
    """
    ctx = build(RuleContext, migration=migration, settings=settings, schema=schema, steps=steps, _answers={})
    return ctx


def build_steps(
    migration: Migration, settings: Settings, unreleased_tables: frozenset[str] = frozenset()
) -> tuple[Step, ...]:
    """Walk the upgrade, tracking transactions, timeouts and tables created so far."""
    # The front end resolves configuration (assume_in_transaction) and file directives
    # (-- miglint: no-transaction) into migration.transaction.
    wrapped = migration.transaction in (Transaction.WRAPPED, Transaction.ASSUMED)
    in_tx = wrapped
    new = set(unreleased_tables)
    # Steps share one frozenset of the new tables until the set changes (most steps create none).
    new_now: frozenset[str] = frozenset(new)
    timeouts: dict[TimeoutKind, bool] = {}
    local: set[TimeoutKind] = set()
    lock_timeout = statement_timeout = False  # what ``timeouts`` says, updated when it changes
    steps: list[Step] = []
    for index, op in enumerate(migration.upgrade):
        # A Step for every operation linted: built without the dataclass __init__ (cheaper).
        step = build(
            Step,
            index=index,
            op=op,
            in_transaction=in_tx,
            new_tables=new_now,
            lock_timeout=lock_timeout,
            statement_timeout=statement_timeout,
        )
        steps.append(step)
        tracked = _TRACKED.get(type(op))
        if tracked is None:
            tracked = _TRACKED[type(op)] = issubclass(type(op), _TRACKED_OPS)
        if not tracked:
            continue  # most operations change nothing tracked here: skip the cases below
        match op:
            case TransactionControl(action=TransactionAction.BEGIN):
                in_tx = True
            case TransactionControl(action=TransactionAction.COMMIT | TransactionAction.ROLLBACK):
                in_tx = False
                if local:
                    for kind in local:
                        timeouts[kind] = False
                    local.clear()
                    lock_timeout, statement_timeout = _in_force(timeouts)
            case SetTimeout():
                timeouts[op.timeout] = not op.disables
                if op.local:
                    local.add(op.timeout)
                lock_timeout, statement_timeout = _in_force(timeouts)
            case CreateTable():
                new.add(op.table)
            case RenameTable() if op.table in new:
                new.add(op.new_name)
            case DropTable():
                new.discard(op.table)
            case _:
                pass
        if len(new) != len(new_now):  # one add or discard changed the set
            new_now = frozenset(new)
    return tuple(steps)


def _in_force(timeouts: dict[TimeoutKind, bool]) -> tuple[bool, bool]:
    """Whether a lock timeout, and whether a statement timeout, is in force."""
    lock = timeouts.get(TimeoutKind.LOCK, False) or timeouts.get(TimeoutKind.MYSQL_LOCK_WAIT, False)
    return lock, timeouts.get(TimeoutKind.STATEMENT, False)
