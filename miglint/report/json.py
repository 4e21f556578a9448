"""JSON report: a stable list of finding objects (documented in docs/json-format.md)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from miglint.findings import Finding
from miglint.report import display_path, ordered, rules_by_code
from miglint.rules._base import Rule

#: The keys of every object, in order. Adding a key is a minor change; never remove or rename.
FIELDS = ("code", "name", "level", "message", "help", "path", "line", "column", "end_line", "url")


def finding_object(finding: Finding, rules: dict[str, type[Rule]], root: str) -> dict[str, Any]:
    """One finding as a JSON object with exactly :data:`FIELDS`."""
    loc = finding.location
    rule = rules.get(finding.code)
    return {
        "code": finding.code,
        "name": finding.name,
        "level": finding.level.label,
        "message": finding.message,
        "help": finding.help,
        "path": display_path(loc.path, root),
        "line": loc.line,
        "column": loc.column,
        "end_line": loc.end_line,
        "url": rule.url() if rule is not None else None,
    }


def render(
    findings: Sequence[Finding],
    rules: Sequence[type[Rule]],
    *,
    root: str,
    color: bool = False,
) -> str:
    """A JSON array of findings in file order."""
    del color
    table = rules_by_code(rules)
    objects = [finding_object(f, table, root) for f in ordered(findings)]
    return json.dumps(objects, indent=2, ensure_ascii=False) + "\n"
