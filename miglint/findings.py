"""Findings: what rules report, with a level and a source location."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field


class Level(enum.IntEnum):
    """Severity of a finding; higher is worse."""

    NOTE = 1
    WARNING = 2
    ERROR = 3

    @classmethod
    def parse(cls, text: str) -> Level:
        """Return the level named by ``text`` (``error``, ``warning`` or ``note``)."""
        try:
            return cls[text.strip().upper()]
        except KeyError:
            raise ValueError(f"unknown level {text!r} (expected error, warning or note)") from None

    @property
    def label(self) -> str:
        """The lower-case name used in reports and configuration."""
        return self.name.lower()


@dataclass(frozen=True, order=True)
class Location:
    """A place in a source file: 1-based line and column, inclusive end line."""

    path: str
    line: int = 1
    column: int = 1
    end_line: int = 0
    end_column: int = 0

    def __post_init__(self) -> None:
        if self.end_line < self.line:
            object.__setattr__(self, "end_line", self.line)


@dataclass(frozen=True)
class Finding:
    """One reported problem: a rule code at a location, with a message and a one-line help."""

    code: str
    name: str
    level: Level
    message: str
    location: Location
    help: str = ""
    # The migration file the finding belongs to (may differ from location.path for
    # findings located in a paired rollback file).
    migration: str = field(default="", compare=False)

    def sort_key(self) -> tuple[str, int, int, str]:
        """Order findings by file, line, column and code."""
        loc = self.location
        return (loc.path, loc.line, loc.column, self.code)
