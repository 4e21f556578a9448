"""GitLab Code Quality report (the JSON a ``codequality`` artifact holds)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from miglint.findings import Finding, Level
from miglint.report import display_path, fingerprints, ordered
from miglint.rules._base import Rule

#: miglint level -> GitLab severity (info, minor, major, critical, blocker).
SEVERITY = {Level.ERROR: "critical", Level.WARNING: "major", Level.NOTE: "info"}


def issue(finding: Finding, fingerprint: str, *, root: str) -> dict[str, Any]:
    """One Code Quality issue."""
    loc = finding.location
    description = f"{finding.code} {finding.message}"
    if finding.help:
        description += f" ({finding.help})"
    return {
        "type": "issue",
        "description": description,
        "check_name": f"{finding.code} {finding.name}",
        "fingerprint": fingerprint,
        "severity": SEVERITY[finding.level],
        "location": {
            "path": display_path(loc.path, root),
            "lines": {"begin": max(loc.line, 1), "end": max(loc.end_line, loc.line, 1)},
        },
    }


def render(
    findings: Sequence[Finding],
    rules: Sequence[type[Rule]],
    *,
    root: str,
    color: bool = False,
) -> str:
    """A JSON array of Code Quality issues with stable md5 fingerprints."""
    del rules, color
    items = ordered(findings)
    issues = [issue(f, fp, root=root) for f, fp in zip(items, fingerprints(items, root), strict=True)]
    return json.dumps(issues, indent=2, ensure_ascii=False) + "\n"
