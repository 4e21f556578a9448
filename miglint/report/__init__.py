"""Reporters: one module per output format, each a pure ``render(findings, rules, root=…)``.

The engine knows nothing of formats; the CLI picks a reporter by name with :func:`renderer`.
Helpers shared by the reporters (paths relative to the project root, stable fingerprints)
live here.
"""

from __future__ import annotations

import hashlib
import importlib
import os
import re
from collections.abc import Sequence
from functools import lru_cache
from pathlib import PurePath
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from miglint.findings import Finding
    from miglint.rules._base import Rule

#: Output formats, in the order ``--format`` lists them.
FORMATS = ("text", "json", "sarif", "github", "markdown", "gitlab")


class Renderer(Protocol):
    """The signature every reporter's ``render`` has."""

    def __call__(
        self,
        findings: Sequence[Finding],
        rules: Sequence[type[Rule]],
        *,
        root: str,
        color: bool = False,
    ) -> str:
        """Render ``findings`` as one document."""
        ...


def renderer(fmt: str) -> Renderer:
    """The ``render`` function of the reporter named ``fmt`` (imported on demand)."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r} (expected one of {', '.join(FORMATS)})")
    module = importlib.import_module(f"{__name__}.{fmt}")
    render: Renderer = module.render
    return render


def display_path(path: str, root: str) -> str:
    """``path`` relative to ``root`` with ``/`` separators, or as given when outside it."""
    if path.startswith("<"):
        return path
    # Thousands of findings share a few hundred paths; the result depends on the cwd too.
    return _display_path(path, root, os.getcwd())


@lru_cache(maxsize=4096)
def _display_path(path: str, root: str, cwd: str) -> str:  # cwd: abspath depends on it
    absolute = os.path.abspath(path)
    base = _absolute(root, cwd)
    if os.sep == "/" and absolute.startswith(base) and absolute[len(base) : len(base) + 1] == "/":
        # Under the root, on POSIX: what relpath() and as_posix() would make of it, without
        # their cost (~15 µs a path, with a report naming thousands of files).
        return absolute[len(base) + 1 :] if base != "/" else absolute[1:]
    try:
        rel = os.path.relpath(absolute, base)
    except ValueError:  # another drive on Windows
        return PurePath(path).as_posix()
    if rel == os.pardir or rel.startswith(os.pardir + os.sep):
        return PurePath(path).as_posix()
    return PurePath(rel).as_posix()


@lru_cache(maxsize=16)
def _absolute(root: str, cwd: str) -> str:  # cwd: abspath depends on it
    return os.path.abspath(root)


def rules_by_code(rules: Sequence[type[Rule]]) -> dict[str, type[Rule]]:
    """Rules keyed by code."""
    return {r.code: r for r in rules}


def ordered(findings: Sequence[Finding]) -> list[Finding]:
    """Findings by file, line, column and code."""
    return sorted(findings, key=lambda f: f.sort_key())


def by_severity(findings: Sequence[Finding]) -> list[Finding]:
    """Most severe first, then by file and line."""
    return sorted(findings, key=lambda f: (-f.level, f.sort_key()))


_SPACE = re.compile(r"\s+")


def fingerprints(findings: Sequence[Finding], root: str) -> list[str]:
    """A stable hash per finding, unchanged when lines move.

    Hashes the code, the root-relative path and the whitespace-normalised message (which
    names the table and column), plus an occurrence number so identical findings in one
    file still differ.
    """
    seen: dict[str, int] = {}
    out: list[str] = []
    for f in findings:
        basis = "\0".join(
            (f.code, display_path(f.location.path, root), _SPACE.sub(" ", f.message).strip().lower())
        )
        n = seen.get(basis, 0)
        seen[basis] = n + 1
        out.append(hashlib.md5(f"{basis}\0{n}".encode(), usedforsecurity=False).hexdigest())
    return out


def level_counts(findings: Sequence[Finding]) -> str:
    """``2 errors, 1 warning`` (most severe first, only the levels present)."""
    from miglint.findings import Level

    parts: list[str] = []
    for level in sorted(Level, reverse=True):
        n = sum(1 for f in findings if f.level == level)
        if n:
            parts.append(f"{n} {level.label}{'' if n == 1 else 's'}")
    return ", ".join(parts)
