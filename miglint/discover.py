"""Find migration files and read them into IR migrations.

Directories are walked (hidden folders, ``.git``, ``node_modules``, ``__pycache__`` and virtual
environments skipped); ``settings.include`` / ``settings.exclude`` globs filter the files.
Files are recognised by convention and content:

- ``*.sql``: golang-migrate / sqlx (``N_name.up.sql`` + ``N_name.down.sql``), diesel / sqlx
  folders (``<version>_name/up.sql`` + ``down.sql``), dbmate (``-- migrate:up`` /
  ``-- migrate:down`` in one file), goose (``-- +goose Up`` / ``-- +goose Down``), Flyway
  (``V<ver>__x.sql``, undo ``U<ver>__x.sql``, repeatable ``R__x.sql``), sqitch (``deploy/`` +
  ``revert/`` beside ``sqitch.plan``), Prisma (``<version>_name/migration.sql``), or a plain
  SQL file. A down/undo/revert file is the rollback of its up file, not a migration.
- ``*.py``: handed to the Alembic and Django front ends when their markers are present.

Migration files are never executed. :func:`gather` only reads (what it read is summed up in a
:class:`Manifest`, the key of the whole-run cache) and :func:`finish` parses; :func:`load` does both.
"""

from __future__ import annotations

import errno
import fnmatch
import hashlib
import importlib
import os
import posixpath
import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from miglint.config import Settings
from miglint.findings import Finding, Level, Location

# The IR and the front ends are imported where they are used: a run served whole from the
# cache only walks and reads files (see miglint.cli), and importing them costs ~40 ms.
if TYPE_CHECKING:
    from miglint.cache import Cache
    from miglint.ir.migration import Framework, Migration, Transaction
    from miglint.ir.ops import Operation
    from miglint.parsers.sql import parse_sql, substitute_placeholders

_FRONT_END = ("parse_sql", "substitute_placeholders")


def _bind_front_end() -> None:
    """Bind the SQL front end's functions as globals of this module, once (tests patch them)."""
    if all(name in globals() for name in _FRONT_END):
        return
    from miglint.parsers import sql

    for name in _FRONT_END:
        globals().setdefault(name, getattr(sql, name))


def __getattr__(name: str) -> Any:
    """The SQL front end's functions, imported on first use."""
    if name in _FRONT_END:
        _bind_front_end()
        return globals()[name]
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


SKIP_DIRS = frozenset(
    {".git", ".hg", ".svn", "node_modules", "__pycache__", ".venv", "venv", ".tox", ".mypy_cache"}
)

_UP_DOWN = re.compile(r"^(?P<stem>.+)\.(?P<dir>up|down)\.sql$", re.IGNORECASE)
_FLYWAY = re.compile(r"^(?P<kind>[VUR])(?P<version>(?:\d[\d._]*?)?)__(?P<desc>.+)\.sql$")
_SECTION = re.compile(
    r"^--\s*(?:migrate:(up|down)\b|\+goose\s+(up|down)\b)(.*)$", re.MULTILINE | re.IGNORECASE
)
_GOOSE_NO_TX = re.compile(r"^--\s*\+goose\s+NO\s+TRANSACTION\b", re.MULTILINE | re.IGNORECASE)
_GOOSE_BLOCK = re.compile(
    r"^--\s*\+goose\s+StatementBegin\b[^\n]*$(.*?)^--\s*\+goose\s+StatementEnd\b[^\n]*$",
    re.MULTILINE | re.DOTALL | re.IGNORECASE,
)

PyReader = Callable[[str, str, Settings], "Migration | None"]
OrderFn = Callable[["Sequence[Migration]"], "tuple[list[Migration], list[Finding]]"]
AppReader = Callable[["Sequence[tuple[str, str]]", Settings], "list[Migration]"]


@dataclass
class Loaded:
    """What :func:`load` found: migrations, problems reading files, and unrecognised paths."""

    migrations: list[Migration] = field(default_factory=lambda: [])
    problems: list[Finding] = field(default_factory=list[Finding])
    unrecognised: list[str] = field(default_factory=list[str])
    #: Migration path -> digest of everything its record was read from (files, layout,
    #: settings, miglint itself); the engine keys cached findings by it.
    fingerprints: dict[str, str] = field(default_factory=dict[str, str])


#: One thing a run saw: (kind, path, what it saw), as JSON can hold it.
Observation = tuple[str, str, object]


class Manifest:
    """A running digest of everything reading the migrations depended on.

    Each file read (its path and content), each existence test and folder listing, in the
    order they happened: two runs with equal digests read the same bytes from the same layout.
    ``recording=False`` makes a manifest that notes nothing (plain :func:`load`).
    """

    def __init__(self, *, recording: bool = True) -> None:
        self.recording = recording
        # SHA-256: with the CPU's SHA instructions, twice as fast as BLAKE2 on the files' bytes.
        self._hash = hashlib.sha256()
        #: What a later run can check without reading a file (see :func:`unchanged`): each file
        #: read (``"stat"``, its path, its stat signature), existence test and folder listing.
        self.observations: list[Observation] = []

    def note(self, *parts: str) -> None:
        """Add one record of ``parts`` (paths and names: none holds a NUL, the separator)."""
        if self.recording:
            record = "\0".join(parts).encode("utf-8", "surrogatepass")
            self._hash.update(len(record).to_bytes(8, "little") + record)

    def content(self, tag: str, path: str, data: bytes, *, source: str | None = None) -> None:
        """Add what was read from ``path`` (its length is in the record, so it is delimited).

        ``source`` is the file read, when ``path`` names something else.
        """
        if self.recording:
            self.note(tag, path, str(len(data)))
            self._hash.update(data)
            file = path if source is None else source
            self.observations.append(("stat", file, _signature(file)))

    def unreadable(self, *parts: str, source: str) -> None:
        """Note ``parts`` for the file ``source``, which could not be read."""
        if self.recording:
            self.note(*parts)
            self.observations.append(("stat", source, _signature(source)))

    def exists(self, path: Path | str) -> bool:
        """``Path(path).exists()``, noted."""
        found = _exists(str(path))
        self.note("exists", str(path), "1" if found else "0")
        if self.recording:
            self.observations.append(("exists", str(path), found))
        return found

    def glob(self, folder: Path, pattern: str) -> list[Path]:
        """``sorted(folder.glob(pattern))``, noted."""
        found = sorted(folder.glob(pattern))
        self.note("glob", str(folder), pattern, *(str(p) for p in found))
        if self.recording:
            self.observations.append(("glob", str(folder), [pattern, *(str(p) for p in found)]))
        return found

    def listing(self, folder: str, names: list[str] | None) -> None:
        """Note the ``*.py`` names found in ``folder`` (None: it could not be listed)."""
        self.note("folder", folder, *(names if names is not None else ["unlistable"]))
        if self.recording:
            self.observations.append(("listing", folder, names))

    def hexdigest(self) -> str:
        """The digest of everything noted so far."""
        return self._hash.hexdigest()


_NOT_RECORDING = Manifest(recording=False)
#: Racy files: one changed less than this before a run started may have changed again, in the
#: same tick of the file system's clock, after the run read it (as git's index treats them).
RACY_NS = 3_000_000_000


def _signature(path: str) -> list[int] | None:
    """What ``os.stat`` says of a file's identity and last change (None: it cannot be stat'ed)."""
    try:
        st = os.stat(path)
    except (OSError, ValueError):
        return None
    return [st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns]


def _python_names(folder: str) -> list[str] | None:
    """The sorted ``*.py`` names in ``folder``, or None when it cannot be listed."""
    try:
        return sorted(n for n in os.listdir(folder or ".") if n.endswith(".py"))
    except OSError:
        return None


def unchanged(observations: Sequence[Observation], since_ns: int) -> bool:
    """Whether what a run that started at ``since_ns`` saw is still so, by metadata alone.

    Every file, existence test and listing is checked again without reading a file. A file
    counts as unchanged when its stat signature (device, inode, size, modification and change
    times) is the same and it had not changed for :data:`RACY_NS` before that run started: a
    later change would have moved its change time, which nothing but the clock sets.
    """
    recent = since_ns - RACY_NS
    for kind, path, seen in observations:
        if kind == "stat":
            now = _signature(path)
            if now != seen or (now is not None and max(now[3], now[4]) >= recent):
                return False
        elif kind == "exists":
            if _exists(path) is not seen:
                return False
        elif kind == "glob":
            if not isinstance(seen, list) or not seen:
                return False
            expected = cast(list[object], seen)
            pattern = str(expected[0])
            if [str(p) for p in sorted(Path(path).glob(pattern))] != expected[1:]:
                return False
        elif kind == "listing":
            if _python_names(path) != seen:
                return False
        else:
            return False
    return True


_MISSING_ERRNOS = frozenset({errno.ENOENT, errno.ENOTDIR, errno.EBADF, errno.ELOOP})


def _posix_split(path: str) -> tuple[str, str]:
    """``posixpath.split`` of a str, without its generic argument handling (hot in the walk)."""
    i = path.rfind("/") + 1
    head = path[:i]
    if head and head != "/" * len(head):
        head = head.rstrip("/")
    return head, path[i:]


def _posix_join(folder: str, name: str) -> str:
    """``posixpath.join`` of two strs."""
    if name.startswith("/"):
        return name
    return folder + name if not folder or folder.endswith("/") else f"{folder}/{name}"


def _posix_basename(path: str) -> str:
    """``posixpath.basename`` of a str."""
    return path[path.rfind("/") + 1 :]


def _posix_dirname(path: str) -> str:
    """``posixpath.dirname`` of a str."""
    return _posix_split(path)[0]


_split: Callable[[str], tuple[str, str]] = os.path.split
_join: Callable[[str, str], str] = os.path.join
_basename: Callable[[str], str] = os.path.basename
_dirname: Callable[[str], str] = os.path.dirname
if os.path is posixpath:
    _split, _join, _basename, _dirname = _posix_split, _posix_join, _posix_basename, _posix_dirname

_READ_FLAGS = os.O_RDONLY | getattr(os, "O_BINARY", 0) | getattr(os, "O_CLOEXEC", 0)


def read_bytes(path: str) -> bytes:
    """The whole content of the file at ``path``, as ``open(path, "rb").read()`` gives it.

    Plain ``os.read`` calls, without the buffered file object (a third of the time of reading
    a small file); OSErrors are those of ``open`` and ``read``.
    """
    fd = os.open(path, _READ_FLAGS)
    try:
        data = os.read(fd, 1 << 20)
        if not data:
            return data
        chunks = [data]
        while chunk := os.read(fd, 1 << 20):
            chunks.append(chunk)
        return chunks[0] if len(chunks) == 1 else b"".join(chunks)
    finally:
        os.close(fd)


def _exists(path: str) -> bool:
    """``Path(path).exists()`` without building a Path: other errors than "missing" raise."""
    try:
        os.stat(path)
    except OSError as exc:
        if exc.errno not in _MISSING_ERRNOS:
            raise
        return False
    except ValueError:  # a path that cannot be encoded
        return False
    return True


_DIGITS = re.compile(r"(\d+)")


def natural_key(text: str) -> tuple[str | int, ...]:
    """A sort key ordering embedded numbers numerically: ``('', 2, '_b') < ('', 10, '_a')``.

    Positions alternate str, int, str, … so keys of one history always compare.
    """
    parts: list[str | int] = list(_DIGITS.split(text))
    parts[0::2] = [p.lower() for p in cast(list[str], parts[0::2])]
    parts[1::2] = [int(p) for p in cast(list[str], parts[1::2])]
    return tuple(parts)


def _matches(path: str, pattern: str) -> bool:
    posix = path.replace(os.sep, "/")
    pat = pattern.rstrip("/")
    candidates = (pat, f"*/{pat}", f"{pat}/*", f"*/{pat}/*")
    return any(fnmatch.fnmatch(posix, c) for c in candidates)


def _wanted(path: str, settings: Settings) -> bool:
    if settings.include and not any(_matches(path, p) for p in settings.include):
        return False
    return not any(_matches(path, p) for p in settings.exclude)


def _realpath(path: str, real_dirs: dict[str, str], link: bool | None = None) -> str:
    """``os.path.realpath(path)``, resolving each folder once (``real_dirs`` remembers them).

    realpath stats every component of a path; only a symlinked file needs that again.
    ``link`` is whether ``path`` is a symlink, when the caller knows (None: ask).
    """
    folder, name = _split(path)
    if not name or name in {os.curdir, os.pardir} or (os.path.islink(path) if link is None else link):
        return os.path.realpath(path)
    real = real_dirs.get(folder)
    if real is None:
        real = real_dirs[folder] = os.path.realpath(folder)
    return _join(real, name)


def _scan(top: str, out: list[tuple[str, bool | None]]) -> None:
    """Append the visible files under ``top`` to ``out``, as ``(path, is a symlink)``.

    The files ``os.walk(top)`` lists, in its order (top-down), with each folder's files and
    sub-folders sorted and hidden names and :data:`SKIP_DIRS` left out; symlinked folders are
    not entered. One ``scandir`` per folder, whose entries tell symlinks without a stat call.
    """
    try:
        scanner = os.scandir(top)
    except OSError:
        return
    dirs: list[tuple[str, bool]] = []
    files: list[tuple[str, bool | None]] = []
    with scanner:
        while True:
            try:
                entry = next(scanner)
            except StopIteration:
                break
            except OSError:  # os.walk gives up on the folder
                return
            name = entry.name
            try:
                is_dir = entry.is_dir()
            except OSError:
                is_dir = False
            try:
                link: bool | None = entry.is_symlink()
            except OSError:
                link = None if not is_dir else False
            if is_dir:
                if name not in SKIP_DIRS and not name.startswith("."):
                    dirs.append((name, bool(link)))
            elif not name.startswith("."):
                files.append((name, link))
    join = _join
    files.sort()
    out.extend((join(top, name), link) for name, link in files)
    dirs.sort()
    for name, link in dirs:
        if not link:
            _scan(join(top, name), out)


def walk(paths: Sequence[str], settings: Settings, reals: dict[str, str] | None = None) -> Iterator[str]:
    """The files under ``paths`` (files given directly are kept unless excluded), sorted.

    ``reals`` receives the real path of each file yielded.
    """
    seen: set[str] = set()
    real_dirs: dict[str, str] = {}
    reals = {} if reals is None else reals
    # Without include/exclude patterns every file is wanted.
    filtering = bool(settings.include or settings.exclude)
    for given in paths:
        candidates: list[tuple[str, bool | None]] = []
        if os.path.isfile(given):
            candidates.append((given, None))
            direct = True
        else:
            direct = False
            _scan(given, candidates)
        # Below a normalised folder (but "."), a folder's path joined with a name is normalised.
        normal = not direct and given != os.curdir and os.path.normpath(given) == given
        for path, link in candidates:
            if not normal:
                path = os.path.normpath(path)
            real = _realpath(path, real_dirs, link)
            if real in seen:
                continue
            if not filtering:
                pass
            elif direct:
                # A file named on the command line is read unless excluded.
                if any(_matches(path, p) for p in settings.exclude):
                    continue
            elif not _wanted(path, settings):
                continue
            seen.add(real)
            reals[path] = real
            yield path


def load(
    paths: Sequence[str], settings: Settings, *, cache: Cache | None = None, jobs: int | None = 1
) -> Loaded:
    """Read every migration under ``paths`` into IR :class:`Migration` records.

    With a ``cache``, files whose content (and layout, settings, miglint version) were read
    before are not parsed again. ``jobs`` > 1 (None: one per CPU) parses large sets of files
    in that many processes; the result is the same as a serial run's.
    """
    return finish(gather(paths, settings, manifest=_NOT_RECORDING), cache=cache, jobs=jobs)


@dataclass
class Gathered:
    """The files of a run, read but not parsed (see :func:`gather` and :func:`finish`)."""

    settings: Settings
    loaded: Loaded
    units: list[_SqlUnit]
    python: list[tuple[str, str]]
    explicit: set[str]
    manifest: Manifest


@dataclass(frozen=True)
class Walked:
    """The files under a run's paths, in order (:func:`walk`), with their real paths."""

    files: list[str]
    reals: dict[str, str]

    def digest(self) -> str:
        """A digest of the listing: equal when the same files are found under the same paths."""
        from miglint.cache import digest

        return digest("walk", *(f"{path}\0{self.reals[path]}" for path in self.files))


def walk_files(paths: Sequence[str], settings: Settings) -> Walked:
    """The files :func:`gather` would walk under ``paths``."""
    reals: dict[str, str] = {}
    return Walked(list(walk(paths, settings, reals)), reals)


def gather(
    paths: Sequence[str],
    settings: Settings,
    *,
    manifest: Manifest | None = None,
    walked: Walked | None = None,
    read: bool = True,
) -> Gathered:
    """Walk ``paths`` (unless ``walked`` is their walk) and read every migration's files; parse nothing.

    ``manifest`` (a new one by default) notes every path walked, every file read and every
    file-system test made on the way; what :func:`finish` then makes of them depends on
    nothing else but the settings (and miglint itself). Without ``read`` (and a manifest that
    does not record) the SQL files are left for the processes that parse them to read.
    """
    read = read or manifest is None or manifest.recording
    manifest = Manifest() if manifest is None else manifest
    loaded = Loaded()
    explicit = {os.path.normpath(p) for p in paths}
    ups: dict[str, str] = {}  # real path of up file -> path
    real_dirs: dict[str, str] = {}
    walked = walk_files(paths, settings) if walked is None else walked
    reals = walked.reals
    others: list[str] = []
    for path in walked.files:
        manifest.note("walk", path, reals[path])
        name = _basename(path)
        if name.lower().endswith(".sql"):
            up = _up_of(path, manifest)
            if up is None:
                if not _is_support_file(path, manifest):
                    loaded.unrecognised.append(path)
                continue
            real = reals.get(up) or _realpath(up, real_dirs)
            manifest.note("up", real)
            ups.setdefault(real, up)
        elif name.endswith(".py"):
            others.append(path)
        elif path in explicit:
            loaded.unrecognised.append(path)
    units = [
        unit
        for unit in (_sql_unit(up, settings, loaded, manifest, read=read) for up in ups.values())
        if unit is not None
    ]
    python = _read_python(others, loaded, explicit, manifest)
    return Gathered(settings, loaded, units, python, explicit, manifest)


def finish(gathered: Gathered, *, cache: Cache | None = None, jobs: int | None = 1) -> Loaded:
    """Parse what :func:`gather` read into IR migrations (see :func:`load`)."""
    loaded = gathered.loaded
    units: list[_SqlUnit] = []
    for unit in gathered.units:
        read, problems = read_unit(unit)
        loaded.problems.extend(problems)
        if read is not None:
            units.append(read)
    _read_units(units, gathered.settings, loaded, cache, jobs)
    _load_python(gathered.python, gathered.settings, loaded, gathered.explicit, cache, jobs)
    loaded.migrations.sort(key=_order)
    return loaded


def parse_unit(unit: _SqlUnit, settings: Settings) -> Migration:
    """One read SQL migration (a :attr:`Gathered.units` item) as IR; a front-end failure is MG000."""
    return _parse_unit(unit, settings)


def settings_key(settings: Settings) -> str:
    """What, besides a SQL unit itself, its parse-cache key depends on (:meth:`_SqlUnit.digest`)."""
    return _settings_key(settings)


@dataclass(frozen=True)
class _SqlUnit:
    """An up file, its rollback file and what the layout says of them, read but not parsed.

    A ``deferred`` unit is not read yet (its texts are empty): :func:`read_unit` reads it.
    """

    up: str
    text: str
    convention: str
    history: str
    key: tuple[str | int, ...]
    down: str | None
    down_text: str | None
    deferred: bool = False

    def digest(self, settings_key: str) -> str:
        from miglint.cache import digest

        down = "\0" if self.down_text is None else f"{self.down}\0{self.down_text}"
        return digest(
            "sql", settings_key, self.up, self.text, self.convention, self.history, repr(self.key), down
        )


def _sql_unit(
    up: str, settings: Settings, loaded: Loaded, manifest: Manifest = _NOT_RECORDING, *, read: bool = True
) -> _SqlUnit | None:
    """Read an up file (and its rollback file); problems reading them go to ``loaded``.

    Without ``read``, the unit is only laid out (deferred): whoever parses it reads it.
    """
    if not read:
        convention, history, key, down = _convention(up, manifest)
        return _SqlUnit(up, "", convention, history, key, down, None, deferred=True)
    text = _read(up, loaded, manifest)
    if text is None:
        return None
    convention, history, key, down = _convention(up, manifest)
    down_text = _read(down, loaded, manifest) if down is not None else None
    return _SqlUnit(up, text, convention, history, key, down, down_text)


def read_unit(unit: _SqlUnit) -> tuple[_SqlUnit | None, list[Finding]]:
    """``unit`` with its files read (None when the up file cannot be), and the problems met."""
    if not unit.deferred:
        return unit, []
    found = Loaded()
    text = _read(unit.up, found)
    if text is None:
        return None, found.problems
    down_text = _read(unit.down, found) if unit.down is not None else None
    return replace(unit, text=text, down_text=down_text, deferred=False), found.problems


def _settings_key(settings: Settings) -> str:
    from miglint.cache import code_fingerprint, digest, settings_fingerprint

    return digest(code_fingerprint(), settings_fingerprint(settings))


def _read_units(
    units: Sequence[_SqlUnit], settings: Settings, loaded: Loaded, cache: Cache | None, jobs: int | None
) -> None:
    """Parse SQL units (cached ones are not parsed again), in order."""
    from miglint.ir.migration import Migration
    from miglint.parallel import map_ordered

    use_cache = cache is not None and cache.enabled
    settings_key = _settings_key(settings) if use_cache else ""
    keys = [unit.digest(settings_key) for unit in units] if use_cache else []
    found: list[Migration | None] = [None] * len(units)
    if cache is not None and use_cache:
        for i, key in enumerate(keys):
            value = cache.get("parse", key)
            if isinstance(value, Migration) and value.path == units[i].up:
                found[i] = value
    missing = [i for i, m in enumerate(found) if m is None]
    parsed = map_ordered(partial(_parse_unit, settings=settings), [units[i] for i in missing], jobs=jobs)
    for i, migration in zip(missing, parsed, strict=True):
        found[i] = migration
        if cache is not None and use_cache:
            cache.put("parse", keys[i], migration)
    for i, migration in enumerate(found):
        assert migration is not None
        loaded.migrations.append(migration)
        if use_cache:
            loaded.fingerprints[migration.path] = keys[i]


def _parse_unit(unit: _SqlUnit, settings: Settings) -> Migration:
    from miglint.ir.migration import Framework

    scratch = Loaded()
    try:
        _load_sql(unit.up, settings, scratch, unit)
        return scratch.migrations[0]
    except Exception as exc:  # a front-end bug costs one file, never the run
        return _failed(unit.up, Framework.SQL, exc, history=unit.history, key=unit.key)


def _failed(
    path: str,
    framework: Framework,
    exc: BaseException,
    *,
    history: str | None = None,
    key: tuple[str | int, ...] = (),
) -> Migration:
    """A migration standing for a file its front end failed on: MG000 names the file."""
    from miglint.ir.migration import Migration
    from miglint.ir.ops import InternalFailure

    message = f"the {framework} front end failed on {path}: {type(exc).__name__}: {exc}"
    return Migration(
        path=path,
        framework=framework,
        key=key,
        history=os.path.dirname(path) if history is None else history,
        upgrade=(InternalFailure(message=message, location=Location(path)),),
    )


def _order(m: Migration) -> tuple[str, tuple[tuple[int, int, str], ...], str]:
    """Sort key of a migration that never compares an int with a str."""
    key = tuple((0, k, "") if isinstance(k, int) else (1, 0, k) for k in m.key)
    return (m.history, key, m.path)


def _is_support_file(path: str, manifest: Manifest = _NOT_RECORDING) -> bool:
    """Whether ``path`` is a sqitch verify script (read by sqitch, not a migration)."""
    parent = Path(path).parent
    return parent.name == "verify" and manifest.exists(parent.parent / "sqitch.plan")


def _up_of(path: str, manifest: Manifest = _NOT_RECORDING) -> str | None:
    """The up/deploy file that ``path`` belongs to (itself for an up file), or None."""
    name = _basename(path)
    if (m := _UP_DOWN.match(name)) is not None:
        if m.group("dir").lower() == "up":
            return path
        # path is normalised: this is str(Path(path).with_name(…)), without building Paths.
        up = _join(_dirname(path), f"{m.group('stem')}.up.sql")
        return up if manifest.exists(up) else None
    if name.lower() == "down.sql":
        up = Path(path).with_name("up.sql")
        return str(up) if manifest.exists(up) else None
    if (m := _FLYWAY.match(name)) is not None and m.group("kind") == "U":
        for candidate in manifest.glob(Path(path).parent, f"V{m.group('version')}__*.sql"):
            return str(candidate)
        return None
    if not _in_sqitch_folder(path):
        return path
    p = Path(path)
    sqitch = _sqitch_project(p, manifest)
    if sqitch is not None:
        rel = p.relative_to(sqitch)
        if rel.parts[0] == "revert":
            deploy = sqitch.joinpath("deploy", *rel.parts[1:])
            return str(deploy) if manifest.exists(deploy) else None
        if rel.parts[0] == "verify":
            return None
    return path


_SQITCH_FOLDERS = frozenset({"deploy", "revert", "verify"})


def _in_sqitch_folder(path: str) -> bool:
    """Whether a folder of (normalised) ``path`` is named like a sqitch one, without a Path.

    False means :func:`_sqitch_project` would return None without a file-system test.
    """
    return not _SQITCH_FOLDERS.isdisjoint(path.split(os.sep)[:-1])


def _stem(name: str) -> str:
    """``Path(name).stem`` of a file name."""
    i = name.rfind(".")
    return name[:i] if 0 < i < len(name) - 1 else name


def _sqitch_project(p: Path, manifest: Manifest = _NOT_RECORDING) -> Path | None:
    if _SQITCH_FOLDERS.isdisjoint(p.parts[:-1]):
        return None
    for parent in p.parents:
        # The folder name first: it rules out almost every parent without a stat call.
        if p.relative_to(parent).parts[0] in {"deploy", "revert", "verify"} and manifest.exists(
            parent / "sqitch.plan"
        ):
            return parent
    return None


def _read(path: str, loaded: Loaded, manifest: Manifest = _NOT_RECORDING) -> str | None:
    data = b""
    try:
        data = read_bytes(path)
        manifest.content("file", path, data)
        return data.decode("utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        manifest.content("unreadable", path, data)
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        loaded.problems.append(
            Finding(
                code="MG001",
                name="parse-error",
                level=Level.ERROR,
                message=f"cannot read {path}: {reason}",
                location=Location(path),
                help="save the file as UTF-8 text",
                migration=path,
            )
        )
        return None


def description_of(text: str) -> str | None:
    """The leading comment block of a SQL file (directives and dbmate markers left out)."""
    from miglint.parsers.split import comment_spans

    lines: list[str] = []
    end = 0  # of the comments so far: the block ends where something else comes first
    for start, stop in comment_spans(text):
        if text[end:start].strip():
            break
        end = stop
        body = text[start:stop]
        if body.startswith("--"):
            body = body[2:]
        elif body.startswith("/*"):
            body = body[2:].removesuffix("*/")
        body = body.strip()
        if re.match(r"miglint\s*:|migrate:(up|down)\b", body, re.IGNORECASE):
            continue
        for line in body.splitlines():
            line = line.strip().lstrip("*").strip()
            if line:
                lines.append(line)
    return "\n".join(lines) if lines else None


#: Database suffixes of per-database migration variants (ory/pop, fizz): ``name.<db>.up.sql``.
_DIALECT_SUFFIXES = {
    "postgres": "postgres",
    "postgresql": "postgres",
    "pg": "postgres",
    "cockroach": "postgres",
    "cockroachdb": "postgres",
    "mysql": "mysql",
    "mariadb": "mysql",
    "sqlite": "sqlite",
    "sqlite3": "sqlite",
}


def _dialect_variant(stem: str) -> tuple[str, str | None]:
    """Split ``name.<db>`` into (name, db) when ``db`` names a database, else (stem, None).

    pop's ``name.<db>.autocommit`` (run outside a transaction) counts as ``name.<db>``.
    """
    if stem.lower().endswith(".autocommit"):
        stem = stem[: -len(".autocommit")]
    base, dot, suffix = stem.rpartition(".")
    if dot and base and suffix.lower() in _DIALECT_SUFFIXES:
        return base, suffix.lower()
    return stem, None


def file_dialect(path: str) -> str | None:
    """The SQL dialect a file name declares (``x.mysql.up.sql`` → mysql), or None."""
    m = _UP_DOWN.match(os.path.basename(path))
    if m is None:
        return None
    variant = _dialect_variant(m.group("stem"))[1]
    return _DIALECT_SUFFIXES[variant] if variant else None


def _convention(
    up: str, manifest: Manifest = _NOT_RECORDING
) -> tuple[str, str, tuple[str | int, ...], str | None]:
    """(convention, history, key, rollback path) of an up file."""
    name = _basename(up)
    if (m := _UP_DOWN.match(name)) is not None:
        # up is normalised: these are str(Path(up).with_name(…)) and str(Path(up).parent).
        folder = _dirname(up)
        down = _join(folder, f"{m.group('stem')}.down.sql")
        rollback = down if manifest.exists(down) else None
        stem, variant = _dialect_variant(m.group("stem"))
        # Each database's variants form a history of their own (ory/pop: x.postgres.up.sql,
        # x.mysql.up.sql, … beside each other).
        history = f"{folder or '.'}#{variant}" if variant else folder or "."
        return "up-down", history, natural_key(stem), rollback
    if name.lower() not in {"up.sql", "migration.sql"} and not _in_sqitch_folder(up):
        # up is normalised: str(Path(up).parent) is its dirname ("." for none).
        folder = _dirname(up) or "."
        if (m := _FLYWAY.match(name)) is not None:
            if m.group("kind") == "R":
                return "flyway", folder, (f"~{m.group('desc').lower()}",), None
            undo = manifest.glob(Path(folder), f"U{m.group('version')}__*.sql")
            return "flyway", folder, natural_key(m.group("version")), str(undo[0]) if undo else None
        return "plain", folder, natural_key(_stem(name)), None
    p = Path(up)
    if name.lower() == "up.sql":
        down = p.with_name("down.sql")
        history = str(p.parent.parent)
        return "folder", history, natural_key(p.parent.name), str(down) if manifest.exists(down) else None
    if name == "migration.sql":  # Prisma: one folder per migration, no rollback
        return "prisma", str(p.parent.parent), natural_key(p.parent.name), None
    sqitch = _sqitch_project(p, manifest)
    if sqitch is not None:
        rel = p.relative_to(sqitch)
        revert = sqitch.joinpath("revert", *rel.parts[1:])
        change = "/".join(rel.parts[1:]).removesuffix(".sql")
        order = _sqitch_order(sqitch, manifest)
        key: tuple[str | int, ...] = ("", order[change]) if change in order else (f"~{change}",)
        return "sqitch", str(sqitch), key, str(revert) if manifest.exists(revert) else None
    if (m := _FLYWAY.match(name)) is not None:
        if m.group("kind") == "R":
            return "flyway", str(p.parent), (f"~{m.group('desc').lower()}",), None
        undo = manifest.glob(p.parent, f"U{m.group('version')}__*.sql")
        return "flyway", str(p.parent), natural_key(m.group("version")), str(undo[0]) if undo else None
    return "plain", str(p.parent), natural_key(p.stem), None


def _sqitch_order(project: Path, manifest: Manifest = _NOT_RECORDING) -> dict[str, int]:
    order: dict[str, int] = {}
    try:
        plan = (project / "sqitch.plan").read_text(encoding="utf-8", errors="replace")
        manifest.content(
            "plan", str(project), plan.encode("utf-8", "surrogatepass"), source=str(project / "sqitch.plan")
        )
    except OSError:
        manifest.unreadable("plan", str(project), source=str(project / "sqitch.plan"))
        return order
    for line in plan.splitlines():
        line = line.strip()
        if not line or line[0] in "%#@":
            continue
        name = line.split()[0]
        order.setdefault(name, len(order))
    return order


def _transaction(settings: Settings, no_transaction: bool) -> Transaction:
    from miglint.ir.migration import Transaction

    if settings.assume_in_transaction and not no_transaction:
        return Transaction.ASSUMED
    return Transaction.NONE


def _load_sql(up: str, settings: Settings, loaded: Loaded, unit: _SqlUnit | None = None) -> None:
    from miglint.ir.migration import Framework, Migration
    from miglint.parsers.directives import sql_directives

    _bind_front_end()
    text = unit.text if unit is not None else _read(up, loaded)
    if text is None:
        return
    dialect = file_dialect(up) or settings.dialect
    text = substitute_placeholders(text, settings.placeholders)
    if unit is not None:
        convention, history, key, down = unit.convention, unit.history, unit.key, unit.down
    else:
        convention, history, key, down = _convention(up)
    if convention == "plain":
        # Few files are dbmate or goose files: for ASCII text (where lower() folds case as the
        # IGNORECASE regex does) two substring tests rule a file out ~3x faster than the regex.
        lowered = text.lower() if text.isascii() else None
        if (lowered is None or "migrate:" in lowered or "+goose" in lowered) and _SECTION.search(text):
            _load_sectioned(up, text, settings, loaded, history, key)
            return
    directives = sql_directives(text, up, dialect=dialect)
    suppressions = list(directives.suppressions)
    rollback: tuple[Operation, ...] | None = None
    if down is not None:
        down_text = unit.down_text if unit is not None else _read(down, loaded)
        if down_text is not None:
            down_text = substitute_placeholders(down_text, settings.placeholders)
            rollback = tuple(parse_sql(down_text, down, dialect=dialect))
            suppressions.extend(sql_directives(down_text, down, dialect=dialect).suppressions)
    loaded.migrations.append(
        Migration(
            path=up,
            framework=Framework.SQL,
            dialect=dialect,
            key=key,
            history=history,
            description=description_of(text),
            transaction=_transaction(settings, directives.no_transaction),
            upgrade=tuple(parse_sql(text, up, dialect=dialect)),
            rollback=rollback,
            rollback_path=down,
            rollback_expected=convention in {"up-down", "folder", "sqitch"},
            suppressions=tuple(suppressions),
        )
    )


def _load_sectioned(
    path: str,
    text: str,
    settings: Settings,
    loaded: Loaded,
    history: str,
    key: tuple[str | int, ...],
) -> None:
    """A dbmate (``-- migrate:up`` / ``-- migrate:down``) or goose (``-- +goose Up`` / ``Down``) file."""
    from miglint.ir.migration import Framework, Migration
    from miglint.parsers.directives import sql_directives

    dialect = settings.dialect
    markers = list(_SECTION.finditer(text))
    sections: dict[str, tuple[str, int, str]] = {}
    for i, m in enumerate(markers):
        end = markers[i + 1].start() if i + 1 < len(markers) else len(text)
        start = m.end()
        line = text.count("\n", 0, start) + 1
        direction = (m.group(1) or m.group(2)).lower()
        sections.setdefault(direction, (text[start:end], line, m.group(3)))
    up_text, up_line, up_options = sections.get("up", ("", 1, ""))
    directives = sql_directives(text, path, dialect=dialect)
    no_transaction = (
        directives.no_transaction
        or "transaction:false" in up_options.replace(" ", "").lower()
        or _GOOSE_NO_TX.search(text) is not None
    )
    rollback: tuple[Operation, ...] | None = None
    if "down" in sections:
        down_text, down_line, _ = sections["down"]
        rollback = tuple(_parse_section(down_text, path, dialect, down_line))
    loaded.migrations.append(
        Migration(
            path=path,
            framework=Framework.SQL,
            dialect=dialect,
            key=key,
            history=history,
            description=description_of(text),
            transaction=_transaction(settings, no_transaction),
            upgrade=tuple(_parse_section(up_text, path, dialect, up_line)),
            rollback=rollback,
            rollback_path=path if rollback is not None else None,
            rollback_expected=True,
            suppressions=directives.suppressions,
        )
    )


def _parse_section(section: str, path: str, dialect: str, line: int) -> list[Operation]:
    """Parse one up/down section; a goose StatementBegin/End block is one statement."""
    from miglint.ir.ops import ParseError
    from miglint.parsers.split import statements
    from miglint.parsers.sql import classify

    _bind_front_end()
    ops: list[Operation] = []
    pos = 0
    for m in _GOOSE_BLOCK.finditer(section):
        ops.extend(
            parse_sql(
                section[pos : m.start()], path, dialect=dialect, line=line + section.count("\n", 0, pos)
            )
        )
        block_line = line + section.count("\n", 0, m.start(1))
        pieces = statements(m.group(1), dialect=dialect)
        if pieces:
            first, last = pieces[0], pieces[-1]
            body = m.group(1)[first.start : last.start + len(last.text)]
            found = classify(body, dialect)
            if len(pieces) > 1 and any(isinstance(op, ParseError) for op in found):
                ops.extend(parse_sql(m.group(1), path, dialect=dialect, line=block_line))
            else:
                where = Location(
                    path, block_line + first.line - 1, first.column, block_line + last.end_line - 1
                )
                ops.extend(op.at(where, body) for op in found)
        pos = m.end()
    ops.extend(parse_sql(section[pos:], path, dialect=dialect, line=line + section.count("\n", 0, pos)))
    return ops


_ALEMBIC_MARKERS = ("down_revision", "def upgrade")


def _read_alembic(item: tuple[str, str], reader: PyReader, settings: Settings) -> Migration | None:
    from miglint.ir.migration import Framework

    try:
        return reader(item[0], item[1], settings)
    except Exception as exc:  # a front-end bug costs one file, never the run
        return _failed(item[0], Framework.ALEMBIC, exc)


def _is_django(text: str) -> bool:
    return "migrations.Migration" in text or ("django.db" in text and "class Migration" in text)


def _function(module: str, name: str) -> Any:
    """``module.name`` when the (optional) front end module provides it, else None."""
    try:
        mod = importlib.import_module(module)
    except ImportError:
        return None
    found: Any = getattr(mod, name, None)
    return found if callable(found) else None


def _read_django_files(
    files: list[tuple[str, str]],
    settings: Settings,
    read_app: AppReader | None,
    read_one: PyReader | None,
) -> list[Migration]:
    """All Django files as one project; if that fails, file by file, a failing file as MG000."""
    from miglint.ir.migration import Framework
    from miglint.ir.ops import InternalFailure

    app_failure: Exception | None = None
    if read_app is not None:
        try:
            return read_app(files, settings)
        except Exception as exc:  # read file by file below, so one bad file costs only itself
            app_failure = exc
    found: list[Migration] = []
    for path, text in files:
        if read_one is None:
            break
        try:
            migration = read_one(path, text, settings)
        except Exception as exc:
            migration = _failed(path, Framework.DJANGO, exc)
        if migration is not None:
            found.append(migration)
    if app_failure is not None and found:
        # Report it at the first file; every file was then read without its history.
        note = InternalFailure(
            message=f"the django front end failed reading the apps together "
            f"({type(app_failure).__name__}: {app_failure}); files were read one by one, without history",
            location=Location(found[0].path),
        )
        found[0] = replace(found[0], upgrade=(note, *found[0].upgrade))
    return found


def _read_python(
    paths: Sequence[str], loaded: Loaded, explicit: set[str], manifest: Manifest
) -> list[tuple[str, str]]:
    """(path, text) of the Python files; an unreadable one is a problem only if named."""
    texts: list[tuple[str, str]] = []
    folders: set[str] = set()
    for path in paths:
        data = b""
        try:
            data = read_bytes(path)
            manifest.content("file", path, data)
            # Universal newlines, as Path.read_text gives them.
            text = data.decode("utf-8-sig").replace("\r\n", "\n").replace("\r", "\n")
        except (OSError, UnicodeDecodeError):
            manifest.content("unreadable", path, data)
            if path in explicit:
                _read(path, loaded, manifest)
            continue
        texts.append((path, text))
        if manifest.recording and any(marker in text for marker in _ALEMBIC_MARKERS):
            folders.add(os.path.dirname(path))
    for folder in sorted(folders):
        # The Alembic front end looks for a missing parent revision among the folder's files.
        _note_folder(folder, manifest)
    return texts


def _note_folder(folder: str, manifest: Manifest) -> None:
    """Note the ``*.py`` files of ``folder`` and their contents."""
    names = _python_names(folder)
    manifest.listing(folder, names)
    for name in names or []:
        file = os.path.join(folder or ".", name)
        try:
            manifest.content("file", name, read_bytes(file), source=file)
        except OSError:
            manifest.unreadable(name, "unreadable", source=file)


def _load_python(
    texts: Sequence[tuple[str, str]],
    settings: Settings,
    loaded: Loaded,
    explicit: set[str],
    cache: Cache | None = None,
    jobs: int | None = 1,
) -> None:
    """Alembic revisions (ordered by their graph) and Django apps (ordered by dependencies).

    Alembic revisions are read (or taken from ``cache``) one by one; Django apps share one
    project state, so they are cached as one set.
    """
    from miglint.cache import digest
    from miglint.ir.migration import Migration
    from miglint.parallel import map_ordered

    if not texts:
        return
    use_cache = cache is not None and cache.enabled
    settings_key = _settings_key(settings) if use_cache else ""
    # Each front end is imported only when a file needs it (the Alembic one imports sqlglot).
    read_alembic: PyReader | None = None
    order_alembic: OrderFn | None = None
    if any(marker in text for _, text in texts for marker in _ALEMBIC_MARKERS):
        read_alembic = cast(PyReader | None, _function("miglint.parsers.alembic", "read_alembic"))
        order_alembic = cast(OrderFn | None, _function("miglint.parsers.alembic", "order_alembic"))
    read_django: PyReader | None = None
    read_django_app: AppReader | None = None
    if any(_is_django(text) for _, text in texts):
        read_django = cast(PyReader | None, _function("miglint.parsers.django", "read_django"))
        read_django_app = cast(AppReader | None, _function("miglint.parsers.django", "read_django_app"))
    candidates = [
        (path, text)
        for path, text in texts
        if read_alembic is not None and any(marker in text for marker in _ALEMBIC_MARKERS)
    ]
    keys = [digest("alembic", settings_key, p, t) for p, t in candidates] if use_cache else []
    revisions: dict[str, Migration | None] = {}
    missing: list[int] = []
    for i, (path, _text) in enumerate(candidates):
        value = cache.get("parse", keys[i]) if cache is not None and use_cache else None
        if isinstance(value, tuple) and len(cast(tuple[object, ...], value)) == 1:
            revision = cast(tuple[object, ...], value)[0]
            if revision is None or (isinstance(revision, Migration) and revision.path == path):
                revisions[path] = revision
                continue
        missing.append(i)
    if read_alembic is not None and missing:
        read = map_ordered(
            partial(_read_alembic, reader=read_alembic, settings=settings),
            [candidates[i] for i in missing],
            jobs=jobs,
        )
        for i, revision in zip(missing, read, strict=True):
            revisions[candidates[i][0]] = revision
            if cache is not None and use_cache:
                cache.put("parse", keys[i], (revision,))
    alembic: list[Migration] = []
    django: list[tuple[str, str]] = []
    for path, text in texts:
        is_alembic = any(marker in text for marker in _ALEMBIC_MARKERS)
        migration = revisions.get(path) if is_alembic else None
        if migration is not None:
            alembic.append(migration)
        elif _is_django(text):
            django.append((path, text))
        elif path in explicit or is_alembic:
            loaded.unrecognised.append(path)
    if alembic:
        ordered = order_alembic(alembic)[0] if order_alembic else alembic
        loaded.migrations.extend(ordered)
        if use_cache:
            # The graph (order, heads, problems) depends on every revision: one set digest.
            chosen = {m.path for m in alembic}
            whole = digest(
                "alembic-set", *(k for k, (p, _) in zip(keys, candidates, strict=True) if p in chosen)
            )
            loaded.fingerprints.update((m.path, digest(whole, m.path)) for m in ordered)
    if not django:
        return
    django_key = (
        digest("django", settings_key, *(part for pair in django for part in pair)) if use_cache else ""
    )
    cached = cache.get("parse", django_key) if cache is not None and use_cache else None
    if isinstance(cached, list) and all(isinstance(m, Migration) for m in cached):  # pyright: ignore[reportUnknownVariableType]
        found: list[Migration] = cached  # pyright: ignore[reportUnknownVariableType]
    else:
        found = _read_django_files(django, settings, read_django_app, read_django)
        if cache is not None and use_cache:
            cache.put("parse", django_key, found)
    loaded.migrations.extend(found)
    if use_cache:
        loaded.fingerprints.update((m.path, digest(django_key, m.path)) for m in found)
    read = {m.path for m in found}
    loaded.unrecognised.extend(p for p, _ in django if p not in read)
