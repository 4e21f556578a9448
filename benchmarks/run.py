"""Benchmark miglint against squawk and django-zdm on the same migrations.

``python benchmarks/run.py`` generates the corpus (``benchmarks/corpus.py``) into a temporary
folder, then runs every case once untimed (to warm the file system cache and fill miglint's
cache) and ``--runs`` times timed, interleaved (round 1 runs every case, then round 2, …), and
prints the medians: wall time, CPU time (user + system of the child and its children) and peak
RSS (``ru_maxrss`` of the child from ``os.wait4``), with the ratios the performance issue sets as
targets. ``--corpus DIR`` reuses (or creates) a generated corpus; ``--path DIR`` times any folder
of real migrations instead. ``--json FILE`` also writes every figure as JSON.

Every process runs with a timeout and the whole benchmark stops starting new rounds once
``--budget`` seconds are spent, reporting the rounds it did.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import re
import resource
import shutil
import signal
import statistics
import subprocess
import sys
import sysconfig
import tempfile
import threading
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import cast

sys.path.insert(0, str(Path(__file__).resolve().parent))

import corpus as corpus_mod  # the generator lives beside this script

SKIP_DIRS = frozenset({".git", "node_modules", "__pycache__", ".venv", "venv", ".tox", ".miglint_cache"})


@dataclass
class Sample:
    """One timed process."""

    wall: float
    cpu: float
    rss_mb: float
    returncode: int
    output: str
    errors: str


@dataclass
class Case:
    """One command to time: which corpus, which tool, how to run it."""

    corpus: str
    tool: str
    argv: list[str]
    cwd: str
    files: int
    ok_codes: tuple[int, ...] = (0,)
    env: dict[str, str] = field(default_factory=dict[str, str])
    miglint: bool = False
    note: str = ""
    skip: bool = False
    samples: list[Sample] = field(default_factory=list[Sample])
    failure: str | None = None

    @property
    def label(self) -> str:
        return f"{self.corpus}/{self.tool}"

    def median_wall(self) -> float | None:
        return statistics.median(s.wall for s in self.samples) if self.samples else None

    def median_cpu(self) -> float | None:
        return statistics.median(s.cpu for s in self.samples) if self.samples else None

    def peak_rss(self) -> float | None:
        return max(s.rss_mb for s in self.samples) if self.samples else None


# --- running a child and reading its resource use ------------------------------------------------


def gnu_time() -> str | None:
    """GNU time, used to read a child's own peak RSS (see :func:`measure`), or None."""
    for candidate in ("/usr/bin/time", shutil.which("gtime")):
        if candidate is None or not os.access(candidate, os.X_OK):
            continue
        try:
            done = subprocess.run(
                [candidate, "--version"], capture_output=True, text=True, timeout=10, check=False
            )
        except (OSError, subprocess.TimeoutExpired):
            continue
        if "GNU" in done.stdout + done.stderr:
            return candidate
    return None


def measure(argv: Sequence[str], cwd: str, env: dict[str, str], timeout: float, timer: str | None) -> Sample:
    """Run ``argv`` once: wall clock around it, CPU time and peak RSS from ``os.wait4``.

    ``wait4`` reports the child's own usage plus that of the children it waited for, so CPU
    time includes worker processes. Its ``ru_maxrss`` is the largest single process, but on
    Linux it also counts the memory of the process that forked the child (the benchmark's own
    Python, ~15-30 MB) because the child starts as a copy of it. So when GNU time (``timer``)
    is there, the command runs under it — it forks from a 1 MB process — and the peak RSS is
    the one it reports; its own start-up (~1 ms) is in the wall and CPU figures.
    """
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        fd, rss_path = tempfile.mkstemp(prefix="rss-")
        os.close(fd)
        command = list(argv) if timer is None else [timer, "-f", "%M", "-o", rss_path, *argv]
        start = time.perf_counter()
        proc = subprocess.Popen(
            command, cwd=cwd, env={**os.environ, **env}, stdout=out, stderr=err, start_new_session=True
        )
        killed = threading.Event()

        def kill() -> None:
            killed.set()
            with contextlib.suppress(OSError):
                os.killpg(proc.pid, signal.SIGKILL)  # the whole group: workers and the timed tool

        watchdog = threading.Timer(timeout, kill)
        watchdog.start()
        try:
            _, status, usage = os.wait4(proc.pid, 0)
        finally:
            watchdog.cancel()
        wall = time.perf_counter() - start
        proc.returncode = os.waitstatus_to_exitcode(status)  # reaped here: Popen must not wait again
        out.seek(0)
        err.seek(0)
        output = out.read().decode("utf-8", "replace")
        errors = err.read().decode("utf-8", "replace")
    rss_kib = float(usage.ru_maxrss if sys.platform != "darwin" else usage.ru_maxrss / 1024)
    try:
        reported = Path(rss_path).read_text(encoding="utf-8").split()
    finally:
        os.unlink(rss_path)
    if timer is not None and reported and reported[-1].isdigit():
        # GNU time writes "Command exited with non-zero status N" before the figure.
        rss_kib = float(reported[-1])
    if killed.is_set():
        errors += f"\n[killed after {timeout:.0f} s]"
    return Sample(
        wall=wall,
        cpu=usage.ru_utime + usage.ru_stime,
        rss_mb=rss_kib / 1024,
        returncode=proc.returncode,
        output=output,
        errors=errors,
    )


def _tail(text: str, lines: int = 6) -> str:
    return "\n".join(text.strip().splitlines()[-lines:])


def check_output(case: Case, sample: Sample) -> str | None:
    """Why ``sample`` is not a successful run of ``case`` (None when it is)."""
    if sample.returncode not in case.ok_codes:
        return f"exit code {sample.returncode}: {_tail(sample.errors or sample.output)}"
    if case.miglint:
        try:
            data: object = json.loads(sample.output)
        except json.JSONDecodeError:
            return f"output is not JSON: {_tail(sample.output)}"
        findings = cast(dict[str, object], data).get("findings") if isinstance(data, dict) else data
        if not isinstance(findings, list):
            return "JSON output holds no findings list"
        codes = [
            cast(dict[str, object], f).get("code")
            for f in cast(list[object], findings)
            if isinstance(f, dict)
        ]
        internal = codes.count("MG000")
        if internal:
            case.note = f"{internal} internal errors (MG000)"
    return None


# --- finding the tools ------------------------------------------------------------------------------


def find_tool(name: str) -> str | None:
    """The executable ``name``: beside this interpreter first, else on PATH.

    A version manager's shim (pyenv's ``shims/``) is resolved to the real file: the shim is a
    shell script whose start-up (~70 ms) would be charged to the tool.
    """
    scripts = Path(sysconfig.get_path("scripts"))
    for candidate in (scripts / name, scripts / f"{name}.exe"):
        if candidate.is_file() and os.access(candidate, os.X_OK):
            return str(candidate)
    found = shutil.which(name)
    if found is not None and Path(found).parent.name == "shims" and shutil.which("pyenv"):
        try:
            done = subprocess.run(
                ["pyenv", "which", name], capture_output=True, text=True, timeout=30, check=False
            )
        except (OSError, subprocess.TimeoutExpired):
            return found
        real = done.stdout.strip()
        if done.returncode == 0 and real and Path(real).is_file():
            return real
    return found


def miglint_command() -> list[str]:
    """How to start miglint: its console script, else the module through this interpreter."""
    script = find_tool("miglint")
    if script is not None:
        return [script]
    return [sys.executable, "-c", "import sys; from miglint.cli import main; sys.exit(main())"]


def miglint_flags(command: Sequence[str]) -> set[str]:
    """The long options ``miglint check --help`` lists (read at run time: the CLI evolves)."""
    try:
        done = subprocess.run(
            [*command, "check", "--help"], capture_output=True, text=True, timeout=60, check=False
        )
    except (OSError, subprocess.TimeoutExpired):
        return set()
    return set(re.findall(r"--[a-z][a-z0-9-]*", done.stdout))


def version_of(argv: Sequence[str]) -> str | None:
    """First line of ``argv`` (a ``--version`` call), or None when it cannot run."""
    try:
        done = subprocess.run(list(argv), capture_output=True, text=True, timeout=30, check=False)
    except (OSError, subprocess.TimeoutExpired):
        return None
    text = (done.stdout or done.stderr).strip()
    return text.splitlines()[0] if text else None


def miglint_version() -> str:
    try:
        from importlib.metadata import version

        return version("miglint")
    except Exception:
        return "unknown"


# --- what is in a folder -------------------------------------------------------------------------------


def walk(root: Path) -> list[Path]:
    """Files under ``root`` (hidden and tool folders skipped), sorted."""
    found: list[Path] = []
    for here, dirs, files in os.walk(root):
        dirs[:] = sorted(d for d in dirs if d not in SKIP_DIRS and not d.startswith("."))
        found.extend(Path(here, f) for f in sorted(files) if not f.startswith("."))
    return found


@dataclass
class Contents:
    """Migration files of a folder, by kind."""

    sql: list[Path] = field(default_factory=list[Path])
    django: list[Path] = field(default_factory=list[Path])
    alembic: list[Path] = field(default_factory=list[Path])


def survey(root: Path) -> Contents:
    """Sort the migration files under ``root`` by kind (markers only: nothing is imported)."""
    contents = Contents()
    for path in walk(root):
        if path.suffix.lower() == ".sql":
            contents.sql.append(path)
        elif path.suffix == ".py" and path.name != "__init__.py":
            try:
                text = path.read_text(encoding="utf-8", errors="replace")
            except OSError:
                continue
            if "down_revision" in text and "def upgrade" in text:
                contents.alembic.append(path)
            elif "migrations.Migration" in text and path.parent.name == "migrations":
                contents.django.append(path)
    return contents


def first_up(paths: Sequence[Path]) -> Path | None:
    """A migration (not a down/undo file) from ``paths``: the middle one, as pre-commit would see."""
    ups = [p for p in paths if not re.search(r"\.down\.sql$|^U\d|^down\.sql$", p.name, re.IGNORECASE)]
    return ups[len(ups) // 2] if ups else None


# --- the cases ------------------------------------------------------------------------------------------


@dataclass
class Plan:
    """The cases of one benchmark run and what is known about the tools."""

    cases: list[Case]
    cache: bool
    notes: list[str]


def plan_cases(root: Path, *, generated: bool, cache_dir: Path, flags: set[str], miglint: list[str]) -> Plan:
    """Cases for a generated corpus (``sql/``, ``django/``, ``alembic/``) or any folder."""
    notes: list[str] = []
    cache = "--no-cache" in flags
    base = [*miglint, "check", "--format", "json", "--fail-on", "never"]
    if cache:
        cold_flags = ["--no-cache"]
        warm_flags = ["--cache-dir", str(cache_dir)] if "--cache-dir" in flags else []
        warm_env = {} if "--cache-dir" in flags else {"MIGLINT_CACHE_DIR": str(cache_dir)}
    else:
        cold_flags, warm_flags, warm_env = [], [], {}
        notes.append(
            "miglint check has no --no-cache option yet: there is no cache, so 'cold' and 'warm' "
            "are the same command and only 'cold' is timed."
        )
    cold_env = {"MIGLINT_NO_CACHE": "1"}
    squawk = find_tool("squawk")
    zdm = find_tool("zdm")
    if squawk is None:
        notes.append("squawk: not installed (pip install squawk-cli)")
    if zdm is None:
        notes.append("django-zdm: not installed (pip install django-zdm)")
    cases: list[Case] = []

    def miglint_cases(corpus: str, cwd: Path, target: str, files: int) -> None:
        cases.append(
            Case(
                corpus,
                "miglint cold",
                [*base, *cold_flags, target],
                str(cwd),
                files,
                env=cold_env,
                miglint=True,
            )
        )
        if cache:
            cases.append(
                Case(
                    corpus,
                    "miglint warm",
                    [*base, *warm_flags, target],
                    str(cwd),
                    files,
                    env=warm_env,
                    miglint=True,
                )
            )
        else:
            cases.append(
                Case(corpus, "miglint warm", [], str(cwd), files, note="= cold: no cache yet", skip=True)
            )

    contents = survey(root)
    if generated:
        sql_root, django_root, alembic_root = root / "sql", root / "django", root / "alembic"
        sql, django, alembic = survey(sql_root).sql, survey(django_root).django, survey(alembic_root).alembic
        miglint_cases("sql", sql_root, ".", len(sql))
        if squawk is not None:
            cases.append(
                Case(
                    "sql",
                    "squawk",
                    [squawk, "--reporter", "json", "**/*.sql"],
                    str(sql_root),
                    len(sql),
                    (0, 1),
                )
            )
        miglint_cases("django", django_root, ".", len(django))
        if zdm is not None:
            cases.append(
                Case(
                    "django",
                    "django-zdm",
                    [zdm, "--output-format", "json", "."],
                    str(django_root),
                    len(django),
                    (0, 1),
                )
            )
        miglint_cases("alembic", alembic_root, ".", len(alembic))
        if zdm is not None:
            cases.append(
                Case(
                    "alembic",
                    "django-zdm",
                    [zdm, "--output-format", "json", "."],
                    str(alembic_root),
                    len(alembic),
                    (0, 1),
                )
            )
        total = len(sql) + len(django) + len(alembic)
        cases.append(
            Case(
                "all", "miglint cold", [*base, *cold_flags, "."], str(root), total, env=cold_env, miglint=True
            )
        )
        one = first_up(sql)
    else:
        total = len(contents.sql) + len(contents.django) + len(contents.alembic)
        if total == 0:
            notes.append(f"no migration files recognised under {root}")
        miglint_cases("path", root, ".", total)
        if squawk is not None and contents.sql:
            cases.append(
                Case(
                    "path",
                    "squawk",
                    [squawk, "--reporter", "json", "**/*.sql"],
                    str(root),
                    len(contents.sql),
                    (0, 1),
                )
            )
        if zdm is not None and (contents.django or contents.alembic):
            cases.append(
                Case(
                    "path",
                    "django-zdm",
                    [zdm, "--output-format", "json", "."],
                    str(root),
                    len(contents.django) + len(contents.alembic),
                    (0, 1),
                )
            )
        if contents.sql and (contents.django or contents.alembic):
            notes.append("the folder mixes SQL and Python migrations: each peer reads only its own kind")
        one = first_up(contents.sql) or (contents.django or contents.alembic or [None])[0]
    if one is not None:
        rel = os.path.relpath(one, root)
        cases.append(
            Case(
                "one file",
                "miglint cold",
                [*base, *cold_flags, rel],
                str(root),
                1,
                env=cold_env,
                miglint=True,
            )
        )
        if squawk is not None and one.suffix == ".sql":
            cases.append(
                Case("one file", "squawk", [squawk, "--reporter", "json", rel], str(root), 1, (0, 1))
            )
    return Plan(cases, cache, notes)


# --- running and reporting ------------------------------------------------------------------------------


def run_rounds(
    cases: list[Case], runs: int, timeout: float, budget: float, timer: str | None, *, log: bool
) -> int:
    """One untimed round, then ``runs`` timed rounds of every case; returns rounds timed."""
    started = time.monotonic()
    done = 0
    for round_no in range(runs + 1):
        if round_no > 1 and time.monotonic() - started > budget:
            print(
                f"  time budget of {budget:.0f} s spent: stopping after {done} timed rounds", file=sys.stderr
            )
            break
        for case in cases:
            if case.failure is not None or case.skip:
                continue
            sample = measure(case.argv, case.cwd, case.env, timeout, timer)
            problem = check_output(case, sample)
            if problem is not None:
                case.failure = problem
                continue
            if round_no > 0:
                case.samples.append(sample)
        if round_no > 0:
            done += 1
        if log:
            what = "warm-up round" if round_no == 0 else f"round {round_no}/{runs}"
            print(f"  {what} done ({time.monotonic() - started:.1f} s)", file=sys.stderr)
    return done


def _fmt_time(seconds: float | None) -> str:
    if seconds is None:
        return "-"
    return f"{seconds * 1000:.0f} ms" if seconds < 1 else f"{seconds:.2f} s"


def _fmt_mb(mb: float | None) -> str:
    return "-" if mb is None else f"{mb:.0f} MB"


@dataclass
class Target:
    """One goal from the performance issue and how this run measured against it."""

    name: str
    measured: str
    ratio: float | None
    limit: float
    unit: str
    passed: bool | None
    detail: str = ""


def _find(cases: Sequence[Case], corpus: str, tool: str) -> Case | None:
    return next((c for c in cases if c.corpus == corpus and c.tool == tool), None)


def targets(plan: Plan) -> list[Target]:
    """The issue's targets, computed from the medians of this run."""
    cases = plan.cases
    out: list[Target] = []
    sql_corpus = "sql" if _find(cases, "sql", "miglint cold") else "path"

    def ratio(name: str, mine: Case | None, peer: Case | None, limit: float, peer_name: str) -> None:
        mine_wall = mine.median_wall() if mine else None
        peer_wall = peer.median_wall() if peer else None
        if mine_wall is None or peer_wall is None or peer_wall <= 0:
            why = f"{peer_name} not run" if peer_wall is None else "miglint not run"
            out.append(Target(name, "n/a", None, limit, "x", None, why))
            return
        r = mine_wall / peer_wall
        measured = f"{_fmt_time(mine_wall)} / {_fmt_time(peer_wall)} = {r:.1f}x"
        out.append(Target(name, measured, r, limit, "x", r <= limit))

    cold = _find(cases, sql_corpus, "miglint cold")
    warm = _find(cases, sql_corpus, "miglint warm")
    squawk = _find(cases, sql_corpus, "squawk")
    ratio(f"{sql_corpus} cold <= 3x squawk", cold, squawk, 3.0, "squawk")
    if plan.cache:
        ratio(f"{sql_corpus} warm <= 1x squawk", warm, squawk, 1.0, "squawk")
    else:
        out.append(Target(f"{sql_corpus} warm <= 1x squawk", "n/a", None, 1.0, "x", None, "no cache yet"))
    dj_corpus = "django" if _find(cases, "django", "miglint cold") else "path"
    ratio(
        f"{dj_corpus} cold <= 10x django-zdm",
        _find(cases, dj_corpus, "miglint cold"),
        _find(cases, dj_corpus, "django-zdm"),
        10.0,
        "django-zdm",
    )
    one = _find(cases, "one file", "miglint cold")
    one_wall = one.median_wall() if one else None
    if one_wall is None:
        out.append(Target("one file <= 250 ms", "n/a", None, 250, "ms", None, "not run"))
    else:
        out.append(
            Target("one file <= 250 ms", _fmt_time(one_wall), one_wall * 1000, 250, "ms", one_wall <= 0.25)
        )
    rss = [c.peak_rss() for c in cases if c.miglint and c.peak_rss() is not None]
    peak = max((r for r in rss if r is not None), default=None)
    if peak is None:
        out.append(Target("peak RSS <= 300 MB", "n/a", None, 300, "MB", None, "not run"))
    else:
        out.append(Target("peak RSS <= 300 MB", _fmt_mb(peak), peak, 300, "MB", peak <= 300))
    return out


def render(plan: Plan, goals: Sequence[Target], header: Sequence[str]) -> str:
    """The report printed to stdout."""
    lines = [*header, ""]
    rows = [("corpus", "tool", "files", "wall (median)", "CPU (median)", "peak RSS", "runs", "notes")]
    for c in plan.cases:
        note = c.note
        if c.failure is not None:
            note = f"FAILED: {c.failure.splitlines()[0][:120]}"
        rows.append(
            (
                c.corpus,
                c.tool,
                str(c.files),
                _fmt_time(c.median_wall()),
                _fmt_time(c.median_cpu()),
                _fmt_mb(c.peak_rss()),
                str(len(c.samples)),
                note,
            )
        )
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]) - 1)]
    for i, row in enumerate(rows):
        cells = [
            row[j].rjust(widths[j]) if j in {2, 3, 4, 5, 6} else row[j].ljust(widths[j])
            for j in range(len(widths))
        ]
        lines.append("  ".join(cells) + ("  " + row[-1] if row[-1] else ""))
        if i == 0:
            lines.append("  ".join("-" * w for w in widths))
    lines += ["", "Targets (performance issue):"]
    width = max(len(g.name) for g in goals) if goals else 0
    for g in goals:
        mark = "n/a " if g.passed is None else ("PASS" if g.passed else "FAIL")
        detail = f" ({g.detail})" if g.detail else ""
        lines.append(f"  [{mark}] {g.name.ljust(width)}  {g.measured}{detail}")
    for c in plan.cases:
        if c.failure is not None:
            lines += ["", f"{c.label} failed:", *(f"  {x}" for x in c.failure.splitlines())]
    if plan.notes:
        lines += ["", "Notes:", *(f"  - {n}" for n in plan.notes)]
    return "\n".join(lines) + "\n"


def describe(
    rounds: int,
    root: Path,
    manifest: dict[str, object] | None,
    plan: Plan,
    versions: dict[str, str | None],
    load: tuple[float, float],
) -> list[str]:
    """The lines above the table: what was timed, where, with which versions."""
    seed = f" (generated, seed {manifest.get('seed')})" if manifest else ""
    cache = (
        "cold = --no-cache, warm = the cache the warm-up round filled"
        if plan.cache
        else "not supported by this miglint yet (cold only)"
    )
    lines = [
        f"miglint benchmark: medians of {rounds} timed rounds after one warm-up round, cases interleaved",
        f"  corpus: {root}{seed}",
        f"  machine: {platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}, "
        f"load average {load[0]:.2f} before / {load[1]:.2f} after",
        f"  miglint {versions['miglint']}; squawk: {versions['squawk'] or 'not installed'}; "
        f"django-zdm: {versions['django-zdm'] or 'not installed'}",
        f"  cache: {cache}",
    ]
    sql = manifest.get("sql") if manifest else None
    if isinstance(sql, dict):
        info = cast(dict[str, object], sql)
        lines.append(
            f"  SQL corpus: {info.get('migrations')} migrations in {info.get('files')} files (up + down), "
            f"{info.get('statements')} statements in migrations + {info.get('down_statements')} in down files"
        )
    return lines


def main(argv: Sequence[str] | None = None) -> int:
    """Command line entry point."""
    parser = argparse.ArgumentParser(
        description="Time miglint, squawk and django-zdm on the same migrations."
    )
    where = parser.add_mutually_exclusive_group()
    where.add_argument("--corpus", metavar="DIR", help="generated corpus to use (generated there if missing)")
    where.add_argument("--path", metavar="DIR", help="any folder of real migrations to time instead")
    parser.add_argument("--runs", type=int, default=5, help="timed rounds (median reported; default 5)")
    parser.add_argument("--timeout", type=float, default=120.0, help="seconds before a process is killed")
    parser.add_argument(
        "--budget", type=float, default=420.0, help="no new round starts after this many seconds"
    )
    parser.add_argument("--json", metavar="FILE", help="also write the figures as JSON to FILE")
    parser.add_argument("--keep", action="store_true", help="keep the generated temporary corpus")
    parser.add_argument(
        "--scale",
        type=float,
        default=1.0,
        help="size of a generated corpus relative to the default (smoke runs)",
    )
    parser.add_argument("--quiet", action="store_true", help="no progress on stderr")
    args = parser.parse_args(argv)
    if args.runs < 1:
        parser.error("--runs must be at least 1")

    work = Path(tempfile.mkdtemp(prefix="miglint-bench-"))
    try:
        generated = args.path is None
        manifest: dict[str, object] | None = None
        if args.path is not None:
            root = Path(args.path).resolve()
            if not root.is_dir():
                parser.error(f"--path {args.path}: not a folder")
        else:
            root = Path(args.corpus).resolve() if args.corpus else work / "corpus"
            manifest_path = root / "corpus.json"
            if manifest_path.exists():
                manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
            else:
                if not args.quiet:
                    print(f"  generating the corpus into {root}", file=sys.stderr)
                manifest = corpus_mod.generate(
                    root,
                    sql_migrations=max(1, round(corpus_mod.DEFAULT_SQL_MIGRATIONS * args.scale)),
                    django_migrations=max(2, round(corpus_mod.DEFAULT_DJANGO_MIGRATIONS * args.scale)),
                    alembic_revisions=max(4, round(corpus_mod.DEFAULT_ALEMBIC_REVISIONS * args.scale)),
                )
        miglint = miglint_command()
        flags = miglint_flags(miglint)
        if "--format" not in flags:
            print("miglint check --help failed: is miglint installed (pip install -e .)?", file=sys.stderr)
            return 2
        plan = plan_cases(root, generated=generated, cache_dir=work / "cache", flags=flags, miglint=miglint)
        squawk = find_tool("squawk")
        zdm = find_tool("zdm")
        load_before = os.getloadavg()
        timer = gnu_time()
        if timer is None:
            own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
            plan.notes.append(
                f"GNU time not found: peak RSS is wait4's, which includes this script's own {own:.0f} MB"
            )
        rounds = run_rounds(plan.cases, args.runs, args.timeout, args.budget, timer, log=not args.quiet)
        load_after = os.getloadavg()
        goals = targets(plan)
        versions = {
            "miglint": miglint_version(),
            "squawk": version_of([squawk, "--version"]) if squawk else None,
            "django-zdm": version_of([zdm, "--version"]) if zdm else None,
        }
        header = describe(rounds, root, manifest, plan, versions, (load_before[0], load_after[0]))
        sys.stdout.write(render(plan, goals, header))
        if args.json:
            payload = {
                "command": [sys.executable, *sys.argv] if argv is None else ["run.py", *argv],
                "corpus": str(root),
                "manifest": manifest,
                "rounds": rounds,
                "cache": plan.cache,
                "machine": {
                    "cpus": os.cpu_count(),
                    "python": platform.python_version(),
                    "platform": platform.platform(),
                    "load_before": load_before[0],
                    "load_after": load_after[0],
                },
                "versions": versions,
                "results": [
                    {
                        "corpus": c.corpus,
                        "tool": c.tool,
                        "files": c.files,
                        "command": c.argv,
                        "runs": len(c.samples),
                        "wall_median_s": c.median_wall(),
                        "cpu_median_s": c.median_cpu(),
                        "peak_rss_mb": c.peak_rss(),
                        "wall_s": [s.wall for s in c.samples],
                        "cpu_s": [s.cpu for s in c.samples],
                        "failure": c.failure,
                        "note": c.note,
                    }
                    for c in plan.cases
                ],
                "targets": [asdict(g) for g in goals],
                "notes": plan.notes,
            }
            Path(args.json).write_text(json.dumps(payload, indent=2) + "\n", encoding="utf-8")
        return 1 if any(c.failure for c in plan.cases) else 0
    finally:
        if args.keep and not args.corpus and not args.path:
            print(f"  corpus kept in {work / 'corpus'}", file=sys.stderr)
            shutil.rmtree(work / "cache", ignore_errors=True)
        else:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
