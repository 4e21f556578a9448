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


#: Level labels, looked up once (``Level.label`` goes through the enum's name property).
_LABELS = {level: level.label for level in Level}


def format_finding(finding: Finding, *, root: str, color: bool = False) -> str:
    """One finding: the located line, then an indented ``help:`` line when there is help."""
    return _format(finding, display_path(finding.location.path, root), color)


def _format(finding: Finding, path: str, color: bool) -> str:
    loc = finding.location
    label = _LABELS[finding.level]
    if not color:  # the common case of a large report (CI logs, files): plain f-strings
        head = f"{path}:{loc.line}:{loc.column}: {finding.code} [{label}] {finding.message}"
        return f"{head}\n  help: {finding.help}" if finding.help else head
    level_color = _LEVEL_COLOR[finding.level]
    head = (
        f"{_paint(f'{path}:{loc.line}:{loc.column}:', _BOLD, color)} "
        f"{_paint(finding.code, _BOLD + level_color, color)} "
        f"{_paint(f'[{label}]', level_color, color)} {finding.message}"
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
    paths: dict[str, str] = {}  # thousands of findings share a few hundred files
    lines: list[str] = []
    for f in ordered(findings):
        path = f.location.path
        shown = paths.get(path)
        if shown is None:
            shown = paths[path] = display_path(path, root)
        lines.append(_format(f, shown, color))
    lines.append(_paint(summary(findings), _BOLD, color))
    return "\n".join(lines) + "\n"
