"""Work split over processes gives exactly the serial result, in the same order."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

import miglint.parallel
from miglint.cli import main
from miglint.parallel import default_jobs, map_ordered

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
