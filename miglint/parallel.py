"""Spread independent work (reading and linting migrations) over processes, keeping order.

Only large runs are split: starting workers costs more than reading a few files. Results come
back in the order of the input whatever the number of jobs, so a parallel run reports exactly
what a serial run reports.
"""

from __future__ import annotations

import gc
import os
import pickle
import threading
from collections.abc import Callable, Sequence
from contextlib import ExitStack
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, BinaryIO, NoReturn, TypeVar

from miglint.findings import Finding, Level, Location
from miglint.frozen import build

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
    # Imported here: multiprocessing and concurrent.futures cost ~10 ms of start-up.
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor
    from concurrent.futures.process import BrokenProcessPool

    methods = multiprocessing.get_all_start_methods()
    context = multiprocessing.get_context("fork" if "fork" in methods else None)
    chunk = max(1, len(items) // (workers * 4))
    try:
        with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
            return list(pool.map(function, items, chunksize=chunk))
    except (OSError, NotImplementedError, BrokenProcessPool):
        return [function(item) for item in items]


@dataclass(frozen=True)
class _Segment:
    """A stretch of the ordered SQL work of a run, for one process to parse and lint.

    ``parts`` are (history, units in lint order). The first part continues a history begun in
    the segment before when ``continues``; the last part's history goes on in the next segment
    when ``goes_on``.
    """

    parts: tuple[tuple[str, tuple[_Unit, ...]], ...]
    continues: bool
    goes_on: bool


@dataclass(frozen=True)
class _Run:
    """What every process of :func:`parse_and_lint` shares (inherited when it is forked)."""

    settings: Settings
    rules: tuple[type[Rule], ...]
    settings_key: str
    run_key: str | None
    cache: Cache | None


_Entry = tuple[str, str, "bytes | None"]
#: A finding sent back by a worker, flattened (far cheaper to unpickle than a Finding); a
#: plugin's finding of another class is sent as it is.
_Flat = tuple[str, str, int, str, str, int, int, int, int, str, str] | Finding
_LEVELS = {int(level): level for level in Level}


def parse_and_lint(
    gathered: Gathered,
    *,
    cache: Cache | None = None,
    jobs: int | None = None,
    rules: Sequence[type[Rule]] | None = None,
) -> tuple[Loaded, LintResult, list[str]] | None:
    """Parse and lint the SQL migrations of a large run over ``jobs`` processes.

    The same as ``lint(finish(gathered).migrations)`` (with ``cache`` and the fingerprints),
    findings in the same order. The SQL migrations, history after history in lint order, are
    cut into one segment per process, of about equal size: this process takes the first and
    forked workers the others. A segment may start or end inside a history: the process before
    it replays its own part of that history (cheap, before linting anything) and hands the
    schema it built to the next one, so a history of any length is spread too. The IR never
    crosses processes: only that schema, findings and new cache entries do. Python
    migrations, and SQL files sharing a history with them, are read and linted here.

    Returns the :class:`Loaded` of what was read here (its ``migrations`` lack the SQL
    migrations), the result, and the paths of all migrations; None when the run is too small
    or ``jobs`` is 1, or when a worker failed (then nothing is reported: use
    :func:`miglint.discover.finish` and :func:`miglint.engine.lint`).
    """
    from miglint.cache import run_fingerprint
    from miglint.discover import finish, settings_key
    from miglint.engine import LintResult, all_rules, code_selected, lint_history

    jobs = default_jobs() if jobs is None else jobs
    if jobs <= 1 or len(gathered.units) < MIN_PARALLEL_ITEMS or not hasattr(os, "fork"):
        return None
    settings = gathered.settings
    rule_classes = tuple(rules) if rules is not None else all_rules()
    # Python migrations first: a SQL file in the history of one is read and linted with it.
    loaded = finish(replace(gathered, units=[]), cache=cache, jobs=jobs)
    here = {m.history for m in loaded.migrations}
    local = [unit for unit in gathered.units if unit.history in here]
    if local:
        finish(replace(gathered, units=local, python=[]), cache=cache, jobs=1)
    remote = [unit for unit in gathered.units if unit.history not in here]
    caching = cache is not None and cache.enabled
    if cache is not None and caching:
        cache.preload("parse", "findings")
    run_key = run_fingerprint(settings, rule_classes) if caching else None
    run = _Run(
        settings=settings,
        rules=rule_classes,
        settings_key=settings_key(settings) if caching else "",
        run_key=run_key,
        cache=cache if caching else None,
    )
    outcome = _run_segments(_segments(remote, jobs), run)
    if outcome is None:
        return None
    found = outcome.findings
    loaded.problems.extend(outcome.problems)
    unread = set(outcome.unread)
    active = [r() for r in rule_classes if code_selected(r.code, settings.select, settings.ignore)]
    here_members: dict[str, list[Migration]] = {}
    for migration in loaded.migrations:
        here_members.setdefault(migration.history, []).append(migration)
    for history in sorted(here_members):
        found.extend(
            lint_history(
                history,
                here_members[history],
                settings,
                active,
                cache=cache,
                fingerprints=loaded.fingerprints,
                run_key=run_key,
            )
        )
    found.sort(key=Finding.sort_key)
    paths = [m.path for m in loaded.migrations] + [u.up for u in remote if u.up not in unread]
    return loaded, LintResult(findings=found, rules=rule_classes), paths


def _cost(unit: _Unit) -> int:
    """Roughly what reading and linting ``unit`` costs, in characters (a file costs some too).

    A unit not read yet counts as files of a typical size.
    """
    if unit.deferred:
        return 4000 * (2 if unit.down is not None else 1)
    return 400 + len(unit.text) + (len(unit.down_text) if unit.down_text is not None else 0)


def _segments(units: Sequence[_Unit], jobs: int) -> list[_Segment]:
    """``units`` in lint order (history by history), cut into up to ``jobs`` segments of equal cost."""
    by_history: dict[str, list[_Unit]] = {}
    for unit in units:
        by_history.setdefault(unit.history, []).append(unit)
    order = [
        (history, unit)
        for history in sorted(by_history)
        for unit in sorted(by_history[history], key=lambda u: (u.key, u.up))
    ]
    total = sum(_cost(unit) for _, unit in order)
    count = max(1, min(jobs, len(order) // max(1, MIN_PARALLEL_ITEMS // 2)))
    cuts: list[list[tuple[str, _Unit]]] = [[]]
    spent = 0
    for history, unit in order:
        if spent >= total * len(cuts) / count and len(cuts) < count:
            cuts.append([])
        cuts[-1].append((history, unit))
        spent += _cost(unit)
    segments: list[_Segment] = []
    for n, cut in enumerate(cuts):
        parts: list[tuple[str, list[_Unit]]] = []
        for history, unit in cut:
            if not parts or parts[-1][0] != history:
                parts.append((history, []))
            parts[-1][1].append(unit)
        continues = n > 0 and bool(cut) and cuts[n - 1][-1][0] == cut[0][0]
        goes_on = n + 1 < len(cuts) and bool(cut) and cuts[n + 1][0][0] == cut[-1][0]
        segments.append(_Segment(tuple((h, tuple(u)) for h, u in parts), continues, goes_on))
    return [segment for segment in segments if segment.parts]


@dataclass
class _Outcome:
    """What parsing and linting segments gave.

    Findings, new cache entries, and what reading the files the gathering left unread met:
    problems, and the up files that could not be read.
    """

    findings: list[Finding] = field(default_factory=list[Finding])
    entries: list[_Entry] = field(default_factory=list[_Entry])
    problems: list[Finding] = field(default_factory=list[Finding])
    unread: list[str] = field(default_factory=list[str])


def _run_segments(segments: list[_Segment], run: _Run) -> _Outcome | None:
    """The outcome of every segment: the first here, the others in forked workers.

    None when a worker failed (or could not start): the caller then reads and lints serially.
    """
    children: list[tuple[int, int]] = []  # (pid, fd its results come from)
    pipes: set[int] = set()  # every pipe end this process holds for segments not yet started
    handoff: int | None = None  # read end of the pipe the previous segment's schema comes from
    mine: tuple[int | None, int | None] = (None, None)
    failed = False
    try:
        for n, segment in enumerate(segments):
            receive = handoff if segment.continues else None
            send = None
            if segment.goes_on:
                handoff, send = os.pipe()
                pipes.update((handoff, send))
            if n == 0:
                mine = (receive, send)
                continue
            results_in, results_out = os.pipe()
            gc.freeze()  # a collection in a worker would otherwise copy every page it shares
            pid = os.fork()
            if pid == 0:  # pragma: no cover - the worker's end is checked through its results
                for fd in (pipes | {fd for _, fd in children}) - {receive, send}:
                    os.close(fd)
                os.close(results_in)
                _worker(segment, run, receive, send, results_out)
            os.close(results_out)
            children.append((pid, results_in))
            for fd in (receive, send):
                if fd is not None:
                    os.close(fd)
                    pipes.discard(fd)
    except OSError:
        failed = True  # a worker that got no schema gives up; the run goes serial
        for fd in pipes - set(mine):
            os.close(fd)
    outcome = _Outcome()
    try:
        if segments:
            # Not when a worker could not start: its successors would wait for its schema.
            outcome = _segment_work(segments[0], run, *mine, skip=failed)
            if run.cache is not None:
                run.cache.merge(outcome.entries)
    finally:
        for pid, fd in children:
            with os.fdopen(fd, "rb") as results:
                data = results.read()
            _, status = os.waitpid(pid, 0)
            if failed or status != 0 or not data:
                failed = True
                continue
            flat, entries, problems, unread = pickle.loads(data)
            outcome.findings.extend(_unflat(flat))
            outcome.problems.extend(problems)
            outcome.unread.extend(unread)
            if run.cache is not None:
                run.cache.merge(entries)
    return None if failed else outcome


def _worker(segment: _Segment, run: _Run, receive: int | None, send: int | None, results: int) -> NoReturn:
    """A forked worker: do ``segment``, write the pickled outcome to ``results``, and exit."""
    status = 1
    try:
        done = _segment_work(segment, run, receive, send)
        flat = [_flatten(f) for f in done.findings]
        data = pickle.dumps(
            (flat, done.entries, done.problems, done.unread), protocol=pickle.HIGHEST_PROTOCOL
        )
        with os.fdopen(results, "wb") as out:
            out.write(data)
        status = 0
    finally:
        os._exit(status)


def _segment_work(
    segment: _Segment, run: _Run, receive: int | None, send: int | None, *, skip: bool = False
) -> _Outcome:
    """Parse (or take from the cache) and lint ``segment`` (see :class:`_Outcome`).

    The schema its first history had before it comes from the pipe ``receive``; what its last
    history has after it goes to the pipe ``send`` (from a thread, so that linting goes on
    meanwhile). Both are closed whatever happens, so that no other process waits forever.
    ``skip`` closes them and does nothing else.
    """
    from miglint.engine import HistoryStart, code_selected, lint_history, replay_history

    with ExitStack() as closing:
        incoming = closing.enter_context(os.fdopen(receive, "rb")) if receive is not None else None
        outgoing = closing.enter_context(os.fdopen(send, "wb")) if send is not None else None
        outcome = _Outcome()
        if skip:
            return outcome
        cache = run.cache
        if cache is not None:
            cache.record()
        fingerprints: dict[str, str] = {}
        parts = [(history, _parse(units, run, fingerprints, outcome)) for history, units in segment.parts]
        start = incoming.read() if incoming is not None else None
        if start is not None and not start:
            raise RuntimeError("the worker before this one sent no schema")
        sender: threading.Thread | None = None
        if outgoing is not None:
            history, members = parts[-1]
            begin = pickle.loads(start) if start is not None and len(parts) == 1 else None
            after = replay_history(
                history, members, start=begin, fingerprints=fingerprints, caching=cache is not None
            )
            data = pickle.dumps(after, protocol=pickle.HIGHEST_PROTOCOL)
            closing.pop_all()  # the thread closes the pipe it writes; the incoming one is read
            sender = threading.Thread(target=_send, args=(outgoing, data))
            sender.start()
    settings = run.settings
    active = [r() for r in run.rules if code_selected(r.code, settings.select, settings.ignore)]
    for n, (history, members) in enumerate(parts):
        begin: HistoryStart | None = pickle.loads(start) if n == 0 and start is not None else None
        outcome.findings += lint_history(
            history,
            members,
            settings,
            active,
            cache=cache,
            fingerprints=fingerprints if cache is not None else None,
            run_key=run.run_key,
            start=begin,
        )
    if sender is not None:
        sender.join()
    outcome.entries = cache.recorded() if cache is not None else []
    return outcome


def _parse(
    units: Sequence[_Unit], run: _Run, fingerprints: dict[str, str], outcome: _Outcome
) -> list[Migration]:
    """The IR of ``units`` (from the cache when it has it); their cache keys go to ``fingerprints``.

    Units the gathering left unread are read here: problems reading them go to ``outcome``,
    with the up files that could not be read (they make no migration).
    """
    from miglint.discover import parse_unit, read_unit
    from miglint.ir.migration import Migration

    cache = run.cache
    migrations: list[Migration] = []
    for given in units:
        unit, problems = read_unit(given)
        outcome.problems.extend(problems)
        if unit is None:
            outcome.unread.append(given.up)
            continue
        key = unit.digest(run.settings_key) if cache is not None else ""
        value = cache.get("parse", key) if cache is not None else None
        if isinstance(value, Migration) and value.path == unit.up:
            migration = value
        else:
            migration = parse_unit(unit, run.settings)
            if cache is not None:
                cache.put("parse", key, migration)
        if cache is not None:
            fingerprints[migration.path] = key
        migrations.append(migration)
    return migrations


def _send(outgoing: BinaryIO, data: bytes) -> None:
    """Write ``data`` to the pipe ``outgoing`` and close it (a reader that is gone is no error here)."""
    try:
        with outgoing:
            outgoing.write(data)
    except BrokenPipeError:
        pass


def _flatten(f: Finding) -> _Flat:
    if type(f) is not Finding or type(f.location) is not Location:
        return f
    loc = f.location
    return (
        f.code,
        f.name,
        int(f.level),
        f.message,
        loc.path,
        loc.line,
        loc.column,
        loc.end_line,
        loc.end_column,
        f.help,
        f.migration,
    )


def _unflat(flat: Sequence[_Flat]) -> list[Finding]:
    """The findings :func:`_flatten` made ``flat`` of, equal field for field.

    Built without their constructors (~3x cheaper, thousands of them on the critical path):
    the values are those of findings that were constructed once already.
    """
    levels = _LEVELS
    found: list[Finding] = []
    for f in flat:
        if isinstance(f, Finding):
            found.append(f)
            continue
        code, name, level, message, path, line, column, end_line, end_column, help_, migration = f
        location = build(
            Location, path=path, line=line, column=column, end_line=end_line, end_column=end_column
        )
        finding = build(
            Finding,
            code=code,
            name=name,
            level=levels[level],
            message=message,
            location=location,
            help=help_,
            migration=migration,
        )
        found.append(finding)
    return found
