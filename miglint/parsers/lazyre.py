"""Regular expressions compiled on first use.

Python compiles a pattern in pure Python (~0.5 ms for a large one). A front end that keeps
dozens of patterns for statements most migrations never contain would pay for all of them at
every start; a :class:`LazyPattern` is compiled the first time it is used.
"""

from __future__ import annotations

import re
import sys


class LazyPattern:
    """The methods of ``re.compile(pattern, flags)`` that the front ends use, compiled when first called."""

    __slots__ = ("_compiled", "_flags", "_source")

    def __init__(self, pattern: str, flags: int = 0) -> None:
        self._source = pattern
        self._flags = flags
        self._compiled: re.Pattern[str] | None = None

    @property
    def compiled(self) -> re.Pattern[str]:
        """The compiled pattern."""
        return self._compiled or self._compile()

    def _compile(self) -> re.Pattern[str]:
        self._compiled = re.compile(self._source, self._flags)
        return self._compiled

    @property
    def pattern(self) -> str:
        """The pattern's source text."""
        return self._source

    def match(self, string: str, pos: int = 0, endpos: int = sys.maxsize) -> re.Match[str] | None:
        """``re.Pattern.match``."""
        return (self._compiled or self._compile()).match(string, pos, endpos)

    def fullmatch(self, string: str, pos: int = 0, endpos: int = sys.maxsize) -> re.Match[str] | None:
        """``re.Pattern.fullmatch``."""
        return (self._compiled or self._compile()).fullmatch(string, pos, endpos)

    def search(self, string: str, pos: int = 0, endpos: int = sys.maxsize) -> re.Match[str] | None:
        """``re.Pattern.search``."""
        return (self._compiled or self._compile()).search(string, pos, endpos)

    def findall(self, string: str, pos: int = 0, endpos: int = sys.maxsize) -> list[str]:
        """``re.Pattern.findall`` (of a pattern with at most one group)."""
        return (self._compiled or self._compile()).findall(string, pos, endpos)

    def split(self, string: str, maxsplit: int = 0) -> list[str]:
        """``re.Pattern.split`` (of a pattern without groups)."""
        return (self._compiled or self._compile()).split(string, maxsplit)

    def sub(self, repl: str, string: str, count: int = 0) -> str:
        """``re.Pattern.sub`` with a replacement string."""
        return (self._compiled or self._compile()).sub(repl, string, count)
