"""docs/rules/*.md are generated from the rules' docstrings and must not go stale."""

from __future__ import annotations

from pathlib import Path

from miglint.docs import REGENERATE, expected_pages, render_rule_page, write_docs
from miglint.rules import builtin_rules

DOCS = Path(__file__).resolve().parent.parent / "docs" / "rules"


def test_every_page_is_present_and_current() -> None:
    stale: list[str] = []
    for name, content in expected_pages().items():
        page = DOCS / name
        if not page.exists():
            stale.append(f"{name} (missing)")
        elif page.read_text(encoding="utf-8") != content:
            stale.append(f"{name} (stale)")
    assert not stale, f"rule pages out of date: {', '.join(stale)}; run `{REGENERATE}`"


def test_no_page_without_a_rule() -> None:
    expected = set(expected_pages())
    orphans = sorted(p.name for p in DOCS.glob("*.md") if p.name not in expected)
    assert not orphans, f"pages for no rule: {orphans}"


def test_page_renders_docstring_sections_verbatim() -> None:
    for rule in builtin_rules():
        page = render_rule_page(rule)
        assert page.startswith(f"# {rule.code} {rule.name}\n")
        assert f"**Level:** {rule.level.label}" in page
        assert f"**Dimension:** {rule.dimension.value}" in page
        for heading, body in rule.sections.items():
            assert f"## {heading}\n\n{body}\n" in page


def test_catalogue_lists_every_rule() -> None:
    catalogue = expected_pages()["README.md"]
    for rule in builtin_rules():
        assert f"| [{rule.code}]({rule.code}.md) | {rule.name} | {rule.level.label} |" in catalogue


def test_write_docs_writes_then_is_idempotent(tmp_path: Path) -> None:
    written = write_docs(tmp_path)
    assert {p.name for p in written} == set(expected_pages())
    assert write_docs(tmp_path) == []
