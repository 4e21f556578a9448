"""The benchmark corpus is well-formed, and the benchmark runner's plumbing works (no timings)."""

from __future__ import annotations

import ast
import json
import sys
from pathlib import Path

import pytest

from benchmarks import corpus
from benchmarks import run as bench
from miglint.config import Settings
from miglint.discover import load
from miglint.engine import lint
from miglint.ir.ops import ParseError
from miglint.parsers.sql import parse_sql

SQL, DJANGO, ALEMBIC = 30, 20, 10


@pytest.fixture(scope="module")
def small(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("corpus")
    corpus.generate(root, sql_migrations=SQL, django_migrations=DJANGO, alembic_revisions=ALEMBIC)
    return root


def _module_value(tree: ast.Module, name: str) -> ast.expr | None:
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(
            isinstance(t, ast.Name) and t.id == name for t in node.targets
        ):
            return node.value
    return None


def _class_value(tree: ast.Module, name: str) -> ast.expr | None:
    klass = next(n for n in tree.body if isinstance(n, ast.ClassDef) and n.name == "Migration")
    for node in klass.body:
        if isinstance(node, ast.Assign) and any(
            isinstance(t, ast.Name) and t.id == name for t in node.targets
        ):
            return node.value
    return None


def test_manifest_matches_files(small: Path) -> None:
    manifest = json.loads((small / "corpus.json").read_text())
    sql_files = sorted((small / "sql").rglob("*.sql"))
    assert manifest["sql"]["files"] == len(sql_files)
    ups = [p for p in sql_files if not p.name.endswith(".down.sql")]
    assert manifest["sql"]["migrations"] == len(ups) == SQL
    django = [p for p in (small / "django").rglob("migrations/*.py") if p.name != "__init__.py"]
    assert manifest["django"]["migrations"] == len(django) == DJANGO
    alembic = sorted((small / "alembic" / "alembic" / "versions").glob("*.py"))
    assert manifest["alembic"]["revisions"] == len(alembic) == ALEMBIC
    # Several folders, both layouts.
    folders = {p.parent for p in sql_files}
    assert len(folders) >= 3
    assert any(p.name.endswith(".up.sql") for p in sql_files)
    assert any(p.name.endswith(".sql") and ".up." not in p.name and ".down." not in p.name for p in sql_files)
    for key in ("sql", "django", "alembic"):
        assert (small / manifest[key]["one_file"]).is_file()


def test_generation_is_deterministic(tmp_path: Path) -> None:
    a, b = tmp_path / "a", tmp_path / "b"
    corpus.generate(a, sql_migrations=12, django_migrations=9, alembic_revisions=8)
    corpus.generate(b, sql_migrations=12, django_migrations=9, alembic_revisions=8)
    files_a = sorted(p.relative_to(a) for p in a.rglob("*") if p.is_file())
    files_b = sorted(p.relative_to(b) for p in b.rglob("*") if p.is_file())
    assert files_a == files_b
    for rel in files_a:
        assert (a / rel).read_bytes() == (b / rel).read_bytes(), rel


def test_sql_files_parse(small: Path) -> None:
    statements = 0
    for path in sorted((small / "sql").rglob("*.sql")):
        ops = parse_sql(path.read_text(), str(path))
        errors = [op for op in ops if isinstance(op, ParseError)]
        assert not errors, (path, errors)
        if not path.name.endswith(".down.sql"):
            statements += len(ops)
    assert statements >= SQL  # every migration holds at least one statement
    loaded = load([str(small / "sql")], Settings())
    assert not loaded.problems
    assert not loaded.unrecognised
    assert len(loaded.migrations) == SQL


def test_sql_mix_is_varied(small: Path) -> None:
    text = "\n".join(p.read_text() for p in (small / "sql").rglob("*.sql"))
    for needle in (
        "CREATE TABLE",
        "ALTER TABLE",
        "ADD COLUMN",
        "CREATE INDEX",
        "SET lock_timeout",
        "BEGIN;",
        "--",
    ):
        assert needle in text, needle


def _django_graph(root: Path) -> dict[tuple[str, str], list[tuple[str, str]]]:
    graph: dict[tuple[str, str], list[tuple[str, str]]] = {}
    for path in sorted(root.rglob("migrations/*.py")):
        if path.name == "__init__.py":
            continue
        tree = ast.parse(path.read_text(), filename=str(path))
        deps = _class_value(tree, "dependencies")
        assert isinstance(deps, ast.List), path
        edges: list[tuple[str, str]] = []
        for item in deps.elts:
            if isinstance(item, ast.Call):  # migrations.swappable_dependency(settings.AUTH_USER_MODEL)
                continue
            app, name = ast.literal_eval(item)
            edges.append((app, name))
        graph[(path.parent.parent.name, path.stem)] = edges
    return graph


def test_django_dependency_chains(small: Path) -> None:
    graph = _django_graph(small / "django")
    assert len(graph) == DJANGO
    apps: dict[str, list[str]] = {}
    for app, name in sorted(graph):
        apps.setdefault(app, []).append(name)
    assert len(apps) >= 2
    cross_app = 0
    for app, names in apps.items():
        assert names[0].startswith("0001_"), app
        for i, name in enumerate(names):
            assert name.startswith(f"{i + 1:04d}_")
            edges = graph[(app, name)]
            if i > 0:
                assert (app, names[i - 1]) in edges, (app, name)
            for dep in edges:
                assert dep in graph, (app, name, dep)
                cross_app += dep[0] != app
    assert cross_app > 0
    # Acyclic: a topological order exists.
    done: set[tuple[str, str]] = set()
    pending = dict(graph)
    while pending:
        ready = [k for k, deps in pending.items() if all(d in done for d in deps)]
        assert ready, f"cycle among {sorted(pending)[:5]}"
        for k in ready:
            done.add(k)
            del pending[k]


def test_alembic_revision_graph(small: Path) -> None:
    parents: dict[str, tuple[str, ...]] = {}
    for path in sorted((small / "alembic" / "alembic" / "versions").glob("*.py")):
        tree = ast.parse(path.read_text(), filename=str(path))
        revision = _module_value(tree, "revision")
        down = _module_value(tree, "down_revision")
        assert revision is not None and down is not None, path
        rev = ast.literal_eval(revision)
        value = ast.literal_eval(down)
        parents[rev] = () if value is None else (value,) if isinstance(value, str) else tuple(value)
        assert path.name.startswith(rev)
    assert len(parents) == ALEMBIC
    roots = [r for r, p in parents.items() if not p]
    merges = [r for r, p in parents.items() if len(p) == 2]
    assert len(roots) == 1 and len(merges) == 1
    children: dict[str, int] = {}
    for rev, ps in parents.items():
        for p in ps:
            assert p in parents, (rev, p)
            children[p] = children.get(p, 0) + 1
    assert any(n == 2 for n in children.values()), "no branch point"
    heads = [r for r in parents if r not in children]
    assert len(heads) == 1


def test_miglint_reads_the_corpus_cleanly(small: Path) -> None:
    loaded = load([str(small)], Settings())
    assert not loaded.problems
    assert len(loaded.migrations) == SQL + DJANGO + ALEMBIC
    result = lint(loaded.migrations, Settings())
    bad = [f for f in result.findings if f.code in {"MG000", "MG001", "MG004"}]
    assert not bad, bad[:3]


def test_plan_without_cache_times_cold_only(small: Path, tmp_path: Path) -> None:
    plan = bench.plan_cases(
        small, generated=True, cache_dir=tmp_path, flags={"--format"}, miglint=["miglint"]
    )
    warm = [c for c in plan.cases if c.tool == "miglint warm"]
    assert warm and all(c.skip for c in warm)
    assert not plan.cache
    assert any("same command" in n for n in plan.notes)
    cold = [c for c in plan.cases if c.tool == "miglint cold"]
    assert {c.corpus for c in cold} == {"sql", "django", "alembic", "all", "one file"}
    assert all("--fail-on" in c.argv and "json" in c.argv for c in cold)
    assert next(c for c in cold if c.corpus == "sql").files == len(list((small / "sql").rglob("*.sql")))


def test_plan_with_cache_uses_flags(small: Path, tmp_path: Path) -> None:
    flags = {"--format", "--no-cache", "--cache-dir"}
    plan = bench.plan_cases(small, generated=True, cache_dir=tmp_path / "c", flags=flags, miglint=["miglint"])
    assert plan.cache
    for case in plan.cases:
        if case.tool == "miglint cold":
            assert "--no-cache" in case.argv
        if case.tool == "miglint warm":
            assert not case.skip
            assert case.argv[case.argv.index("--cache-dir") + 1] == str(tmp_path / "c")


def test_measure_reports_exit_code_and_output(tmp_path: Path) -> None:
    sample = bench.measure(
        [sys.executable, "-c", "import sys; print('[]'); sys.exit(3)"],
        str(tmp_path),
        {},
        timeout=60,
        timer=bench.gnu_time(),
    )
    assert sample.returncode == 3
    assert sample.output.strip() == "[]"
    assert sample.rss_mb > 0
    assert sample.cpu >= 0


def test_check_output_flags_bad_runs(tmp_path: Path) -> None:
    case = bench.Case("sql", "miglint cold", [], str(tmp_path), 1, miglint=True)
    ok = bench.Sample(0.1, 0.1, 50.0, 0, '[{"code": "MG101"}]', "")
    assert bench.check_output(case, ok) is None
    crashed = bench.Sample(0.1, 0.1, 50.0, 2, "", "Traceback: boom")
    assert "exit code 2" in (bench.check_output(case, crashed) or "")
    garbage = bench.Sample(0.1, 0.1, 50.0, 0, "not json", "")
    assert "not JSON" in (bench.check_output(case, garbage) or "")
    internal = bench.Sample(0.1, 0.1, 50.0, 0, '[{"code": "MG000"}]', "")
    assert bench.check_output(case, internal) is None
    assert "MG000" in case.note


def test_survey_sorts_a_real_folder(small: Path) -> None:
    contents = bench.survey(small)
    assert len(contents.django) == DJANGO
    assert len(contents.alembic) == ALEMBIC
    assert len(contents.sql) == len(list((small / "sql").rglob("*.sql")))
    one = bench.first_up(contents.sql)
    assert one is not None and not one.name.endswith(".down.sql")
