"""Work split over processes gives exactly the serial result, in the same order."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

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
    work = miglint.parallel._segment_work  # pyright: ignore[reportPrivateUsage]

    def recording(*args: Any, **kwargs: Any) -> Any:
        with pids.open("a") as handle:
            handle.write(f"{os.getpid()}\n")
        return work(*args, **kwargs)

    monkeypatch.setattr(miglint.parallel, "_segment_work", recording)
    findings, paths = _parallel(sql_tree)
    serial = _serial(sql_tree)
    assert findings == serial
    assert [f.location for f in findings] == [f.location for f in serial]
    assert len({f.code for f in findings}) > 10
    settings = Settings(root=str(sql_tree))
    assert sorted(paths) == sorted(m.path for m in load([str(sql_tree)], settings).migrations)
    workers = pids.read_text().split()
    assert len(workers) == 2 and str(os.getpid()) in workers and len(set(workers)) == 2


def _long_history(root: Path, count: int) -> Path:
    """One history: a table, ``count`` unrelated migrations, then changes that need the table's columns."""
    root.mkdir()
    (root / "0000_accounts.sql").write_text("CREATE TABLE accounts (id bigint PRIMARY KEY, amount int);\n")
    for n in range(1, count + 1):
        (root / f"{n:04}_t{n}.sql").write_text(f"CREATE TABLE t{n} (id bigint PRIMARY KEY);\n")
    last = count + 1
    (root / f"{last:04}_widen.sql").write_text("ALTER TABLE accounts ALTER COLUMN amount TYPE bigint;\n")
    (root / f"{last + 1:04}_index.sql").write_text("CREATE INDEX accounts_amount ON accounts (amount);\n")
    return root


@pytest.mark.parametrize("jobs", [2, 3])
def test_one_long_history_is_split_and_handed_on(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, jobs: int
) -> None:
    # Each segment after the first starts inside the history: the schema built by the ones
    # before it must arrive, or the late ALTER TYPE (MG107 needs the old type) goes unseen.
    root = _long_history(tmp_path / "one", 60)
    monkeypatch.setattr(miglint.parallel, "MIN_PARALLEL_ITEMS", 4)
    settings = Settings(root=str(root))
    segments = miglint.parallel._segments(gather([str(root)], settings).units, jobs)  # pyright: ignore[reportPrivateUsage]
    assert len(segments) == jobs
    assert all(s.continues for s in segments[1:]) and all(s.goes_on for s in segments[:-1])
    assert [u.up for s in segments for _, units in s.parts for u in units] == sorted(
        str(p) for p in root.glob("*.sql")
    )
    done = parse_and_lint(gather([str(root)], settings), jobs=jobs)
    assert done is not None
    findings = done[1].findings
    assert findings == _serial(root)
    assert {f.code for f in findings if f.location.path.endswith("_widen.sql")} >= {"MG107"}
    assert {f.code for f in findings if f.location.path.endswith("_index.sql")} >= {"MG101"}


def test_history_split_with_the_cache_gives_the_same_findings(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = _long_history(tmp_path / "one", 40)
    monkeypatch.setattr(miglint.parallel, "MIN_PARALLEL_ITEMS", 4)
    folder = str(tmp_path / "cache")
    first = Cache(folder)
    found, _ = _parallel(root, first)
    first.save()
    again, _ = _parallel(root, Cache(folder))
    assert found == again == _serial(root)


def test_a_worker_that_dies_makes_the_run_serial(sql_tree: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    main_pid = os.getpid()
    work = miglint.parallel._segment_work  # pyright: ignore[reportPrivateUsage]

    def dying(*args: Any, **kwargs: Any) -> Any:
        if os.getpid() != main_pid:
            os._exit(3)
        return work(*args, **kwargs)

    monkeypatch.setattr(miglint.parallel, "_segment_work", dying)
    assert parse_and_lint(gather([str(sql_tree)], Settings(root=str(sql_tree))), jobs=3) is None
    runner = CliRunner()
    common = ["check", "--no-cache", "--format", "json", "--fail-on", "never", str(sql_tree)]
    serial = runner.invoke(main, [*common, "--jobs", "1"], catch_exceptions=False)
    fallen_back = runner.invoke(main, [*common, "--jobs", "3"], catch_exceptions=False)
    assert fallen_back.output == serial.output and '"code"' in serial.output


def test_small_runs_are_not_split(sql_tree: Path, tmp_path: Path) -> None:
    settings = Settings(root=str(sql_tree))
    assert parse_and_lint(gather([str(sql_tree)], settings), jobs=1) is None
    gathered = gather([str(sql_tree)], settings)
    miglint.parallel.MIN_PARALLEL_ITEMS = len(gathered.units) + 1  # the fixture's value comes back after
    assert parse_and_lint(gathered, jobs=2) is None


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


def test_findings_cross_processes_field_for_field() -> None:
    # Findings come back from workers flattened and are rebuilt without their constructors:
    # every field (``migration``, excluded from ==, too) must survive, and the rebuilt ones
    # must hash, compare and print as the originals.
    settings = Settings(root=str(FIXTURES))
    loaded = finish(gather([str(FIXTURES / "sql")], settings), jobs=1)
    findings = lint(loaded.migrations, settings).findings
    assert len(findings) > 100 and any(f.migration for f in findings)
    flatten = miglint.parallel._flatten  # pyright: ignore[reportPrivateUsage]
    rebuilt = miglint.parallel._unflat([flatten(f) for f in findings])  # pyright: ignore[reportPrivateUsage]
    for original, copy in zip(findings, rebuilt, strict=True):
        assert copy == original and hash(copy) == hash(original) and repr(copy) == repr(original)
        assert vars(copy) == {**vars(original), "location": copy.location}
        assert vars(copy.location) == vars(original.location)
        assert type(copy.level) is type(original.level)


def test_files_read_by_the_workers_report_what_a_serial_run_reports(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Without a cache the SQL files are read by the processes that parse them: a file that
    # cannot be read is the same MG001 (and the same missing migration) as in a serial run.
    root = tmp_path / "db"
    root.mkdir()
    for n in range(40):
        (root / f"{n:04}_t{n}.up.sql").write_text(f"CREATE TABLE t{n} (id bigint PRIMARY KEY);\n")
        (root / f"{n:04}_t{n}.down.sql").write_text(f"DROP TABLE t{n};\n")
    (root / "0007_t7.up.sql").write_bytes(b"CREATE TABLE \xff (id int);\n")  # not UTF-8
    (root / "0031_t31.down.sql").write_bytes(b"DROP TABLE \xfe;\n")
    (root / "only").mkdir()
    (root / "only" / "0001_x.up.sql").write_bytes(b"\xff\xfe")  # a target whose one file is unreadable
    monkeypatch.setattr(miglint.parallel, "MIN_PARALLEL_ITEMS", 4)
    monkeypatch.chdir(tmp_path)
    runner = CliRunner()
    common = ["check", "--no-cache", "--format", "json", "--fail-on", "never", "db", "db/only"]
    serial = runner.invoke(main, [*common, "--jobs", "1"], catch_exceptions=False)
    parallel = runner.invoke(main, [*common, "--jobs", "2"], catch_exceptions=False)
    assert parallel.output == serial.output and parallel.exit_code == serial.exit_code
    assert serial.output.count("cannot read") == 3
    assert (
        "no migration found in db/only" in serial.stderr
        and "no migration found in db/only" in parallel.stderr
    )
