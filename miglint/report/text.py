"""Text report, ruff-like: ``path:line:col: CODE [level] message``, a help line, a summary."""

from __future__ import annotations

from collections.abc import Sequence

from miglint.findings import Finding, Level
from miglint.report import display_path, level_counts, ordered
from miglint.rules._base import Rule

_RESET = "\x1b[0m"
_BOLD = "\x1b[1m"
_DIM = "\x1b[2m"
_LEVEL_COLOR = {Level.ERROR: "\x1b[31m", Level.WARNING: "\x1b[33m", Level.NOTE: "\x1b[36m"}


def _paint(text: str, style: str, color: bool) -> str:
    return f"{style}{text}{_RESET}" if color else text


def format_finding(finding: Finding, *, root: str, color: bool = False) -> str:
    """One finding: the located line, then an indented ``help:`` line when there is help."""
    loc = finding.location
    where = f"{display_path(loc.path, root)}:{loc.line}:{loc.column}:"
    level_color = _LEVEL_COLOR[finding.level]
    head = (
        f"{_paint(where, _BOLD, color)} {_paint(finding.code, _BOLD + level_color, color)} "
        f"{_paint(f'[{finding.level.label}]', level_color, color)} {finding.message}"
    )
    if not finding.help:
        return head
    return f"{head}\n  {_paint('help:', _DIM, color)} {finding.help}"


def summary(findings: Sequence[Finding]) -> str:
    """``Found 3 findings (2 errors, 1 warning).`` or ``All checks passed!``."""
    if not findings:
        return "All checks passed!"
    n = len(findings)
    return f"Found {n} finding{'' if n == 1 else 's'} ({level_counts(findings)})."


def render(
    findings: Sequence[Finding],
    rules: Sequence[type[Rule]],
    *,
    root: str,
    color: bool = False,
) -> str:
    """The text report: findings in file order, then the summary line."""
    del rules  # the text report needs no rule metadata
    lines = [format_finding(f, root=root, color=color) for f in ordered(findings)]
    lines.append(_paint(summary(findings), _BOLD, color))
    return "\n".join(lines) + "\n"
