"""The cache: same output with and without it, and never a stale entry."""

from __future__ import annotations

import os
import pickle
import shutil
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

import miglint.discover
import miglint.engine
from miglint.cache import CACHE_DIR_NAME, Cache, cache_dir, canonical
from miglint.cli import main
from miglint.config import Settings
from miglint.discover import load
from miglint.engine import lint
from miglint.findings import Finding
from miglint.parsers import fastpath

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"

CREATE_NARROW = "CREATE TABLE t (id bigint PRIMARY KEY, c varchar(100));\n"
CREATE_INT = "CREATE TABLE t (id bigint PRIMARY KEY, c integer);\n"
WIDEN = "ALTER TABLE t ALTER COLUMN c TYPE varchar(200);\n"


def _cli(*args: str, env: dict[str, str] | None = None) -> tuple[int, str]:
    result = CliRunner().invoke(main, list(args), env=env, catch_exceptions=False)
    return result.exit_code, result.output


class Counter:
    """Counts calls of the front end (one per parsed SQL file) and of the rules (one per migration)."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.parsed: list[str] = []
        self.linted: list[str] = []
        parse_unit: Callable[..., Any] = miglint.discover._parse_unit  # pyright: ignore[reportPrivateUsage]
        lint_one: Callable[..., Any] = miglint.engine._lint_one  # pyright: ignore[reportPrivateUsage]

        def counting_parse(unit: Any, settings: Settings) -> Any:
            self.parsed.append(os.path.basename(unit.up))
            return parse_unit(unit, settings)

        def counting_lint(migration: Any, *args: Any) -> Any:
            self.linted.append(os.path.basename(migration.path))
            return lint_one(migration, *args)

        monkeypatch.setattr(miglint.discover, "_parse_unit", counting_parse)
        monkeypatch.setattr(miglint.engine, "_lint_one", counting_lint)

    def reset(self) -> None:
        self.parsed.clear()
        self.linted.clear()


def _run(paths: list[str], settings: Settings, directory: Path | None) -> list[Finding]:
    cache = Cache(str(directory) if directory is not None else None)
    loaded = load(paths, settings, cache=cache, jobs=1)
    result = lint(loaded.migrations, settings, cache=cache, fingerprints=loaded.fingerprints)
    cache.save()
    return sorted([*loaded.problems, *result.findings], key=Finding.sort_key)


@pytest.fixture
def history(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "migrations"
    folder.mkdir()
    (folder / "001_create.sql").write_text(CREATE_NARROW)
    (folder / "002_widen.sql").write_text(WIDEN)
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("MIGLINT_NO_CACHE", raising=False)
    monkeypatch.delenv("MIGLINT_CACHE_DIR", raising=False)
    return folder


def test_fixtures_tree_same_with_and_without_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    tree = tmp_path / "fixtures"
    shutil.copytree(FIXTURES, tree)
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("MIGLINT_NO_CACHE", raising=False)
    store = tmp_path / "store"
    common = ["check", "--format", "json", "--fail-on", "never", "--jobs", "1", "fixtures"]
    code, uncached = _cli(*common, "--no-cache")
    assert code == 0
    assert '"code"' in uncached
    assert not store.exists()
    counter = Counter(monkeypatch)
    code, cold = _cli(*common, "--cache-dir", str(store))
    assert code == 0
    assert counter.parsed and counter.linted
    assert sorted(p.name for p in store.glob("*.pack")) == ["v1-findings.pack", "v1-parse.pack"]
    counter.reset()
    code, warm = _cli(*common, "--cache-dir", str(store))
    assert code == 0
    assert counter.parsed == [] and counter.linted == []  # everything came from the cache
    assert cold == uncached
    assert warm == uncached


def test_editing_a_file_invalidates_its_entry(history: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    store = history.parent / "store"
    settings = Settings(select=("MG107",))
    assert _run([str(history)], settings, store) == []
    counter = Counter(monkeypatch)
    assert _run([str(history)], settings, store) == []
    assert counter.parsed == [] and counter.linted == []
    (history / "002_widen.sql").write_text("ALTER TABLE t ALTER COLUMN c TYPE bigint;\n")
    found = _run([str(history)], settings, store)
    assert counter.parsed == ["002_widen.sql"]
    assert counter.linted == ["002_widen.sql"]  # 001's findings do not depend on 002
    assert [(f.code, os.path.basename(f.location.path)) for f in found] == [("MG107", "002_widen.sql")]
    assert found == _run([str(history)], settings, None)


def test_editing_an_earlier_migration_invalidates_the_later_ones(
    history: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = history.parent / "store"
    settings = Settings(select=("MG107",))
    # varchar(100) -> varchar(200) needs no rewrite: fine, and cached as fine.
    assert _run([str(history)], settings, store) == []
    counter = Counter(monkeypatch)
    (history / "001_create.sql").write_text(CREATE_INT)
    found = _run([str(history)], settings, store)
    # 002 did not change, so it is not parsed again, but it is checked again: its schema did.
    assert counter.parsed == ["001_create.sql"]
    assert counter.linted == ["001_create.sql", "002_widen.sql"]
    assert [(f.code, os.path.basename(f.location.path)) for f in found] == [("MG107", "002_widen.sql")]
    assert found == _run([str(history)], settings, None)
    (history / "001_create.sql").write_text(CREATE_NARROW)
    assert _run([str(history)], settings, store) == []


def test_editing_the_configuration_invalidates(history: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (history / "002_widen.sql").write_text("ALTER TABLE t ALTER COLUMN c TYPE bigint;\n")
    config = history.parent / "miglint.toml"
    config.write_text('select = ["MG107"]\n')
    code, first = _cli("check", "--fail-on", "never", "--jobs", "1", "migrations")
    assert code == 0
    assert "MG107" in first
    assert (history.parent / CACHE_DIR_NAME / "v1-findings.pack").is_file()
    config.write_text('select = ["MG107"]\n\n[levels]\nMG107 = "note"\n')
    code, second = _cli("check", "--fail-on", "never", "--jobs", "1", "migrations")
    assert "MG107 [note]" in second
    assert "MG107 [note]" not in first
    config.write_text('select = ["MG001"]\n')
    code, third = _cli("check", "--fail-on", "never", "--jobs", "1", "migrations")
    assert "MG107" not in third


def test_corrupt_entries_and_packs_are_ignored(history: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    store = history.parent / "store"
    settings = Settings(select=("MG107",))
    (history / "002_widen.sql").write_text("ALTER TABLE t ALTER COLUMN c TYPE bigint;\n")
    expected = _run([str(history)], settings, None)
    assert expected
    assert _run([str(history)], settings, store) == expected
    # Damage every entry of one pack: they are misses, recomputed and rewritten.
    findings_pack = store / "v1-findings.pack"
    entries = pickle.loads(findings_pack.read_bytes())
    findings_pack.write_bytes(pickle.dumps({key: b"\x80\x05garbage" for key in entries}))
    counter = Counter(monkeypatch)
    assert _run([str(history)], settings, store) == expected
    assert counter.linted == ["001_create.sql", "002_widen.sql"]
    counter.reset()
    assert _run([str(history)], settings, store) == expected
    assert counter.linted == []
    # A truncated pack, and a pack that is not even a pickle.
    parse_pack = store / "v1-parse.pack"
    parse_pack.write_bytes(parse_pack.read_bytes()[:50])
    findings_pack.write_text("not a pickle")
    counter.reset()
    assert _run([str(history)], settings, store) == expected
    assert counter.parsed == ["001_create.sql", "002_widen.sql"]


def test_entry_of_a_foreign_class_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    store = tmp_path / "store"
    cache = Cache(str(store))
    cache.put("findings", "k", [])
    cache.save()
    pack = store / "v1-findings.pack"
    entries = pickle.loads(pack.read_bytes())
    # A planted entry that would run code (copy a file) when unpickled.
    entries["k"] = pickle.dumps(Evil())
    pack.write_bytes(pickle.dumps(entries))
    monkeypatch.chdir(tmp_path)
    assert Cache(str(store)).get("findings", "k") is None
    assert not (tmp_path / "pwned").exists()
    assert pickle.loads(entries["k"]) is not None  # the plain unpickler would have run it
    assert (tmp_path / "pwned").exists()


class Evil:
    def __reduce__(self) -> tuple[Any, tuple[str, str]]:
        # Unpickling would create the file "pwned" in the current folder.
        return (shutil.copyfile, (__file__, "pwned"))


def test_no_cache_flag_and_environment(history: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    default = history.parent / CACHE_DIR_NAME
    _cli("check", "--no-cache", "--jobs", "1", "migrations")
    assert not default.exists()
    _cli("check", "--jobs", "1", "migrations", env={"MIGLINT_NO_CACHE": "1"})
    assert not default.exists()
    elsewhere = history.parent / "elsewhere"
    _cli("check", "--jobs", "1", "migrations", env={"MIGLINT_CACHE_DIR": str(elsewhere)})
    assert (elsewhere / "v1-parse.pack").is_file()
    assert not default.exists()
    chosen = history.parent / "chosen"
    _cli("check", "--jobs", "1", "--cache-dir", str(chosen), "migrations")
    assert (chosen / "v1-findings.pack").is_file()
    _cli("check", "--jobs", "1", "migrations")
    assert (default / "v1-parse.pack").is_file()
    assert (default / "CACHEDIR.TAG").is_file()


def test_cache_dir_resolution(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("MIGLINT_NO_CACHE", raising=False)
    monkeypatch.delenv("MIGLINT_CACHE_DIR", raising=False)
    root = str(tmp_path)
    assert cache_dir(root) == os.path.join(root, CACHE_DIR_NAME)
    assert cache_dir(root, option="x") == os.path.abspath("x")
    assert cache_dir(root, disabled=True) is None
    monkeypatch.setenv("MIGLINT_CACHE_DIR", str(tmp_path / "env"))
    assert cache_dir(root) == str(tmp_path / "env")
    assert cache_dir(root, option="x") == os.path.abspath("x")
    monkeypatch.setenv("MIGLINT_NO_CACHE", "0")
    assert cache_dir(root) is not None
    monkeypatch.setenv("MIGLINT_NO_CACHE", "1")
    assert cache_dir(root) is None


def test_settings_fingerprint_is_canonical() -> None:
    a = Settings(placeholders={"a": "1", "b": "2"}, per_path_ignores={"x/*": ("MG101",)})
    b = Settings(placeholders={"b": "2", "a": "1"}, per_path_ignores={"x/*": ("MG101",)})
    assert canonical(a) == canonical(b)
    assert canonical(a) != canonical(Settings(placeholders={"a": "1", "b": "3"}))


# --- the whole-run record ---------------------------------------------------------------------


class RunCounter:
    """Counts runs that had to parse (a whole-run record skips :func:`miglint.discover.finish`)."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.finished = 0
        finish: Callable[..., Any] = miglint.discover.finish

        def counting_finish(*args: Any, **kwargs: Any) -> Any:
            self.finished += 1
            return finish(*args, **kwargs)

        monkeypatch.setattr(miglint.discover, "finish", counting_finish)


def test_whole_run_record_same_output_as_uncached_and_without_fast_path(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    tree = tmp_path / "fixtures"
    shutil.copytree(FIXTURES, tree)
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("MIGLINT_NO_CACHE", raising=False)
    store = tmp_path / "store"
    runs = RunCounter(monkeypatch)
    for fmt in ("json", "text", "sarif"):
        common = ["check", "--format", fmt, "--fail-on", "never", "--jobs", "1", "fixtures"]
        _, uncached = _cli(*common, "--no-cache")
        monkeypatch.setattr(fastpath, "ENABLED", False)
        _, without_fast_path = _cli(*common, "--no-cache")
        monkeypatch.setattr(fastpath, "ENABLED", True)
        before = runs.finished
        _, cold = _cli(*common, "--cache-dir", str(store))
        _, warm = _cli(*common, "--cache-dir", str(store))
        assert runs.finished == before + 1  # the second cached run was served whole
        assert uncached == without_fast_path == cold == warm
    assert len(list((store / "v1-runs").iterdir())) == 3  # one record per format


def test_editing_any_file_invalidates_the_run_record(history: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (history / "003_add.up.sql").write_text("ALTER TABLE t ADD COLUMN d text;\n")
    (history / "003_add.down.sql").write_text("ALTER TABLE t DROP COLUMN d;\n")
    runs = RunCounter(monkeypatch)
    args = ("check", "--format", "json", "--fail-on", "never", "--jobs", "1", "migrations")
    _, first = _cli(*args)
    assert runs.finished == 1
    assert _cli(*args)[1] == first
    assert runs.finished == 1
    edits = [
        ("001_create.sql", CREATE_INT),  # history only: no finding is reported in it
        ("003_add.down.sql", "ALTER TABLE t DROP COLUMN e;\n"),  # a rollback file
        ("004_new.sql", "SELECT 1;\n"),  # a new file
    ]
    for name, text in edits:
        path = history / name
        old = path.read_text() if path.exists() else None
        path.write_text(text)
        finished = runs.finished
        _, after = _cli(*args)
        assert runs.finished == finished + 1, name
        _, uncached = _cli(*args, "--no-cache")
        assert after == uncached, name
        if old is None:
            path.unlink()
        else:
            path.write_text(old)
    assert _cli(*args)[1] == first  # the first record again


def test_fail_on_applies_to_a_run_record(history: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (history / "002_widen.sql").write_text("ALTER TABLE t ALTER COLUMN c TYPE bigint;\n")
    runs = RunCounter(monkeypatch)
    code, out = _cli("check", "--fail-on", "never", "--jobs", "1", "migrations")
    assert code == 0
    assert "MG107" in out
    code, again = _cli("check", "--fail-on", "note", "--jobs", "1", "migrations")
    assert runs.finished == 1  # fail_on is not part of the key: the record is reused
    assert code == 1
    assert again == out


def test_empty_folder_warning_is_replayed(history: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (history.parent / "empty").mkdir()
    runner = CliRunner()
    runs = RunCounter(monkeypatch)
    results = [runner.invoke(main, ["check", "--jobs", "1", "migrations", "empty"]) for _ in range(2)]
    assert runs.finished == 1
    assert [r.exit_code for r in results] == [results[0].exit_code] * 2
    assert [r.output for r in results] == [results[0].output] * 2
    assert "no migration found in empty" in results[1].stderr


def test_corrupt_run_records_are_ignored(history: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    args = ("check", "--format", "json", "--fail-on", "never", "--jobs", "1", "migrations")
    _, first = _cli(*args)
    records = list((history.parent / CACHE_DIR_NAME / "v1-runs").iterdir())
    assert len(records) == 1
    runs = RunCounter(monkeypatch)
    for garbage in (b"", b"not json\n[]", b'{"max_level": "x", "warnings": []}\n[]', b"\xff\xfe\n\xff"):
        records[0].write_bytes(garbage)
        assert _cli(*args)[1] == first
    assert runs.finished == 4
    cache = Cache(str(history.parent / CACHE_DIR_NAME))
    assert cache.get_run("../escape") is None


def test_a_damaged_whole_run_record_is_a_miss_never_replayed(tmp_path: Path) -> None:
    """Flipping one byte of a stored report (same size) must not reach the output."""
    import subprocess
    import sys

    project = tmp_path / "db"
    project.mkdir()
    (project / "001_init.sql").write_text("CREATE TABLE t (id bigint PRIMARY KEY, a int);\n")
    (project / "002_index.sql").write_text("CREATE INDEX t_a ON t (a);\n")
    cache_dir = tmp_path / "cache"
    env = {k: v for k, v in os.environ.items() if k not in ("MIGLINT_NO_CACHE", "MIGLINT_CACHE_DIR")}
    cmd = [sys.executable, "-m", "miglint", "check", str(project), "--format", "json", "--fail-on", "never"]

    def run(*extra: str) -> str:
        return subprocess.run([*cmd, *extra], capture_output=True, text=True, env=env, check=True).stdout

    fresh = run("--no-cache")
    assert run("--cache-dir", str(cache_dir)) == fresh
    records = [p for p in cache_dir.rglob("*") if p.is_file() and p.parent.name.startswith("v1-runs")]
    assert records, "no whole-run record was written"
    for record in records:
        data = bytearray(record.read_bytes())
        at = data.index(b"MG101")
        data[at : at + 5] = b"MG999"
        record.write_bytes(bytes(data))
    assert run("--cache-dir", str(cache_dir)) == fresh


def test_plugin_shortcut_agrees_with_importlib_metadata(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import importlib.metadata
    import sys

    from miglint.entry_points import no_plugin_entry_point

    def truth() -> bool:
        return not importlib.metadata.entry_points(group="miglint.rules")

    assert no_plugin_entry_point() == truth()
    dist = tmp_path / "fake_plugin-1.0.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: fake-plugin\nVersion: 1.0\n")
    (dist / "entry_points.txt").write_text("[console_scripts]\nfake = fake:main\n")
    monkeypatch.setattr(sys, "path", [str(tmp_path), *sys.path])
    assert no_plugin_entry_point() == truth()
    (dist / "entry_points.txt").write_text("[miglint.rules]\nfake = fake_rules\n")
    assert truth() is False
    assert no_plugin_entry_point() is False


class GatherCounter:
    """Counts runs that read the migrations (a run served by what an earlier one saw reads none)."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.calls = 0
        gather: Callable[..., Any] = miglint.discover.gather

        def counting_gather(*args: Any, **kwargs: Any) -> Any:
            self.calls += 1
            return gather(*args, **kwargs)

        monkeypatch.setattr(miglint.discover, "gather", counting_gather)


def test_unchanged_files_are_known_by_their_metadata(history: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # The racy window (changes shortly before a run are re-read) is shortened so that files
    # written by the test count as settled; each edit below waits for the next clock tick.
    monkeypatch.setattr(miglint.discover, "RACY_NS", 0)
    (history / "003_add.up.sql").write_text("ALTER TABLE t ADD COLUMN d text;\n")
    (history / "003_add.down.sql").write_text("ALTER TABLE t DROP COLUMN d;\n")
    time.sleep(0.05)
    reads = GatherCounter(monkeypatch)
    args = ("check", "--format", "json", "--fail-on", "never", "--jobs", "1", "migrations")
    _, first = _cli(*args)
    assert _cli(*args)[1] == first
    assert reads.calls == 1  # the second run read nothing
    edits: list[tuple[str, str | None]] = [
        ("002_widen.sql", WIDEN.replace("200", "300")),  # same size, other content
        ("001_create.sql", CREATE_INT),  # an earlier migration: changes what 002 is checked against
        ("003_add.down.sql", None),  # a rollback file removed: an existence test answers otherwise
        ("004_new.sql", "SELECT 1;\n"),  # a new file: another listing
    ]
    for name, text in edits:
        time.sleep(0.05)
        path = history / name
        if text is None:
            path.unlink()
        else:
            path.write_text(text)
        calls = reads.calls
        _, after = _cli(*args)
        assert reads.calls == calls + 1, name
        assert after == _cli(*args, "--no-cache")[1], name
        calls = reads.calls
        assert _cli(*args)[1] == after, name
        assert reads.calls == calls, name  # settled again: known by metadata
    assert _cli(*args)[1] != first


def test_files_changed_just_before_a_run_are_read_again(
    history: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # With the real racy window, files written a moment ago may change again within the same
    # tick of the file system's clock: their metadata proves nothing, they are read (and hashed).
    reads = GatherCounter(monkeypatch)
    runs = RunCounter(monkeypatch)
    args = ("check", "--format", "json", "--fail-on", "never", "--jobs", "1", "migrations")
    _, first = _cli(*args)
    assert _cli(*args)[1] == first
    assert reads.calls == 2 and runs.finished == 1  # read again, but served by the run record


def test_unchanged_checks_every_kind_of_observation(tmp_path: Path) -> None:
    from miglint.discover import unchanged

    file = tmp_path / "a.sql"
    file.write_text("SELECT 1;\n")
    st = os.stat(file)
    signature = [st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns]
    later = max(st.st_mtime_ns, st.st_ctime_ns) + miglint.discover.RACY_NS + 1
    assert unchanged([("stat", str(file), signature)], later)
    assert not unchanged([("stat", str(file), signature)], later - 2)  # racy: changed too recently
    assert not unchanged([("stat", str(file), [*signature[:2], signature[2] + 1, *signature[3:]])], later)
    assert unchanged([("exists", str(file), True), ("exists", str(tmp_path / "b.sql"), False)], later)
    assert not unchanged([("exists", str(tmp_path / "b.sql"), True)], later)
    assert unchanged([("glob", str(tmp_path), ["*.sql", str(file)])], later)
    assert not unchanged([("glob", str(tmp_path), ["*.py", str(file)])], later)
    assert unchanged([("listing", str(tmp_path), [])], later)
    (tmp_path / "m.py").write_text("")
    assert not unchanged([("listing", str(tmp_path), [])], later)
    assert not unchanged([("something else", str(file), None)], later)
