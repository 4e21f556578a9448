"""GitHub Actions workflow commands: one ``::error file=…,line=…::message`` per finding.

GitHub shows at most 10 annotations per level per step, so the most severe come first.
"""

from __future__ import annotations

from collections.abc import Sequence

from miglint.findings import Finding, Level
from miglint.report import by_severity, display_path
from miglint.rules._base import Rule

_COMMAND = {Level.ERROR: "error", Level.WARNING: "warning", Level.NOTE: "notice"}


def escape_data(text: str) -> str:
    """Escape a command's message (``%``, CR and LF), as actions/toolkit does."""
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    """Escape a command property value: the message escapes plus ``:`` and ``,``."""
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def annotation(finding: Finding, *, root: str) -> str:
    """The workflow command for one finding; ``col`` is dropped when it spans lines."""
    loc = finding.location
    props = [
        ("file", display_path(loc.path, root)),
        ("line", str(loc.line)),
        ("endLine", str(max(loc.end_line, loc.line))),
    ]
    if loc.end_line <= loc.line:
        props.append(("col", str(loc.column)))
    props.append(("title", f"{finding.code} {finding.name}"))
    message = finding.message if not finding.help else f"{finding.message}\nhelp: {finding.help}"
    joined = ",".join(f"{key}={escape_property(value)}" for key, value in props)
    return f"::{_COMMAND[finding.level]} {joined}::{escape_data(message)}"


#: Annotations GitHub shows per level (error, warning, notice) per step; the rest are dropped.
ANNOTATION_LIMIT = 10


def capped(findings: Sequence[Finding], limit: int = ANNOTATION_LIMIT) -> tuple[list[Finding], list[Finding]]:
    """``(shown, rest)``: at most ``limit`` findings per level, most severe first, and the others.

    GitHub keeps only the first annotations of each level in a step; the caller lists the rest
    elsewhere (the job summary) so that none is lost.
    """
    shown: list[Finding] = []
    rest: list[Finding] = []
    per_level: dict[Level, int] = {}
    for f in by_severity(findings):
        n = per_level.get(f.level, 0)
        per_level[f.level] = n + 1
        (shown if n < limit else rest).append(f)
    return shown, rest


def render(
    findings: Sequence[Finding],
    rules: Sequence[type[Rule]],
    *,
    root: str,
    color: bool = False,
) -> str:
    """One annotation per line, most severe first."""
    del rules, color
    return "".join(annotation(f, root=root) + "\n" for f in by_severity(findings))
