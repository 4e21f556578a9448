"""Work split over processes gives exactly the serial result, in the same order."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

import miglint.discover
import miglint.parallel
from miglint.cache import Cache
from miglint.cli import main
from miglint.config import Settings
from miglint.context import RuleContext
from miglint.discover import finish, gather, load
from miglint.engine import lint
from miglint.findings import Finding
from miglint.parallel import default_jobs, map_ordered, parse_and_lint
from miglint.rules import builtin_rules
from miglint.rules._base import Rule

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"


def _pid_and_square(n: int) -> tuple[int, int]:
    return os.getpid(), n * n


def test_map_ordered_keeps_order_and_uses_processes() -> None:
    items = list(range(400))
    out = map_ordered(_pid_and_square, items, jobs=2, min_items=10)
    assert [square for _, square in out] == [n * n for n in items]
    assert any(pid != os.getpid() for pid, _ in out)


def test_small_inputs_stay_in_process() -> None:
    out = map_ordered(_pid_and_square, [1, 2, 3], jobs=4)
    assert out == [(os.getpid(), 1), (os.getpid(), 4), (os.getpid(), 9)]
    assert map_ordered(_pid_and_square, list(range(500)), jobs=1)[0] == (os.getpid(), 0)


def test_default_jobs_from_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MIGLINT_JOBS", "3")
    assert default_jobs() == 3
    monkeypatch.setenv("MIGLINT_JOBS", "zero")
    assert default_jobs() >= 1


def test_parallel_output_equals_serial_output(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Every SQL and Alembic fixture, read in worker processes (the threshold lowered so the
    # fixtures tree is "large"), must give the report of a serial run byte for byte.
    shutil.copytree(FIXTURES, tmp_path / "fixtures")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(miglint.parallel, "MIN_PARALLEL_ITEMS", 4)
    common = ["check", "--no-cache", "--format", "json", "--fail-on", "never", "fixtures"]
    runner = CliRunner()
    serial = runner.invoke(main, [*common, "--jobs", "1"], catch_exceptions=False)
    parallel = runner.invoke(main, [*common, "--jobs", "2"], catch_exceptions=False)
    assert serial.exit_code == parallel.exit_code == 0
    assert '"code"' in serial.output
    assert parallel.output == serial.output
    text_serial = runner.invoke(main, ["check", "--no-cache", "--jobs", "1", "fixtures"])
    text_parallel = runner.invoke(main, ["check", "--no-cache", "--jobs", "2", "fixtures"])
    assert text_parallel.output == text_serial.output
    assert text_parallel.exit_code == text_serial.exit_code


def _serial(root: Path, cache: Cache | None = None) -> list[Finding]:
    settings = Settings(root=str(root))
    loaded = finish(gather([str(root)], settings), cache=cache, jobs=1)
    return lint(loaded.migrations, settings, cache=cache, fingerprints=loaded.fingerprints).findings


def _parallel(root: Path, cache: Cache | None = None) -> tuple[list[Finding], list[str]]:
    done = parse_and_lint(gather([str(root)], Settings(root=str(root))), cache=cache, jobs=2)
    assert done is not None, "the run should have been split"
    _loaded, result, paths = done
    return result.findings, paths


@pytest.fixture
def sql_tree(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The SQL fixtures (many histories), with the size threshold lowered so they are split."""
    shutil.copytree(FIXTURES / "sql", tmp_path / "sql")
    monkeypatch.setattr(miglint.parallel, "MIN_PARALLEL_ITEMS", 4)
    return tmp_path / "sql"


def test_histories_parsed_and_linted_in_workers_as_serially(
    sql_tree: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    pids = tmp_path / "pids"
    job = miglint.parallel._lint_history_job  # pyright: ignore[reportPrivateUsage]

    def recording(history: str) -> tuple[list[Finding], list[tuple[str, str, bytes | None]]]:
        with pids.open("a") as handle:
            handle.write(f"{os.getpid()}\n")
        return job(history)

    recording.__qualname__ = recording.__name__ = "_lint_history_job"
    recording.__module__ = "miglint.parallel"
    monkeypatch.setattr(miglint.parallel, "_lint_history_job", recording)
    findings, paths = _parallel(sql_tree)
    serial = _serial(sql_tree)
    assert findings == serial
    assert [f.location for f in findings] == [f.location for f in serial]
    assert len({f.code for f in findings}) > 10
    settings = Settings(root=str(sql_tree))
    assert sorted(paths) == sorted(m.path for m in load([str(sql_tree)], settings).migrations)
    workers = set(pids.read_text().split())
    assert workers and str(os.getpid()) not in workers


def test_small_or_single_history_runs_are_not_split(sql_tree: Path, tmp_path: Path) -> None:
    settings = Settings(root=str(sql_tree))
    assert parse_and_lint(gather([str(sql_tree)], settings), jobs=1) is None
    one = tmp_path / "one"
    one.mkdir()
    for n in range(6):
        (one / f"{n:03}_t.sql").write_text(f"CREATE TABLE t{n} (id bigint PRIMARY KEY);\n")
    assert parse_and_lint(gather([str(one)], settings), jobs=2) is None
    miglint.parallel.MIN_PARALLEL_ITEMS = 200  # monkeypatch restores the fixture's value after
    assert parse_and_lint(gather([str(sql_tree)], settings), jobs=2) is None


def test_rule_failure_is_mg000_in_workers_too(sql_tree: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    broken = builtin_rules()[5]

    def explode(self: Rule, ctx: RuleContext) -> Iterator[Finding]:
        raise RuntimeError("boom")

    monkeypatch.setattr(broken, "check", explode)
    findings, _ = _parallel(sql_tree)
    assert findings == _serial(sql_tree)
    assert any(f.code == "MG000" and f"rule {broken.code}" in f.message for f in findings)


def test_worker_cache_entries_are_kept_and_never_stale(
    sql_tree: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = str(tmp_path / "cache")
    first = Cache(folder)
    findings, _ = _parallel(sql_tree, first)
    first.save()
    assert findings == _serial(sql_tree)

    def no_parsing(unit: object, settings: Settings) -> object:
        raise AssertionError("parsed again despite the cache")

    with monkeypatch.context() as patch:
        # Workers are forked: they see the patch. Everything must come from the cache.
        patch.setattr(miglint.discover, "parse_unit", no_parsing)
        again, _ = _parallel(sql_tree, Cache(folder))
    assert again == findings
    assert _serial(sql_tree, Cache(folder)) == findings

    # Editing the first migration of a history changes what its successors are checked against.
    target = next(p for p in sorted(sql_tree.rglob("*.sql")) if "CREATE TABLE" in p.read_text())
    target.write_text(target.read_text() + "\nCREATE INDEX zz_edited ON zz_edited (a);\n")
    edited = Cache(folder)
    after, _ = _parallel(sql_tree, edited)
    edited.save()
    assert after == _serial(sql_tree)
    assert after != findings
    assert any(f.location.path == str(target) for f in set(after) - set(findings))
    assert _parallel(sql_tree, Cache(folder))[0] == after
