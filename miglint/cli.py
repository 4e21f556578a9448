"""The ``miglint`` command: the only module that does I/O and chooses exit codes.

Exit codes: 0 nothing at or above the failing level, 1 findings at or above it, 2 a usage or
configuration error or a failure of miglint itself. Heavy modules are imported inside the
commands: pre-commit starts miglint on every commit.
"""

from __future__ import annotations

import functools
import gc
import os
import sys
import time
from collections.abc import Callable, Iterable, Sequence
from typing import TYPE_CHECKING, NoReturn, ParamSpec

import click

from miglint import __version__
from miglint.config import DIALECTS, FAIL_ON, PG_VERSIONS
from miglint.report import FORMATS

_P = ParamSpec("_P")

if TYPE_CHECKING:
    from miglint.cache import RunRecord
    from miglint.config import Settings
    from miglint.findings import Finding
    from miglint.rules import PluginError

EXIT_OK = 0
EXIT_FINDINGS = 1
EXIT_ERROR = 2


def _targets_without_migrations(targets: list[str], paths: Sequence[str]) -> list[str]:
    """The given directories under which no migration (of those at ``paths``) was recognised."""
    found = [os.path.abspath(p) for p in paths]
    empty: list[str] = []
    for target in targets:
        root = os.path.abspath(target)
        if os.path.isdir(target) and not any(f == root or f.startswith(root + os.sep) for f in found):
            empty.append(target)
    return empty


def _fail(message: str) -> NoReturn:
    click.echo(f"miglint: error: {message}", err=True)
    sys.exit(EXIT_ERROR)


def _split_codes(values: Iterable[str]) -> list[str]:
    return [code for value in values for code in value.split(",") if code.strip()]


def _use_color(no_color: bool, output: str | None) -> bool:
    """Colour only on a terminal, never with ``--no-color``, ``--output`` or NO_COLOR set."""
    if no_color or output is not None or os.environ.get("NO_COLOR"):
        return False
    return _stdout_is_terminal()


def _stdout_is_terminal() -> bool:
    return sys.stdout.isatty()


def _settings(
    config: str | None,
    select: Sequence[str],
    ignore: Sequence[str],
    dialect: str | None,
    pg_version: int | None,
    fail_on: str | None,
    assume_in_transaction: bool | None,
) -> Settings:
    """Configuration file settings, overridden by the command-line options given."""
    from dataclasses import replace

    from miglint.config import ConfigError, check_codes, known_codes, load_settings, parse_fail_on

    try:
        settings = load_settings(config, os.getcwd())
        changes: dict[str, object] = {}
        if select:
            changes["select"] = check_codes(_split_codes(select), key="--select", known=known_codes())
        if ignore:
            changes["ignore"] = check_codes(_split_codes(ignore), key="--ignore", known=known_codes())
    except ConfigError as exc:
        _fail(str(exc))
    if dialect is not None:
        changes["dialect"] = dialect
    if pg_version is not None:
        changes["pg_version"] = pg_version
    if fail_on is not None:
        changes["fail_on"] = parse_fail_on(fail_on)
    if assume_in_transaction is not None:
        changes["assume_in_transaction"] = assume_in_transaction
    return replace(settings, **changes)


def _plugin_findings(errors: Sequence[PluginError]) -> list[Finding]:
    """Warn on stderr about each broken plugin and report it as an MG000 finding."""
    from miglint.findings import Finding, Level, Location

    findings: list[Finding] = []
    for error in errors:
        click.echo(
            f"miglint: warning: plugin {error.entry_point} failed to load: {error.message}",
            err=True,
        )
        name = error.entry_point.split("=", 1)[0].strip()
        findings.append(
            Finding(
                code="MG000",
                name="internal-error",
                level=Level.ERROR,
                message=f"plugin {error.entry_point} failed to load: {error.message}",
                location=Location(f"<plugin {name}>"),
                help="fix or uninstall the plugin; its rules did not run",
            )
        )
    return findings


def _settle(problems: Sequence[Finding], settings: Settings) -> list[Finding]:
    """Front-end problems filtered by select/ignore/per-path ignores, levels overridden."""
    import fnmatch
    from dataclasses import replace

    from miglint.engine import code_selected

    out: list[Finding] = []
    for f in problems:
        if not code_selected(f.code, settings.select, settings.ignore):
            continue
        if any(
            fnmatch.fnmatch(f.location.path, pattern) and not code_selected(f.code, (), codes)
            for pattern, codes in settings.per_path_ignores.items()
        ):
            continue
        level = settings.levels.get(f.code)
        out.append(replace(f, level=level) if level is not None else f)
    return out


def _write(text: str, output: str | None, *, color: bool) -> None:
    if output is None:
        if not color and "\x1b" not in text:
            # A plain report (megabytes for a large run) goes to stdout's buffer as it is, where
            # click.echo would scan it for ANSI codes and encode it through the text layer.
            try:
                data = text.encode("utf-8")
            except UnicodeEncodeError:  # a lone surrogate: leave it to click's error handling
                data = None
            if data is not None and _write_bytes(data):
                return
        # click strips ANSI codes unless told the colour was chosen on purpose.
        click.echo(text, nl=False, color=color)
        return
    try:
        with open(output, "w", encoding="utf-8", newline="") as handle:
            handle.write(text)
    except OSError as exc:
        _fail(f"cannot write {output}: {exc.strerror or exc}")


def _without_cyclic_gc(command: Callable[_P, None]) -> Callable[_P, None]:
    """``command`` with Python's cyclic garbage collector paused while it runs.

    A run builds the IR of every migration and keeps it to the end; the collector's passes
    over that growing heap took a fifth of a cold run (and ~20 % of reading Django migrations),
    and found nothing to free: peak memory is the same without them.
    """

    @functools.wraps(command)
    def paused(*args: _P.args, **kwargs: _P.kwargs) -> None:
        enabled = gc.isenabled()
        gc.disable()
        try:
            command(*args, **kwargs)
        finally:
            if enabled:
                gc.enable()

    return paused


def entry() -> NoReturn:
    """The ``miglint`` command: :func:`main`, then an exit that skips tearing the heap down.

    By the time the report is written, everything worth keeping is written (reports, the
    cache); freeing the IR of thousands of migrations object by object at interpreter exit
    only delays the prompt. Not for in-process callers of :func:`main` (tests, embedding).
    """
    code: object = 0
    try:
        main()
    except SystemExit as exc:
        code = exc.code
    if code is None:
        code = 0
    elif not isinstance(code, int):
        print(code, file=sys.stderr)  # what sys.exit() does with a message
        code = 1
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):  # a closed pipe: nothing more can reach it anyway
            code = code or 1
    os._exit(code)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "-V", "--version", prog_name="miglint")
def main() -> None:
    """miglint: a static analyzer for database migrations (SQL, Alembic, Django)."""


@main.command()
@click.argument("paths", nargs=-1, type=click.Path(exists=True))
@click.option(
    "--format",
    "fmt",
    type=click.Choice(FORMATS),
    default="text",
    show_default=True,
    help="Report format.",
)
@click.option("--output", "-o", type=click.Path(dir_okay=False), help="Write the report to FILE.")
@click.option("--select", multiple=True, help="Codes or prefixes to enable (comma list; repeatable).")
@click.option("--ignore", multiple=True, help="Codes or prefixes to disable (comma list; repeatable).")
@click.option("--dialect", type=click.Choice(DIALECTS), help="SQL dialect of the migrations.")
@click.option(
    "--pg-version",
    type=click.IntRange(PG_VERSIONS[0], PG_VERSIONS[-1]),
    help="PostgreSQL major version the migrations run on.",
)
@click.option(
    "--fail-on",
    type=click.Choice(FAIL_ON),
    help="Lowest level that fails the run (default: config, else error).",
)
@click.option("--config", type=click.Path(dir_okay=False), help="Configuration file to use.")
@click.option(
    "--assume-in-transaction/--no-assume-in-transaction",
    default=None,
    help="Whether the runner wraps each migration file in a transaction.",
)
@click.option("--no-color", is_flag=True, help="Never colour the text report.")
@click.option(
    "--no-cache",
    is_flag=True,
    help="Neither read nor write the cache (also: MIGLINT_NO_CACHE=1).",
)
@click.option(
    "--cache-dir",
    type=click.Path(file_okay=False),
    help="Cache folder (default: MIGLINT_CACHE_DIR, else .miglint_cache in the project root).",
)
@click.option(
    "--jobs",
    "-j",
    type=click.IntRange(min=1),
    help="Processes that read and lint large runs (default: MIGLINT_JOBS, else one per CPU).",
)
@click.option(
    "--changed-since",
    metavar="REF",
    help="Lint only migrations added or changed since the merge base of git REF and HEAD "
    "(uncommitted and untracked files included); the rest of the history is still read.",
)
@_without_cyclic_gc
def check(
    paths: tuple[str, ...],
    fmt: str,
    output: str | None,
    select: tuple[str, ...],
    ignore: tuple[str, ...],
    dialect: str | None,
    pg_version: int | None,
    fail_on: str | None,
    config: str | None,
    assume_in_transaction: bool | None,
    no_color: bool,
    changed_since: str | None,
    no_cache: bool = False,
    cache_dir: str | None = None,
    jobs: int | None = None,
) -> None:
    """Lint the migrations found in PATHS (default: the current directory)."""
    settings = _settings(config, select, ignore, dialect, pg_version, fail_on, assume_in_transaction)
    changed = None
    if changed_since is not None:
        from miglint.changed import ChangedError, changed_paths

        try:
            changed = changed_paths(changed_since)
        except ChangedError as exc:
            _fail(str(exc))
    color = fmt == "text" and _use_color(no_color, output)
    try:
        from miglint.cache import Cache, RunRecord, Seen, run_key
        from miglint.cache import cache_dir as resolve_cache_dir
        from miglint.discover import Manifest, finish, gather, unchanged, walk_files

        plugin_key, plugin_errors = _plugins()
        plugin_problems = _plugin_findings(plugin_errors)
        cache = Cache(resolve_cache_dir(settings.root, option=cache_dir, disabled=no_cache))
        targets = list(paths) or ["."]
        caching = cache.enabled and not plugin_errors
        started = time.time_ns()
        walked = walk_files(targets, settings)

        def key_of(manifest: str) -> str:
            return run_key(
                settings,
                manifest,
                plugins=plugin_key,
                targets=targets,
                output=(fmt, "color" if color else "plain"),
                changed=(changed_since, changed),
            )

        seen_key = key_of(f"seen {walked.digest()}") if caching else None
        seen = cache.get_seen(seen_key) if seen_key is not None else None
        key = None
        if seen is not None and unchanged(seen.observations, seen.since):
            # The same files as a run whose record is stored, none of them changed since (by
            # their stat signatures, racy ones excepted): its record, without reading a file.
            key = seen.run
            _replay_record(cache.get_run(key), output, color, settings)
        # Otherwise every file is read (and hashed); only then can a whole-run record be
        # trusted, and its hit skips parsing, history replay and the rules.
        # Without a cache nothing needs the contents before parsing: the (possibly many)
        # processes that parse the SQL files read them.
        gathered = gather(
            targets, settings, manifest=Manifest(recording=cache.enabled), walked=walked, read=cache.enabled
        )
        if caching:
            key = key_of(gathered.manifest.hexdigest())
            if seen_key is not None:
                cache.put_seen(seen_key, Seen(key, started, gathered.manifest.observations))
            record = cache.get_run(key)
            if record is not None:
                cache.save()
            _replay_record(record, output, color, settings)
        from miglint.engine import lint
        from miglint.parallel import parse_and_lint
        from miglint.report import renderer

        warnings: list[str] = []
        # A large run is parsed and linted in worker processes.
        done = parse_and_lint(gathered, cache=cache, jobs=jobs) if changed is None else None
        if done is not None:
            loaded, linted, migration_paths = done
        else:
            loaded = finish(gathered, cache=cache, jobs=jobs)
            linted, migration_paths = None, [m.path for m in loaded.migrations]
        if not migration_paths and not loaded.problems:
            skipped = len(loaded.unrecognised)
            hint = f" ({skipped} file(s) not recognised as migrations)" if skipped else ""
            _fail(f"no migration found in {', '.join(targets)}{hint}")
        for empty in _targets_without_migrations(targets, migration_paths):
            warnings.append(f"miglint: warning: no migration found in {empty}")
            click.echo(warnings[-1], err=True)
        if linted is not None:
            result = linted
        elif changed is None:
            result = lint(loaded.migrations, settings, cache=cache, fingerprints=loaded.fingerprints)
        else:
            from miglint.changed import select_changed

            # Every migration is replayed for context; only the changed ones are reported on.
            migrations, changed_targets = select_changed(loaded.migrations, changed)
            loaded.problems = [p for p in loaded.problems if p.location.path in changed]
            if not changed_targets:
                warnings.append(f"miglint: no migration changed since {changed_since}")
                click.echo(warnings[-1], err=True)
            result = lint(
                migrations,
                settings,
                targets=changed_targets,
                cache=cache,
                fingerprints=loaded.fingerprints,
            )
        problems = [*plugin_problems, *_settle(loaded.problems, settings)]
        findings = (
            sorted([*problems, *result.findings], key=lambda f: f.sort_key()) if problems else result.findings
        )
        text = renderer(fmt)(findings, result.rules, root=settings.root, color=color)
        max_level = max((int(f.level) for f in findings), default=None)
        if key is not None:
            cache.put_run(key, RunRecord(text, max_level, tuple(warnings)))
        cache.save()
    except Exception as exc:
        import traceback

        click.echo(traceback.format_exc(), err=True)
        _fail(f"internal error: {type(exc).__name__}: {exc} (please report this)")
    _finish(text, output, color, settings, max_level)


def _replay_record(record: RunRecord | None, output: str | None, color: bool, settings: Settings) -> None:
    """Print a stored whole-run record and exit, as the run that stored it did (None: go on)."""
    if record is None:
        return
    for warning in record.warnings:
        click.echo(warning, err=True)
    if output is None and not color and record.data is not None and _write_bytes(record.data):
        _exit(settings, record.max_level)
    _finish(record.report, output, color, settings, record.max_level)


def _write_bytes(data: bytes) -> bool:
    """Write ``data`` (UTF-8 text) as it is to stdout's buffer, if ``click.echo`` would write that.

    False (and nothing written) otherwise. That is so on POSIX (no newline translation) with
    a UTF-8 stdout, when ``data`` holds no ESC (no ANSI code for click to strip). A cached
    report is then written without being scanned and encoded again.
    """
    stdout = sys.stdout
    buffer = getattr(stdout, "buffer", None)
    encoding = str(getattr(stdout, "encoding", "") or "").lower().replace("_", "-")
    if os.name != "posix" or buffer is None or encoding not in {"utf-8", "utf8"} or b"\x1b" in data:
        return False
    stdout.flush()
    buffer.write(data)
    buffer.flush()
    return True


def _finish(
    text: str, output: str | None, color: bool, settings: Settings, max_level: int | None
) -> NoReturn:
    """Write the report and exit: 1 when the most severe finding reaches ``fail_on``."""
    _write(text, output, color=color)
    _exit(settings, max_level)


def _exit(settings: Settings, max_level: int | None) -> NoReturn:
    """Exit: 1 when the most severe finding reaches ``fail_on``, else 0."""
    failing = settings.fail_on
    if failing is not None and max_level is not None and max_level >= failing:
        sys.exit(EXIT_FINDINGS)
    sys.exit(EXIT_OK)


def _plugins() -> tuple[str, tuple[PluginError, ...]]:
    """The fingerprint of the plugin rules and the plugins that failed to load.

    With no entry point in the plugin group, ``plugin_rules()`` can only return
    ``((), ())``: it is not asked, sparing the import of the rule catalogue (~50 ms), unless
    the catalogue is loaded already (in a long-lived process, where asking costs nothing).
    """
    from miglint.entry_points import no_plugin_entry_point

    if "miglint.rules" not in sys.modules and no_plugin_entry_point():
        return "", ()
    from miglint.cache import rules_fingerprint
    from miglint.rules import plugin_rules

    rules, errors = plugin_rules()
    return rules_fingerprint(rules), errors


@main.command()
@click.option("--format", "fmt", type=click.Choice(("text", "json")), default="text", show_default=True)
def rules(fmt: str) -> None:
    """List the rule catalogue: code, name, level and summary."""
    import json

    from miglint.engine import all_rules

    catalogue = all_rules()
    if fmt == "json":
        rows = [
            {
                "code": r.code,
                "name": r.name,
                "level": r.level.label,
                "dimension": r.dimension.value,
                "summary": r.summary,
                "url": r.url(),
            }
            for r in catalogue
        ]
        click.echo(json.dumps(rows, indent=2, ensure_ascii=False))
        return
    width = max((len(r.name) for r in catalogue), default=0)
    for r in catalogue:
        click.echo(f"{r.code}  {r.name:<{width}}  {r.level.label:<7}  {r.summary}")


@main.command()
@click.argument("code")
def rule(code: str) -> None:
    """Print the documentation page of rule CODE."""
    from miglint.docs import render_rule_page
    from miglint.rules import rule_by_code

    found = rule_by_code(code.strip())
    if found is None:
        _fail(f"unknown rule code {code!r} (see `miglint rules`)")
    click.echo(render_rule_page(found), nl=False)
