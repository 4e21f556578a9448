"""A content-addressed cache of parsed migrations and findings, in ``.miglint_cache/``.

Every entry is looked up by a key that hashes *everything* its value depends on, so an entry
can only ever be missing, never stale:

- ``parse`` entries (a front end's :class:`~miglint.ir.migration.Migration` records) are keyed by
  the files' paths and contents, what the file layout says about them (history, order, rollback
  file), the resolved settings and :func:`code_fingerprint` (miglint's version, the size and
  modification time of each of its source files, sqlglot's version, the Python version).
- ``findings`` entries (what the rules reported on one migration) are keyed additionally by the
  chain of the earlier migrations of the same history (rules see the schema they built), the
  migration's ``unreleased`` flag and those of its predecessors (``--changed-since``), and the
  rules that run, plugins included.

- ``run`` entries (a whole run's rendered report) are keyed by :func:`run_key`: miglint itself,
  the settings, the plugins, the output options and the digest of every file the run read and
  every file-system test it made (:class:`miglint.discover.Manifest`). A hit skips parsing,
  replay and the rules; the files are still read and hashed, so it cannot be stale.

Entries of one kind live in one pack file (one read per run, one atomic write when something
changed), each value pickled on its own so a corrupt entry is just a miss. Values are read
back with an unpickler that only builds miglint's own classes: a cache folder planted in a
repository cannot run code. ``MIGLINT_NO_CACHE=1`` turns the cache off and
``MIGLINT_CACHE_DIR`` moves it; the CLI has ``--no-cache`` and ``--cache-dir``.
"""

from __future__ import annotations

import contextlib
import dataclasses
import enum
import hashlib
import io
import json
import os
import sys
import zlib
from collections.abc import Iterable, Mapping, Sequence
from functools import cache
from typing import TYPE_CHECKING, Any, NamedTuple, cast

if TYPE_CHECKING:
    import pickle

    from miglint.config import Settings
    from miglint.rules._base import Rule

#: Folder name of the cache, under the project root.
CACHE_DIR_NAME = ".miglint_cache"
#: Bumped when the layout or the meaning of keys changes.
FORMAT = 1
#: Most entries kept per pack; the least recently used go first.
MAX_ENTRIES = 50_000
#: Most whole-run entries kept (each holds a rendered report); the least recently used go first.
MAX_RUNS = 16

_ENV_DISABLE = "MIGLINT_NO_CACHE"
_ENV_DIR = "MIGLINT_CACHE_DIR"
_SAFE_BUILTINS = frozenset({"frozenset", "set", "tuple", "list", "dict", "slice", "complex"})
_README = "Cache of miglint (https://pypi.org/project/miglint/); safe to delete.\n"


def digest(*parts: str | bytes) -> str:
    """A hex digest of ``parts`` (length-prefixed, so ``("ab", "c") != ("a", "bc")``)."""
    h = hashlib.blake2b(digest_size=20)
    for part in parts:
        data = part.encode("utf-8", "surrogatepass") if isinstance(part, str) else part
        h.update(len(data).to_bytes(8, "little"))
        h.update(data)
    return h.hexdigest()


def canonical(value: object) -> str:
    """A deterministic text form of settings-like values (dataclasses, dicts, sets, enums)."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        fields = ", ".join(f"{f.name}={canonical(getattr(value, f.name))}" for f in dataclasses.fields(value))
        return f"{type(value).__qualname__}({fields})"
    if isinstance(value, enum.Enum):
        return f"{type(value).__qualname__}.{value.name}"
    if isinstance(value, Mapping):
        mapping = cast(Mapping[object, object], value)
        items = sorted((canonical(k), canonical(v)) for k, v in mapping.items())
        return "{" + ", ".join(f"{k}: {v}" for k, v in items) + "}"
    if isinstance(value, set | frozenset):
        return "{" + ", ".join(sorted(canonical(v) for v in cast(Iterable[object], value))) + "}"
    if isinstance(value, list | tuple):
        return "[" + ", ".join(canonical(v) for v in cast(Iterable[object], value)) + "]"
    return repr(value)


@cache
def code_fingerprint() -> str:
    """What miglint's results depend on besides its input: versions and its own source files.

    Source files count by path, size and modification time, so editing miglint (or
    installing another build of the same version) never serves results of the old code.
    """
    from miglint import __version__

    package = os.path.dirname(os.path.abspath(__file__))
    parts: list[str] = [str(FORMAT), __version__, sys.version]
    for folder, dirs, files in os.walk(package):
        dirs[:] = sorted(d for d in dirs if d != "__pycache__")
        for name in sorted(files):
            if name.endswith(".py"):
                path = os.path.join(folder, name)
                try:
                    st = os.stat(path)
                except OSError:
                    continue
                parts.append(f"{os.path.relpath(path, package)}:{st.st_size}:{st.st_mtime_ns}")
    found = _distribution_metadata(("sqlglot", "sqlglotc"))
    if found is not None:
        parts.extend(found)
        return digest(*parts)
    try:
        from importlib.metadata import version

        parts.append(f"sqlglot {version('sqlglot')}")
        parts.append(f"sqlglotc {version('sqlglotc')}")
    except Exception:  # an absent distribution is part of the fingerprint too
        parts.append("no sqlglotc")
    return digest(*parts)


def _distribution_metadata(names: Sequence[str]) -> list[str] | None:
    """The metadata files of every installed distribution of ``names``, without importlib.metadata.

    Importing importlib.metadata costs more than the rest of a cached run's start-up. Its
    ``version(name)`` is the ``Version`` of the first of the distributions this lists (the
    ``*.dist-info``/``*.egg-info`` folders, and ``.egg``'s ``EGG-INFO``, of the folders on
    ``sys.path`` that its ``FastPath``/``Lookup`` would match); all of them, with their
    ``METADATA`` and ``PKG-INFO`` contents, are at least as telling. None when that cannot be
    known so (a zip file on ``sys.path``, another distribution finder, an unreadable file).
    """
    import importlib.machinery
    import re

    def normalize(name: str) -> str:  # importlib.metadata.Prepared.normalize
        return re.sub(r"[-_.]+", "-", name).lower().replace("-", "_")

    wanted = {normalize(n) for n in names}
    for finder in sys.meta_path:
        if (
            getattr(finder, "find_distributions", None) is not None
            and finder is not importlib.machinery.PathFinder
        ):
            return None
    parts: list[str] = []
    for root in sys.path:
        if not isinstance(root, str):  # pyright: ignore[reportUnnecessaryIsInstance]
            return None
        try:
            children = os.listdir(root or ".")
        except Exception:
            if os.path.isfile(root):  # a zip archive
                return None
            continue
        base = os.path.basename(root).lower()
        egg = base.rpartition(".")[0].partition("-")[0].replace("-", "_") if base.endswith(".egg") else None
        for child in children:
            low = child.lower()
            if low.endswith((".dist-info", ".egg-info")):
                if normalize(low.rpartition(".")[0].partition("-")[0]) not in wanted:
                    continue
            elif egg is None or low != "egg-info" or egg not in wanted:
                continue
            folder = os.path.join(root, child)
            parts.append(folder)
            for meta in ("METADATA", "PKG-INFO"):
                try:
                    with open(os.path.join(folder, meta), "rb") as handle:
                        parts.append(handle.read().decode("utf-8", "surrogateescape"))
                except (FileNotFoundError, IsADirectoryError, NotADirectoryError, PermissionError):
                    parts.append(f"no {meta}")
                except OSError:
                    return None
    return parts


def rules_fingerprint(rules: Iterable[type[Rule]]) -> str:
    """The rules that run: code, class, and for plugins their module file and distribution."""
    parts: list[str] = []
    for rule in rules:
        parts.append(f"{rule.code} {rule.__module__}.{rule.__qualname__}")
        if not rule.__module__.startswith("miglint."):
            module = sys.modules.get(rule.__module__)
            path = getattr(module, "__file__", None)
            if isinstance(path, str):
                try:
                    st = os.stat(path)
                    parts.append(f"{path}:{st.st_size}:{st.st_mtime_ns}")
                except OSError:
                    parts.append(path)
            parts.append(_distribution_version(rule.__module__))
    return digest(*parts)


def _distribution_version(module: str) -> str:
    try:
        from importlib.metadata import packages_distributions, version

        names = packages_distributions().get(module.split(".", 1)[0], [])
        return ",".join(f"{n} {version(n)}" for n in sorted(names))
    except Exception:
        return "?"


#: Settings that change only the exit code or how paths are displayed, never a finding.
_REPORT_ONLY = ("fail_on", "root")


def settings_fingerprint(settings: Settings) -> str:
    """A digest of the resolved configuration (all of it but :data:`_REPORT_ONLY`)."""
    relevant = dataclasses.replace(settings, **{name: None for name in _REPORT_ONLY})
    return digest(canonical(relevant))


@cache
def _unpicklers() -> tuple[type[pickle.Unpickler], type[pickle.Unpickler]]:
    """The unpicklers of entries and of packs (pickle is imported only when a pack is used)."""
    import pickle

    class SafeUnpickler(pickle.Unpickler):
        """Builds only miglint classes and a few plain builtins; anything else is a bad entry."""

        def find_class(self, module: str, name: str) -> Any:
            if module == "builtins" and name in _SAFE_BUILTINS:
                return super().find_class(module, name)
            if module == "miglint" or module.startswith("miglint."):
                found = super().find_class(module, name)
                if isinstance(found, type):
                    return found
            raise pickle.UnpicklingError(f"{module}.{name} is not allowed in the miglint cache")

    class NoClassUnpickler(pickle.Unpickler):
        """Builds no class at all: a pack is a dict of str to bytes."""

        def find_class(self, module: str, name: str) -> Any:
            raise pickle.UnpicklingError("a cache pack holds no classes")

    return SafeUnpickler, NoClassUnpickler


def _write_records(folder: str, files: dict[str, bytes]) -> bool:
    """Write each of ``files`` (name -> bytes) into ``folder`` atomically; keep the newest there.

    At most :data:`MAX_RUNS` files stay. False when the folder cannot be written (the cache is
    optional: the run goes on).
    """
    import tempfile

    try:
        os.makedirs(folder, exist_ok=True)
        for name, data in files.items():
            fd, tmp = tempfile.mkstemp(prefix=".record-", suffix=".tmp", dir=folder)
            try:
                with os.fdopen(fd, "wb") as handle:
                    handle.write(data)
                os.replace(tmp, os.path.join(folder, name))
            except BaseException:
                os.unlink(tmp)
                raise
        entries = [e for e in os.scandir(folder) if e.is_file() and not e.name.startswith(".")]
        entries.sort(key=lambda e: e.stat().st_mtime_ns)
        for stale in entries[:-MAX_RUNS]:
            os.unlink(stale.path)
    except OSError:
        return False
    return True


def _loads(data: bytes) -> Any:
    return _unpicklers()[0](io.BytesIO(data)).load()


class Seen(NamedTuple):
    """What a run saw, to tell a later run it would read the same without reading anything.

    ``run`` is the key of the run's record, ``since`` when the run started (ns since the
    epoch), ``observations`` those of its :class:`miglint.discover.Manifest`.
    """

    run: str
    since: int
    observations: list[tuple[str, str, object]]


class RunRecord:
    """What a whole run printed: the report, the warnings on stderr, the most severe level.

    Read back from the cache, the report is kept as the UTF-8 bytes stored (:attr:`data`)
    and decoded only when :attr:`report` is asked for: a hit that writes the bytes out as
    they are skips decoding (and encoding again) a report of megabytes.
    """

    __slots__ = ("_report", "data", "max_level", "warnings")

    def __init__(
        self,
        report: str | None,
        max_level: int | None,
        warnings: tuple[str, ...] = (),
        *,
        data: bytes | None = None,
    ) -> None:
        if report is None and data is None:
            raise ValueError("a run record needs its report, as text or as UTF-8")
        self._report = report
        #: The report in UTF-8 (valid: checked when read back), or None.
        self.data = data
        self.max_level = max_level
        self.warnings = warnings

    @property
    def report(self) -> str:
        """The report."""
        if self._report is None:
            assert self.data is not None
            self._report = self.data.decode("utf-8")
        return self._report


class Cache:
    """Pack files of pickled values by key, under ``directory`` (None: a disabled cache)."""

    def __init__(self, directory: str | None) -> None:
        self.directory = directory
        self._packs: dict[str, dict[str, bytes]] = {}
        self._dirty: set[str] = set()
        self._used: dict[str, set[str]] = {}
        self._runs: dict[str, RunRecord] = {}
        self._seen: dict[str, Seen] = {}
        #: (kind, key, data or None for a hit) of each entry stored or used, while recording.
        self._journal: list[tuple[str, str, bytes | None]] | None = None

    def _run_path(self, key: str) -> str:
        assert self.directory is not None
        return os.path.join(self.directory, f"v{FORMAT}-runs", key)

    def get_run(self, key: str) -> RunRecord | None:
        """The whole-run record stored under ``key``, or None (absent or unreadable).

        A record is a file of its own (a JSON header line, then the report as UTF-8): a hit
        reads only its own entry, and nothing in it is code.
        """
        if not self.enabled or not key.isalnum():
            return None
        path = self._run_path(key)
        try:
            with open(path, "rb") as handle:
                header, _, body = handle.read().partition(b"\n")
            meta: object = json.loads(header)
        except (OSError, ValueError):
            return None
        if not isinstance(meta, dict):
            return None
        meta = cast(dict[str, object], meta)
        level, warnings = meta.get("max_level"), meta.get("warnings")
        if not (level is None or type(level) is int) or not isinstance(warnings, list):
            return None
        warnings = cast(list[object], warnings)
        if not all(isinstance(w, str) for w in warnings):
            return None
        # A body that is not exactly what was written (its size and CRC in the header) is a
        # miss: a damaged record must never be replayed. As written, it is valid UTF-8 (it was
        # encoded strictly), so it needs no decoding until asked.
        if meta.get("size") != len(body) or meta.get("crc32") != zlib.crc32(body):
            return None
        with contextlib.suppress(OSError):
            os.utime(path)  # recently used: trimmed last
        return RunRecord(None, level, tuple(cast(list[str], warnings)), data=body)

    def put_run(self, key: str, record: RunRecord) -> None:
        """Store a whole-run record under ``key`` (written by :meth:`save`)."""
        if self.enabled and key.isalnum():
            self._runs[key] = record

    def get_seen(self, key: str) -> Seen | None:
        """What the run stored under ``key`` by :meth:`put_seen` saw, or None (absent or damaged)."""
        if not self.enabled or not key.isalnum():
            return None
        try:
            with open(os.path.join(self._seen_folder(), key), "rb") as handle:
                data: object = json.loads(handle.read())
        except (OSError, ValueError):
            return None
        if not isinstance(data, dict):
            return None
        data = cast(dict[str, object], data)
        run, since, observations = data.get("run"), data.get("since"), data.get("observations")
        if not isinstance(run, str) or type(since) is not int or not isinstance(observations, list):
            return None
        checked: list[tuple[str, str, object]] = []
        for item in cast(list[object], observations):
            if not isinstance(item, list) or len(cast(list[object], item)) != 3:
                return None
            kind, path, seen = cast(list[object], item)
            if not isinstance(kind, str) or not isinstance(path, str):
                return None
            checked.append((kind, path, seen))
        return Seen(run, since, checked)

    def put_seen(self, key: str, seen: Seen) -> None:
        """Store, under ``key``, the run key a run's record has and what that run saw."""
        if self.enabled and key.isalnum():
            self._seen[key] = seen

    def _seen_folder(self) -> str:
        assert self.directory is not None
        return os.path.join(self.directory, f"v{FORMAT}-seen")

    @property
    def enabled(self) -> bool:
        """Whether lookups and stores do anything."""
        return self.directory is not None

    def _pack_path(self, kind: str) -> str:
        assert self.directory is not None
        return os.path.join(self.directory, f"v{FORMAT}-{kind}.pack")

    def _pack(self, kind: str) -> dict[str, bytes]:
        pack = self._packs.get(kind)
        if pack is None:
            pack = self._read_pack(kind) if self.enabled else {}
            self._packs[kind] = pack
            self._used[kind] = set()
        return pack

    def _read_pack(self, kind: str) -> dict[str, bytes]:
        try:
            with open(self._pack_path(kind), "rb") as handle:
                # The pack itself is a dict of str -> bytes: no class may appear in it.
                loaded: object = _unpicklers()[1](handle).load()
        except Exception:  # absent, truncated or foreign: start afresh
            return {}
        if not isinstance(loaded, dict):
            return {}
        pack: dict[str, bytes] = {}
        for key, value in loaded.items():  # pyright: ignore[reportUnknownVariableType]
            if isinstance(key, str) and isinstance(value, bytes):
                pack[key] = value
        return pack

    def get(self, kind: str, key: str) -> Any | None:
        """The value stored under ``key``, or None (absent or unreadable)."""
        if not self.enabled:
            return None
        pack = self._pack(kind)
        data = pack.get(key)
        if data is None:
            return None
        try:
            value = _loads(data)
        except Exception:
            del pack[key]
            self._dirty.add(kind)
            return None
        self._used[kind].add(key)
        if self._journal is not None:
            self._journal.append((kind, key, None))
        return value

    def put(self, kind: str, key: str, value: object) -> None:
        """Store ``value`` under ``key`` (written by :meth:`save`)."""
        if not self.enabled:
            return
        import pickle

        try:
            data = pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)
        except Exception:  # e.g. a plugin's unpicklable finding: just not cached
            return
        pack = self._pack(kind)
        pack.pop(key, None)
        pack[key] = data
        self._used[kind].add(key)
        self._dirty.add(kind)
        if self._journal is not None:
            self._journal.append((kind, key, data))

    def preload(self, *kinds: str) -> None:
        """Read the packs of ``kinds`` now (before forking workers that share them)."""
        if self.enabled:
            for kind in kinds:
                self._pack(kind)

    def record(self) -> None:
        """From now on, note each entry stored or found (see :meth:`recorded`); drop older notes."""
        self._journal = []

    def recorded(self) -> list[tuple[str, str, bytes | None]]:
        """The entries noted since :meth:`record`: (kind, key, pickled value, or None when found)."""
        return list(self._journal or [])

    def merge(self, entries: Iterable[tuple[str, str, bytes | None]]) -> None:
        """Apply what another process :meth:`recorded` (with a copy of this cache) to this one."""
        if not self.enabled:
            return
        for kind, key, data in entries:
            pack = self._pack(kind)
            if data is None:
                if key in pack:
                    self._used[kind].add(key)
                continue
            pack.pop(key, None)
            pack[key] = data
            self._used[kind].add(key)
            self._dirty.add(kind)

    def save(self) -> None:
        """Write the packs that changed, atomically; failures (read-only disk…) are ignored."""
        if not self.enabled or not (self._dirty or self._runs or self._seen):
            return
        assert self.directory is not None
        try:
            os.makedirs(self.directory, exist_ok=True)
            marker = os.path.join(self.directory, "CACHEDIR.TAG")
            if not os.path.exists(marker):
                # Backup tools skip tagged folders; .gitignore keeps git out of it.
                with open(marker, "w", encoding="utf-8") as handle:
                    handle.write("Signature: 8a477f597d28d172789f06886806bc55\n# " + _README)
                with open(os.path.join(self.directory, ".gitignore"), "w", encoding="utf-8") as handle:
                    handle.write("*\n")
        except OSError:
            return
        for kind in sorted(self._dirty):
            self._write_pack(kind)
        self._dirty.clear()
        if self._runs:
            self._write_runs()
        if self._seen:
            self._write_seen()

    def _write_runs(self) -> None:
        files: dict[str, bytes] = {}
        for key, record in self._runs.items():
            try:
                body = record.report.encode("utf-8")
            except UnicodeEncodeError:  # surrogates: a record that could not be read back
                continue
            meta = {
                "max_level": record.max_level,
                "warnings": list(record.warnings),
                "size": len(body),
                "crc32": zlib.crc32(body),
            }
            files[key] = json.dumps(meta).encode("utf-8") + b"\n" + body
        if _write_records(os.path.dirname(self._run_path("x")), files):
            self._runs.clear()

    def _write_seen(self) -> None:
        files: dict[str, bytes] = {}
        for key, seen in self._seen.items():
            observations = [list(o) for o in seen.observations]
            meta = {"run": seen.run, "since": seen.since, "observations": observations}
            try:
                files[key] = json.dumps(meta).encode("utf-8", "surrogatepass")
            except ValueError:  # not JSON: simply not stored
                continue
        if _write_records(self._seen_folder(), files):
            self._seen.clear()

    def _write_pack(self, kind: str) -> None:
        pack = self._packs[kind]
        used = self._used.get(kind, set())
        # Entries used by this run move to the end, so trimming drops the least recent ones.
        ordered = {k: v for k, v in pack.items() if k not in used}
        ordered.update((k, pack[k]) for k in pack if k in used)
        if len(ordered) > MAX_ENTRIES:
            ordered = dict(list(ordered.items())[-MAX_ENTRIES:])
        assert self.directory is not None
        import pickle
        import tempfile

        try:
            fd, tmp = tempfile.mkstemp(prefix=f".{kind}-", suffix=".tmp", dir=self.directory)
            try:
                with os.fdopen(fd, "wb") as handle:
                    pickle.dump(ordered, handle, protocol=pickle.HIGHEST_PROTOCOL)
                os.replace(tmp, self._pack_path(kind))
            except BaseException:
                os.unlink(tmp)
                raise
        except OSError:
            return


def cache_dir(root: str, *, option: str | None = None, disabled: bool = False) -> str | None:
    """Where the cache lives, or None when it is off.

    ``option`` (``--cache-dir``), else ``$MIGLINT_CACHE_DIR``, else ``<root>/.miglint_cache``;
    None with ``disabled`` (``--no-cache``) or ``$MIGLINT_NO_CACHE`` set (to anything but 0/false/no).
    """
    if disabled or os.environ.get(_ENV_DISABLE, "").strip().lower() not in {"", "0", "false", "no"}:
        return None
    chosen = option or os.environ.get(_ENV_DIR) or os.path.join(root, CACHE_DIR_NAME)
    return os.path.abspath(chosen)


def chain(previous: str, fingerprint: str, unreleased: bool) -> str:
    """The history digest after one more migration."""
    return digest(previous, fingerprint, "u" if unreleased else "r")


def findings_key(run: str, history_chain: str) -> str:
    """The key of one migration's findings: the run's fingerprint and its history chain."""
    return digest("findings", run, history_chain)


def run_key(
    settings: Settings,
    manifest: str,
    *,
    plugins: str,
    targets: Sequence[str],
    output: Sequence[str],
    changed: object = None,
) -> str:
    """The key of a whole run's record.

    ``manifest`` is the digest of what the run read (:class:`miglint.discover.Manifest`),
    ``plugins`` the fingerprint of the plugin rules, ``output`` whatever else shapes the
    report (format, colour), ``changed`` the ``--changed-since`` change set. The report's
    paths depend on the root and the working directory, so both count.
    """
    return digest(
        "run",
        code_fingerprint(),
        settings_fingerprint(settings),
        canonical(settings.root),
        os.getcwd(),
        plugins,
        manifest,
        canonical(list(targets)),
        canonical(list(output)),
        canonical(changed),
    )


def run_fingerprint(settings: Settings, rules: Sequence[type[Rule]]) -> str:
    """Everything besides the migrations that decides what the rules report."""
    return digest(code_fingerprint(), settings_fingerprint(settings), rules_fingerprint(rules))
