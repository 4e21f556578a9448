"""Spread independent work (reading and linting migrations) over processes, keeping order.

Only large runs are split: starting workers costs more than reading a few files. Results come
back in the order of the input whatever the number of jobs, so a parallel run reports exactly
what a serial run reports.
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, TypeVar

from miglint.findings import Finding

if TYPE_CHECKING:
    from miglint.cache import Cache
    from miglint.config import Settings
    from miglint.discover import Gathered, Loaded
    from miglint.discover import _SqlUnit as _Unit  # pyright: ignore[reportPrivateUsage]
    from miglint.engine import LintResult
    from miglint.ir.migration import Migration
    from miglint.rules._base import Rule

T = TypeVar("T")
R = TypeVar("R")

#: Fewer items than this are handled in the calling process.
MIN_PARALLEL_ITEMS = 200
_ENV_JOBS = "MIGLINT_JOBS"


def default_jobs() -> int:
    """``$MIGLINT_JOBS``, else the CPUs this process may use."""
    env = os.environ.get(_ENV_JOBS, "").strip()
    if env.isdigit() and int(env) > 0:
        return int(env)
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


def map_ordered(
    function: Callable[[T], R],
    items: Sequence[T],
    *,
    jobs: int | None = None,
    min_items: int | None = None,
) -> list[R]:
    """``[function(item) for item in items]``, over up to ``jobs`` processes when worth it.

    ``function`` must be picklable (a module-level function or a ``functools.partial`` of one)
    and so must items and results. Fewer than ``min_items`` (default
    :data:`MIN_PARALLEL_ITEMS`) items run here. Falls back to a serial run when processes
    cannot start.
    """
    jobs = default_jobs() if jobs is None else jobs
    min_items = MIN_PARALLEL_ITEMS if min_items is None else min_items
    workers = min(jobs, len(items) // max(1, min_items // 2) or 1)
    if jobs <= 1 or len(items) < min_items or workers <= 1:
        return [function(item) for item in items]
    # fork shares the already imported front ends with the workers; elsewhere use the default.
    methods = multiprocessing.get_all_start_methods()
    context = multiprocessing.get_context("fork" if "fork" in methods else None)
    chunk = max(1, len(items) // (workers * 4))
    try:
        with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
            return list(pool.map(function, items, chunksize=chunk))
    except (OSError, NotImplementedError, BrokenProcessPool):
        return [function(item) for item in items]


@dataclass(frozen=True)
class _HistoryJob:
    """What every worker of :func:`parse_and_lint` shares (inherited when it is forked)."""

    settings: Settings
    units: dict[str, list[_Unit]]
    rules: tuple[type[Rule], ...]
    settings_key: str
    run_key: str | None
    cache: Cache | None


_job: _HistoryJob | None = None
_Entry = tuple[str, str, "bytes | None"]


def parse_and_lint(
    gathered: Gathered,
    *,
    cache: Cache | None = None,
    jobs: int | None = None,
    rules: Sequence[type[Rule]] | None = None,
) -> tuple[Loaded, LintResult, list[str]] | None:
    """Parse and lint the SQL histories of a large run in worker processes, each history whole.

    The same as ``lint(finish(gathered).migrations)`` (with ``cache`` and the fingerprints),
    findings in the same order, but a worker parses the files of a history and lints them,
    so the IR never crosses processes: only findings and new cache entries come back. Python
    migrations, and SQL files sharing a history with them, are read and linted here.

    Returns the :class:`Loaded` of what was read here (its ``migrations`` lack the SQL
    migrations of the workers), the result, and the paths of all migrations; None when the
    run is too small, has fewer than two SQL histories, or ``jobs`` is 1 (then nothing was
    done: use :func:`miglint.discover.finish` and :func:`miglint.engine.lint`).
    """
    global _job
    from miglint.cache import run_fingerprint
    from miglint.discover import finish, settings_key
    from miglint.engine import LintResult, all_rules, code_selected, lint_history

    jobs = default_jobs() if jobs is None else jobs
    units: dict[str, list[_Unit]] = {}
    for unit in gathered.units:
        units.setdefault(unit.history, []).append(unit)
    methods = multiprocessing.get_all_start_methods()
    if jobs <= 1 or len(gathered.units) < MIN_PARALLEL_ITEMS or len(units) < 2 or "fork" not in methods:
        return None
    settings = gathered.settings
    rule_classes = tuple(rules) if rules is not None else all_rules()
    # Python migrations first: a SQL file in the history of one is read and linted with it.
    loaded = finish(replace(gathered, units=[]), cache=cache, jobs=jobs)
    here = {m.history for m in loaded.migrations}
    local = [unit for unit in gathered.units if unit.history in here]
    if local:
        finish(replace(gathered, units=local, python=[]), cache=cache, jobs=1)
    remote = sorted((h for h in units if h not in here), key=lambda h: (-len(units[h]), h))
    caching = cache is not None and cache.enabled
    if cache is not None and caching:
        cache.preload("parse", "findings")
    run_key = run_fingerprint(settings, rule_classes) if caching else None
    _job = _HistoryJob(
        settings=settings,
        units={h: units[h] for h in remote},
        rules=rule_classes,
        settings_key=settings_key(settings) if caching else "",
        run_key=run_key,
        cache=cache if caching else None,
    )
    try:
        done = _run_jobs(remote, jobs)
    finally:
        _job = None
    active = [r() for r in rule_classes if code_selected(r.code, settings.select, settings.ignore)]
    here_members: dict[str, list[Migration]] = {}
    for migration in loaded.migrations:
        here_members.setdefault(migration.history, []).append(migration)
    findings: list[Finding] = []
    for history in sorted({*here_members, *remote}):
        if history in here_members:
            found = lint_history(
                history,
                here_members[history],
                settings,
                active,
                cache=cache,
                fingerprints=loaded.fingerprints,
                run_key=run_key,
            )
        else:
            found, entries = done[history]
            if cache is not None:
                cache.merge(entries)
        findings.extend(found)
    findings.sort(key=Finding.sort_key)
    paths = [m.path for m in loaded.migrations] + [u.up for h in remote for u in units[h]]
    return loaded, LintResult(findings=findings, rules=rule_classes), paths


def _run_jobs(histories: list[str], jobs: int) -> dict[str, tuple[list[Finding], list[_Entry]]]:
    """:func:`_lint_history_job` of each history, in forked workers (here if they cannot start)."""
    workers = min(jobs, len(histories))
    if workers > 1:
        context = multiprocessing.get_context("fork")
        try:
            with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
                return dict(zip(histories, pool.map(_lint_history_job, histories), strict=True))
        except (OSError, NotImplementedError, BrokenProcessPool):
            pass
    return {history: _lint_history_job(history) for history in histories}


def _lint_history_job(history: str) -> tuple[list[Finding], list[_Entry]]:
    """Parse (or take from the cache) the SQL files of ``history`` and lint them, as serially."""
    from miglint.discover import parse_unit
    from miglint.engine import code_selected, lint_history
    from miglint.ir.migration import Migration

    job = _job
    assert job is not None, "run by parse_and_lint only"
    cache = job.cache
    if cache is not None:
        cache.record()
    migrations: list[Migration] = []
    fingerprints: dict[str, str] = {}
    for unit in job.units[history]:
        key = unit.digest(job.settings_key) if cache is not None else ""
        value = cache.get("parse", key) if cache is not None else None
        if isinstance(value, Migration) and value.path == unit.up:
            migration = value
        else:
            migration = parse_unit(unit, job.settings)
            if cache is not None:
                cache.put("parse", key, migration)
        if cache is not None:
            fingerprints[migration.path] = key
        migrations.append(migration)
    settings = job.settings
    active = [r() for r in job.rules if code_selected(r.code, settings.select, settings.ignore)]
    found = lint_history(
        history,
        migrations,
        settings,
        active,
        cache=cache,
        fingerprints=fingerprints if cache is not None else None,
        run_key=job.run_key,
    )
    return found, cache.recorded() if cache is not None else []
