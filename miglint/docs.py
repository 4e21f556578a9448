"""Rule pages, rendered from each rule's docstring (the single source of its documentation).

``miglint rule CODE`` prints :func:`render_rule_page`; ``python -m miglint.docs [DIR]``
regenerates ``docs/rules/CODE.md`` and the catalogue ``docs/rules/README.md``.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path

from miglint.rules._base import Rule

#: The command that regenerates the pages (named by the staleness test).
REGENERATE = "python -m miglint.docs"
DEFAULT_DIR = Path(__file__).resolve().parent.parent / "docs" / "rules"


def dialects_label(rule: type[Rule]) -> str:
    """``all`` or the sorted dialect names the rule applies to."""
    return "all" if rule.dialects is None else ", ".join(sorted(rule.dialects))


def render_rule_page(rule: type[Rule]) -> str:
    """The Markdown page of ``rule``: title, metadata, summary, then its docstring sections verbatim."""
    lines = [
        f"# {rule.code} {rule.name}",
        "",
        f"**Level:** {rule.level.label} · **Dimension:** {rule.dimension.value} · "
        f"**Dialects:** {dialects_label(rule)}",
        "",
        rule.summary,
    ]
    for heading, body in rule.sections.items():
        lines += ["", f"## {heading}", "", body]
    return "\n".join(lines).rstrip() + "\n"


def _cell(text: str) -> str:
    return " ".join(text.split()).replace("|", "\\|")


def render_catalogue(rules: Sequence[type[Rule]]) -> str:
    """The catalogue page: one table row per rule, linking to its page."""
    lines = [
        "# Rules",
        "",
        f"Generated from the rules' docstrings by `{REGENERATE}`; do not edit by hand.",
        "",
        "| Code | Name | Level | Dimension | Summary |",
        "|---|---|---|---|---|",
    ]
    lines += [
        f"| [{r.code}]({r.code}.md) | {r.name} | {r.level.label} | {r.dimension.value} | {_cell(r.summary)} |"
        for r in rules
    ]
    return "\n".join(lines) + "\n"


def expected_pages(rules: Sequence[type[Rule]] | None = None) -> dict[str, str]:
    """File name -> content of every generated page (built-in rules by default)."""
    if rules is None:
        from miglint.rules import builtin_rules

        rules = builtin_rules()
    pages = {f"{r.code}.md": render_rule_page(r) for r in rules}
    pages["README.md"] = render_catalogue(rules)
    return pages


def write_docs(directory: str | Path = DEFAULT_DIR) -> list[Path]:
    """Write every page into ``directory``; returns the files whose content changed."""
    folder = Path(directory)
    folder.mkdir(parents=True, exist_ok=True)
    changed: list[Path] = []
    for name, content in expected_pages().items():
        target = folder / name
        if not target.exists() or target.read_text(encoding="utf-8") != content:
            target.write_text(content, encoding="utf-8")
            changed.append(target)
    return changed


def main(argv: Sequence[str] | None = None) -> int:
    """Regenerate the rule pages (``python -m miglint.docs [DIR]``)."""
    args = list(sys.argv[1:] if argv is None else argv)
    directory = Path(args[0]) if args else DEFAULT_DIR
    changed = write_docs(directory)
    for path in changed:
        print(f"wrote {path}")
    print(f"{len(changed)} page(s) updated in {directory}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
