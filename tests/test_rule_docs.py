"""A rule's docstring is its documentation: check its sections and run its examples."""

from __future__ import annotations

from pathlib import Path

import pytest

from miglint.config import Settings
from miglint.discover import load
from miglint.engine import lint
from miglint.rules import CODE_TABLE, builtin_rules
from miglint.rules._base import SECTIONS, Rule, code_blocks

RULES = [r for r in builtin_rules() if r.code != "MG000"]


def _codes(rule: type[Rule], source: str, tmp_path: Path, suffix: str = "sql") -> list[str]:
    dialect = "postgres" if rule.dialects is None or "postgres" in rule.dialects else min(rule.dialects)
    settings = Settings(dialect=dialect)
    path = tmp_path / f"example.{suffix}"
    path.write_text(source)
    loaded = load([str(path)], settings)
    findings = lint(loaded.migrations, settings).findings
    assert not [f for f in findings if f.code == "MG000"], findings
    return [f.code for f in findings]


@pytest.mark.parametrize("rule", RULES, ids=[r.code for r in RULES])
def test_example_triggers_and_use_instead_does_not(rule: type[Rule], tmp_path: Path) -> None:
    # SQL examples where the rule can be shown in SQL; Python (Alembic/Django) otherwise.
    suffix = "sql" if code_blocks(rule.sections["Example"]) else "py"
    language = "sql" if suffix == "sql" else "python"
    examples = code_blocks(rule.sections["Example"], language)
    fixed = code_blocks(rule.sections["Use instead"], language)
    assert examples and fixed, f"{rule.code}: Example and Use instead need ```sql (or ```python) blocks"
    for source in examples:
        assert rule.code in _codes(rule, source, tmp_path, suffix), f"{rule.code} Example does not trigger it"
    for source in fixed:
        assert rule.code not in _codes(rule, source, tmp_path, suffix), f"{rule.code} Use instead triggers it"


def test_sections_are_in_order_and_table_is_sorted() -> None:
    for rule in builtin_rules():
        assert list(rule.sections)[: len(SECTIONS)] == list(SECTIONS), rule.code
        assert CODE_TABLE[rule.code].startswith(rule.code.lower() + "_"), rule.code
        assert CODE_TABLE[rule.code] == rule.code.lower() + "_" + rule.name.replace("-", "_")
    assert len({r.name for r in builtin_rules()}) == len(builtin_rules())
