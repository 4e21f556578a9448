"""A migration: one upgrade (and maybe its rollback) read by a front end."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field

from miglint.ir.ops import Operation


class Framework(enum.StrEnum):
    """The migration framework a file belongs to."""

    SQL = "sql"
    ALEMBIC = "alembic"
    DJANGO = "django"


class Transaction(enum.StrEnum):
    """Whether the runner wraps the whole migration in one transaction.

    ``WRAPPED``: known to (Alembic on PostgreSQL, Django ``atomic = True``).
    ``ASSUMED``: configuration says the runner wraps each file (Flyway, dbmate).
    ``NONE``: not wrapped; explicit BEGIN/COMMIT in the file still count.
    """

    WRAPPED = "wrapped"
    ASSUMED = "assumed"
    NONE = "none"


@dataclass(frozen=True)
class Suppression:
    """A ``miglint: ignore[...]`` comment: codes it silences on lines ``first..last`` of ``path``.

    ``file_wide`` suppressions (``ignore-file``) cover the whole file. An empty ``codes``
    silences every code.
    """

    path: str
    line: int
    column: int
    codes: frozenset[str]
    first: int
    last: int
    file_wide: bool = False
    reason: str = ""


@dataclass(frozen=True, kw_only=True)
class Migration:
    """One migration as the rules see it.

    ``rollback`` is None when there is no rollback at all; ``rollback_expected`` says whether the
    framework or file convention has one (a lone ``.sql`` file in a plain folder does not).
    ``history`` names the migration history (directory, Alembic script folder, Django app) whose
    ``key`` orders it.
    """

    path: str
    framework: Framework
    dialect: str = "postgres"
    key: tuple[str | int, ...] = ()
    history: str = ""
    description: str | None = None
    transaction: Transaction = Transaction.NONE
    upgrade: tuple[Operation, ...] = ()
    rollback: tuple[Operation, ...] | None = None
    rollback_path: str | None = None
    rollback_expected: bool = False
    #: Identifier and parents in the framework's graph (Alembic revision, Django (app, name)).
    revision: str | None = None
    parents: tuple[str, ...] = ()
    suppressions: tuple[Suppression, ...] = ()
    #: True for a migration in the set being changed (--changed-since); tables it creates count
    #: as new for the other migrations of that set.
    unreleased: bool = field(default=False, compare=False)

    @property
    def label(self) -> str:
        """A short name for messages."""
        return self.path
