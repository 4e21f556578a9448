"""Spread independent work (reading migration files) over processes, keeping input order.

Only large runs are split: starting workers costs more than reading a few files. The result
list is in the order of the input whatever the number of jobs, so a parallel run reports
exactly what a serial run reports.
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import TypeVar

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
