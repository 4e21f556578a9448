"""The command line: exit codes, options over configuration, outputs, colour, rule pages."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from miglint import __version__
from miglint.cli import main
from miglint.config import Settings
from miglint.engine import LintResult
from miglint.findings import Level
from miglint.ir.migration import Migration
from miglint.rules import PluginError, builtin_rules

BROKEN = "ALTER TABLE accounts ADD COLUMN;\n"
FINE = "ALTER TABLE accounts ADD COLUMN note text;\n"


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A project with a miglint.toml and one broken, one parseable migration."""
    (tmp_path / "migrations").mkdir()
    (tmp_path / "migrations" / "0001_broken.sql").write_text(BROKEN)
    (tmp_path / "ok").mkdir()
    (tmp_path / "ok" / "0001_fine.sql").write_text(FINE)
    (tmp_path / "miglint.toml").write_text('select = ["MG001"]\n')
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("NO_COLOR", raising=False)
    return tmp_path


def _run(*args: str, env: dict[str, str] | None = None) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args), env=env, catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


def test_exit_0_when_nothing_at_failing_level(project: Path) -> None:
    code, out, _ = _run("check", "ok")
    assert code == 0, out
    assert out.strip() == "All checks passed!"


def test_exit_1_on_findings_with_located_text(project: Path) -> None:
    code, out, _ = _run("check", "migrations")
    assert code == 1
    assert out.startswith("migrations/0001_broken.sql:1:1: MG001 [error] ")
    assert "\n  help: " in out
    assert out.rstrip().endswith("Found 1 finding (1 error).")


def test_fail_on_never_and_level_override(project: Path) -> None:
    assert _run("check", "migrations", "--fail-on", "never")[0] == 0
    (project / "miglint.toml").write_text('select = ["MG001"]\nlevels = { MG001 = "note" }\n')
    code, out, _ = _run("check", "migrations")
    assert code == 0 and "[note]" in out
    assert _run("check", "migrations", "--fail-on", "note")[0] == 1


def test_select_and_ignore_override_config(project: Path) -> None:
    assert _run("check", "migrations", "--ignore", "MG001")[0] == 0
    assert _run("check", "migrations", "--ignore", "MG002,MG001")[0] == 0
    assert _run("check", "migrations", "--select", "MG002", "--select", "MG003")[0] == 0


@pytest.mark.parametrize(
    ("args", "config", "needle"),
    [
        (["check", "migrations"], "selcet = ['MG001']\n", "`selcet`"),
        (["check", "migrations"], "pg-version = 99\n", "`pg-version`"),
        (["check", "migrations"], "ignore = ['MG9999']\n", "MG9999"),
        (["check", "migrations", "--select", "MGX1"], "", "MGX1"),
        (["check", "nowhere"], "", "nowhere"),
        (["check", "migrations", "--format", "yaml"], "", "yaml"),
        (["check", "migrations", "--config", "missing.toml"], "", "missing.toml"),
        (["rule", "MG999"], "", "MG999"),
    ],
)
def test_exit_2_on_usage_and_config_errors(project: Path, args: list[str], config: str, needle: str) -> None:
    (project / "miglint.toml").write_text(config)
    code, out, err = _run(*args)
    assert code == 2, out
    assert needle in err


def test_exit_2_when_no_migration_found(project: Path) -> None:
    (project / "empty").mkdir()
    code, _, err = _run("check", "empty")
    assert code == 2
    assert "no migration found" in err


def test_output_file_and_json(project: Path) -> None:
    code, out, _ = _run("check", "migrations", "--format", "json", "--output", "report.json")
    assert code == 1 and out == ""
    data = json.loads((project / "report.json").read_text())
    assert [(d["code"], d["path"], d["line"]) for d in data] == [("MG001", "migrations/0001_broken.sql", 1)]


@pytest.mark.parametrize("fmt", ["sarif", "github", "markdown", "gitlab"])
def test_other_formats(project: Path, fmt: str) -> None:
    code, out, _ = _run("check", "migrations", "--format", fmt)
    assert code == 1
    assert "0001_broken.sql" in out


def test_colour_only_on_a_terminal_without_no_color(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import miglint.cli as cli

    monkeypatch.setattr(cli, "_stdout_is_terminal", lambda: True)
    assert "\x1b[" in _run("check", "migrations")[1]
    assert "\x1b[" not in _run("check", "migrations", "--no-color")[1]
    assert "\x1b[" not in _run("check", "migrations", env={"NO_COLOR": "1"})[1]
    monkeypatch.setattr(cli, "_stdout_is_terminal", lambda: False)
    assert "\x1b[" not in _run("check", "migrations")[1]


def test_options_reach_settings(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import miglint.engine

    seen: list[Settings] = []
    real = miglint.engine.lint

    def spy(migrations: Sequence[Migration], settings: Settings, **options: Any) -> LintResult:
        seen.append(settings)
        return real(migrations, settings, **options)

    monkeypatch.setattr(miglint.engine, "lint", spy)
    args = ["--dialect", "mysql", "--pg-version", "11", "--assume-in-transaction", "--fail-on", "warning"]
    _run("check", "ok", *args)
    (settings,) = seen
    assert settings.dialect == "mysql"
    assert settings.pg_version == 11
    assert settings.assume_in_transaction is True
    assert settings.fail_on is Level.WARNING
    assert settings.select == ("MG001",)
    assert settings.root == str(project.resolve())


def test_broken_plugin_is_a_warning_and_mg000(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import miglint.rules

    def broken() -> tuple[tuple[()], tuple[PluginError, ...]]:
        return (), (PluginError("acme = acme_rules", "ImportError: no module acme_rules"),)

    monkeypatch.setattr(miglint.rules, "plugin_rules", broken)
    code, out, err = _run("check", "ok")
    assert code == 1
    assert "warning: plugin acme = acme_rules failed to load" in err
    assert "<plugin acme>:1:1: MG000 [error] plugin acme = acme_rules failed to load" in out


def test_internal_failure_is_exit_2(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import miglint.engine

    def boom(*_args: object, **_kw: object) -> object:
        raise RuntimeError("kaput")

    monkeypatch.setattr(miglint.engine, "lint", boom)
    code, _, err = _run("check", "migrations")
    assert code == 2
    assert "internal error: RuntimeError: kaput" in err


def test_rules_and_rule_pages() -> None:
    code, out, _ = _run("rules")
    assert code == 0
    lines = out.splitlines()
    assert len(lines) >= len(builtin_rules())
    assert lines[1].split()[:3] == ["MG001", "parse-error", "error"]
    code, out, _ = _run("rules", "--format", "json")
    data = json.loads(out)
    assert {"code", "name", "level", "summary"} <= set(data[0])
    assert [d["code"] for d in data][: len(builtin_rules())] == [r.code for r in builtin_rules()]
    code, out, _ = _run("rule", "mg001")
    assert code == 0
    assert out.startswith("# MG001 parse-error\n") and "## Use instead" in out


def test_version() -> None:
    code, out, _ = _run("--version")
    assert code == 0 and __version__ in out


def test_console_script_subprocess(project: Path) -> None:
    exe = shutil.which("miglint") or str(Path(sys.executable).with_name("miglint"))
    env = {k: v for k, v in os.environ.items() if k != "NO_COLOR"}
    done = subprocess.run(
        [exe, "check", "migrations", "--format", "github"],
        capture_output=True,
        text=True,
        env=env,
        cwd=project,
        check=False,
    )
    assert done.returncode == 1, done.stderr
    assert done.stdout.startswith("::error file=migrations/0001_broken.sql,line=1,")
    assert "\x1b[" not in done.stdout


def test_a_directory_without_migrations_is_named_on_stderr(tmp_path: Path) -> None:
    good = tmp_path / "db"
    good.mkdir()
    (good / "001_init.sql").write_text("CREATE TABLE t (id bigint PRIMARY KEY);\n")
    empty = tmp_path / "docs"
    empty.mkdir()
    (empty / "notes.txt").write_text("nothing here\n")
    proc = subprocess.run(
        [sys.executable, "-m", "miglint", "check", str(good), str(empty), "--fail-on", "never"],
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 0, proc.stderr
    assert f"no migration found in {empty}" in proc.stderr
    assert str(good) not in proc.stderr


def test_console_entry_keeps_exit_codes_and_output(tmp_path: Path) -> None:
    # The console script leaves through os._exit after flushing: codes and output as click's.
    import subprocess
    import sys

    bad = tmp_path / "0001_index.sql"
    bad.write_text("CREATE INDEX i ON t (c);\n")
    run = [sys.executable, "-m", "miglint"]
    done = subprocess.run(
        [*run, "check", "--no-cache", str(bad)], capture_output=True, text=True, check=False
    )
    assert done.returncode == 1 and "MG101" in done.stdout and done.stdout.endswith("notes).\n")
    done = subprocess.run([*run, "--version"], capture_output=True, text=True, check=False)
    assert done.returncode == 0 and "miglint" in done.stdout
    done = subprocess.run([*run, "check", "--no-such-option"], capture_output=True, text=True, check=False)
    assert done.returncode == 2 and "No such option" in done.stderr
    # A reader that goes away early (| head -1) gets no traceback.
    many = tmp_path / "many"
    many.mkdir()
    for n in range(300):
        (many / f"{n:04}_i.sql").write_text(f"CREATE INDEX i{n} ON t (c);\n")
    shell = f"{subprocess.list2cmdline([*run, 'check', '--no-cache', str(many)])} | head -1"
    done = subprocess.run(shell, shell=True, capture_output=True, text=True, check=False)
    assert done.stdout.count("\n") == 1 and "Traceback" not in done.stderr
