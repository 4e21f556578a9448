"""Every rule's fixtures, run as data (sqlfluff-style).

Layout: ``fixtures/<framework>/<CODE>/<case>`` where a case is one migration file or a folder
(a migration history). Beside it, ``<case>.expected`` lists the findings of CODE it must
produce, one ``path:line:col CODE`` per line (path relative to the case; for a single file,
its name). ``pass_*`` cases have no expected file and must produce no finding of CODE;
``fail_*`` cases must list at least one. ``<case>.settings.json`` optionally overrides
Settings fields (e.g. ``{"pg_version": 10}``). No case may produce MG000.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from miglint.config import Settings
from miglint.discover import load
from miglint.engine import lint
from miglint.findings import Level

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
SIDE_SUFFIXES = (".expected", ".settings.json")


def _cases() -> list[Path]:
    cases: list[Path] = []
    for code_dir in sorted(FIXTURES.glob("*/MG*")):
        if not code_dir.is_dir():
            continue
        for case in sorted(code_dir.iterdir()):
            if case.name.endswith(SIDE_SUFFIXES) or case.name.startswith("."):
                continue
            cases.append(case)
    return cases


def _settings(case: Path) -> Settings:
    side = case.parent / f"{case.name}.settings.json"
    if not side.exists():
        return Settings()
    raw = json.loads(side.read_text())
    if "levels" in raw:
        raw["levels"] = {k: Level.parse(v) for k, v in raw["levels"].items()}
    for key in ("select", "ignore"):
        if key in raw:
            raw[key] = tuple(raw[key])
    return Settings(**raw)


def _expected(case: Path) -> list[str]:
    side = case.parent / f"{case.name}.expected"
    if not side.exists():
        return []
    return sorted(
        line.strip() for line in side.read_text().splitlines() if line.strip() and not line.startswith("#")
    )


CASES = _cases()


@pytest.mark.parametrize("case", CASES, ids=[str(c.relative_to(FIXTURES)) for c in CASES])
def test_fixture(case: Path) -> None:
    code = case.parent.name
    expected = _expected(case)
    if case.name.startswith("fail_"):
        assert expected, f"{case} is a fail_ case with no {case.name}.expected"
    elif case.name.startswith("pass_"):
        assert not expected, f"{case} is a pass_ case but lists expected findings"
    else:
        pytest.fail(f"fixture case {case.name} must start with pass_ or fail_")
    settings = _settings(case)
    loaded = load([str(case)], settings)
    assert loaded.migrations, f"no migration recognised in {case}"
    result = lint(loaded.migrations, settings)
    base = case if case.is_dir() else case.parent
    internal = [f for f in result.findings if f.code == "MG000"]
    assert not internal, internal
    got = sorted(
        f"{Path(f.location.path).resolve().relative_to(base.resolve())}:"
        f"{f.location.line}:{f.location.column} {f.code}"
        for f in result.findings
        if f.code == code
    )
    assert got == expected


def test_every_rule_has_fixtures() -> None:
    from miglint.rules import builtin_rules

    missing: list[str] = []
    for rule in builtin_rules():
        if rule.code in ("MG000",):
            continue  # emitted by the engine on internal failures; tested in test_engine
        dirs = list(FIXTURES.glob(f"*/{rule.code}"))
        names = [c.name for d in dirs for c in d.iterdir()]
        if not any(n.startswith("fail_") for n in names) or not any(n.startswith("pass_") for n in names):
            missing.append(rule.code)
    assert not missing, f"rules without both fail_ and pass_ fixtures: {missing}"
