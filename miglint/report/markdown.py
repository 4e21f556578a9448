"""Markdown report (job summaries, PR comments): a heading, a table per file, the safe alternatives.

The report is a sequence of small section functions over one :class:`Report`; later work adds
sections (per-migration scores, fix-up sequences) by extending :data:`SECTIONS` rather than
rewriting the others.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cached_property

from miglint.findings import Finding
from miglint.report import display_path, level_counts, ordered, rules_by_code
from miglint.rules._base import Rule

TITLE = "miglint report"


@dataclass(frozen=True)
class Report:
    """What every section reads: ordered findings, the rules by code, the project root."""

    findings: tuple[Finding, ...]
    rules: dict[str, type[Rule]]
    root: str

    @cached_property
    def by_file(self) -> dict[str, list[Finding]]:
        """Findings grouped by root-relative path, files in path order."""
        out: dict[str, list[Finding]] = {}
        for f in self.findings:
            out.setdefault(display_path(f.location.path, self.root), []).append(f)
        return dict(sorted(out.items()))


#: A section renders Markdown for the report, or None to be left out.
Section = Callable[[Report], str | None]


def cell(text: str) -> str:
    """Text made safe for one table cell (pipes and HTML escaped, newlines folded)."""
    text = " ".join(text.split()).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return text.replace("|", "\\|")


def heading(report: Report) -> str:
    """The title and a one-line summary."""
    if not report.findings:
        return f"## {TITLE}\n\nAll checks passed!"
    n, files = len(report.findings), len(report.by_file)
    return (
        f"## {TITLE}\n\n{n} finding{'' if n == 1 else 's'} in {files} "
        f"file{'' if files == 1 else 's'}: {level_counts(report.findings)}."
    )


def _code_link(finding: Finding, rules: dict[str, type[Rule]]) -> str:
    rule = rules.get(finding.code)
    return f"[{finding.code}]({rule.url()})" if rule is not None else finding.code


def file_table(path: str, findings: Sequence[Finding], rules: dict[str, type[Rule]]) -> str:
    """One file's section: a sub-heading and a table of its findings."""
    rows = [
        f"| {_code_link(f, rules)} | {f.location.line} | {f.level.label} | {cell(f.message)} "
        f"| {cell(f.help)} |"
        for f in findings
    ]
    return "\n".join(
        [
            f"### `{path}`",
            "",
            "| Code | Line | Level | Message | Safe alternative |",
            "|---|---:|---|---|---|",
            *rows,
        ]
    )


def findings_by_file(report: Report) -> str | None:
    """A table per file."""
    if not report.findings:
        return None
    return "\n\n".join(file_table(p, fs, report.rules) for p, fs in report.by_file.items())


def safe_alternatives(report: Report) -> str | None:
    """For each rule reported, its *Use instead* section in a collapsible block."""
    codes = sorted({f.code for f in report.findings})
    blocks: list[str] = []
    for code in codes:
        rule = report.rules.get(code)
        if rule is None or "Use instead" not in rule.sections:
            continue
        blocks.append(
            f"<details><summary>{rule.code} {rule.name}: {cell(rule.summary)}</summary>\n\n"
            f"{rule.sections['Use instead']}\n\n[Rule page]({rule.url()})\n\n</details>"
        )
    if not blocks:
        return None
    return "### Safe alternatives\n\n" + "\n\n".join(blocks)


#: The sections of the report, in order.
SECTIONS: tuple[Section, ...] = (heading, findings_by_file, safe_alternatives)


def render(
    findings: Sequence[Finding],
    rules: Sequence[type[Rule]],
    *,
    root: str,
    color: bool = False,
    sections: Sequence[Section] = SECTIONS,
) -> str:
    """The Markdown report: each section in turn, blank-line separated."""
    del color
    report = Report(tuple(ordered(findings)), rules_by_code(rules), root)
    parts = [text for section in sections if (text := section(report))]
    return "\n\n".join(parts) + "\n"
