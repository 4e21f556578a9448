"""Regular expressions compiled on first use.

Python compiles a pattern in pure Python (~0.5 ms for a large one). A front end that keeps
dozens of patterns for statements most migrations never contain would pay for all of them at
every start; a :class:`LazyPattern` is compiled the first time it is used.
"""

from __future__ import annotations

import re
import sys


class LazyPattern:
    """The methods of ``re.compile(pattern, flags)`` that the front ends use, compiled when first called.

    Once compiled, the compiled pattern's own bound methods are set on the instance, where
    they come before the methods of this class: the front end calls these patterns some
    50,000 times over a large corpus, and a call then costs no Python frame of its own.
    """

    def __init__(self, pattern: str, flags: int = 0) -> None:
        self._source = pattern
        self._flags = flags
        self._compiled: re.Pattern[str] | None = None

    @property
    def compiled(self) -> re.Pattern[str]:
        """The compiled pattern."""
        return self._compiled or self._compile()

    def _compile(self) -> re.Pattern[str]:
        compiled = re.compile(self._source, self._flags)
        self._compiled = compiled
        vars(self).update(
            match=compiled.match,
            fullmatch=compiled.fullmatch,
            search=compiled.search,
            findall=compiled.findall,
            split=compiled.split,
            sub=compiled.sub,
        )
        return compiled

    @property
    def pattern(self) -> str:
        """The pattern's source text."""
        return self._source

    # Called only until the pattern is compiled (see the class docstring).

    def match(self, string: str, pos: int = 0, endpos: int = sys.maxsize) -> re.Match[str] | None:
        """``re.Pattern.match``."""
        return self.compiled.match(string, pos, endpos)

    def fullmatch(self, string: str, pos: int = 0, endpos: int = sys.maxsize) -> re.Match[str] | None:
        """``re.Pattern.fullmatch``."""
        return self.compiled.fullmatch(string, pos, endpos)

    def search(self, string: str, pos: int = 0, endpos: int = sys.maxsize) -> re.Match[str] | None:
        """``re.Pattern.search``."""
        return self.compiled.search(string, pos, endpos)

    def findall(self, string: str, pos: int = 0, endpos: int = sys.maxsize) -> list[str]:
        """``re.Pattern.findall`` (of a pattern with at most one group)."""
        return self.compiled.findall(string, pos, endpos)

    def split(self, string: str, maxsplit: int = 0) -> list[str]:
        """``re.Pattern.split`` (of a pattern without groups)."""
        return self.compiled.split(string, maxsplit)

    def sub(self, repl: str, string: str, count: int = 0) -> str:
        """``re.Pattern.sub`` with a replacement string."""
        return self.compiled.sub(repl, string, count)
