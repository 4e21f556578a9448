"""Configuration: discovery, key spellings, validation errors that name the key."""

from __future__ import annotations

from pathlib import Path

import pytest

from miglint.config import ConfigError, Settings, find_config, load_settings, settings_from_mapping
from miglint.findings import Level

KNOWN = ("MG000", "MG001", "MG101", "MG102", "MG601", "MG602")


def _write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def test_pyproject_table_is_read_with_kebab_and_snake_keys(tmp_path: Path) -> None:
    _write(
        tmp_path / "pyproject.toml",
        """
[project]
name = "x"

[tool.miglint]
select = ["MG00", "MG003"]
ignore = ["mg002"]
dialect = "mysql"
pg-version = 12
assume_in_transaction = true
lock-timeout-via = "connection"
placeholders = { schema = "public" }
include = ["db/**"]
exclude = ["db/legacy/**"]
fail-on = "warning"

[tool.miglint.per-path-ignores]
"db/legacy/*.sql" = ["MG00"]

[tool.miglint.levels]
MG001 = "warning"
""",
    )
    sub = tmp_path / "db" / "migrations"
    sub.mkdir(parents=True)
    settings = load_settings(None, str(sub))
    assert settings.select == ("MG00", "MG003")
    assert settings.ignore == ("MG002",)
    assert settings.dialect == "mysql"
    assert settings.pg_version == 12
    assert settings.assume_in_transaction is True
    assert settings.lock_timeout_via == "connection"
    assert settings.placeholders == {"schema": "public"}
    assert settings.include == ("db/**",)
    assert settings.exclude == ("db/legacy/**",)
    assert settings.fail_on is Level.WARNING
    assert settings.per_path_ignores == {"db/legacy/*.sql": ("MG00",)}
    assert settings.levels == {"MG001": Level.WARNING}
    assert settings.root == str(tmp_path.resolve())
    assert settings.config_file == str((tmp_path / "pyproject.toml").resolve())


def test_no_config_gives_defaults_rooted_at_cwd(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    # A pyproject.toml without [tool.miglint] is passed over.
    _write(tmp_path / "pyproject.toml", "[project]\nname = 'x'\n")
    assert find_config(str(tmp_path)) != tmp_path / "pyproject.toml"
    settings = load_settings(None, str(tmp_path))
    assert settings.dialect == Settings().dialect
    assert settings.root == str(tmp_path)


def test_miglint_toml_top_level_keys_and_precedence(tmp_path: Path) -> None:
    _write(tmp_path / "pyproject.toml", "[tool.miglint]\ndialect = 'mysql'\n")
    _write(tmp_path / "miglint.toml", "dialect = 'sqlite'\nfail_on = 'never'\n")
    settings = load_settings(None, str(tmp_path))
    assert settings.dialect == "sqlite"
    assert settings.fail_on is None


def test_miglint_toml_may_use_tool_table(tmp_path: Path) -> None:
    _write(tmp_path / "miglint.toml", "[tool.miglint]\npg_version = 11\n")
    assert load_settings(None, str(tmp_path)).pg_version == 11


def test_explicit_config_file(tmp_path: Path) -> None:
    cfg = _write(tmp_path / "conf" / "lint.toml", "pg-version = 10\n")
    settings = load_settings(str(cfg), str(tmp_path))
    assert settings.pg_version == 10
    assert settings.root == str((tmp_path / "conf").resolve())
    with pytest.raises(ConfigError, match="not found"):
        load_settings(str(tmp_path / "missing.toml"), str(tmp_path))


@pytest.mark.parametrize(
    ("table", "key"),
    [
        ({"selcet": ["MG101"]}, "selcet"),
        ({"select": ["MG999"]}, "select"),
        ({"ignore": ["XX1"]}, "ignore"),
        ({"select": "MG101"}, "select"),
        ({"dialect": "oracle"}, "dialect"),
        ({"pg-version": 8}, "pg-version"),
        ({"pg_version": "15"}, "pg_version"),
        ({"pg_version": True}, "pg_version"),
        ({"assume-in-transaction": "yes"}, "assume-in-transaction"),
        ({"lock-timeout-via": "session"}, "lock-timeout-via"),
        ({"placeholders": {"schema": 1}}, "placeholders"),
        ({"per-path-ignores": {"a/*.sql": ["MG77"]}}, "per-path-ignores.a/*.sql"),
        ({"levels": {"MG101": "fatal"}}, "levels.MG101"),
        ({"severity": {"MG9": "error"}}, "severity.MG9"),
        ({"fail-on": "sometimes"}, "fail-on"),
        ({"include": [1]}, "include"),
        ({"select": ["MG101"], "SELECT": []}, "SELECT"),
        ({"select": ["MG101"], "select_": []}, "select_"),
    ],
)
def test_invalid_values_name_the_key(table: dict[str, object], key: str) -> None:
    with pytest.raises(ConfigError) as info:
        settings_from_mapping(table, known=KNOWN)
    assert info.value.key == key
    assert f"`{key}`" in str(info.value)


def test_same_key_in_both_spellings_is_an_error() -> None:
    with pytest.raises(ConfigError, match="given twice"):
        settings_from_mapping({"fail-on": "note", "fail_on": "error"}, known=KNOWN)


def test_prefixes_are_codes_and_levels_expand_longest_prefix_last() -> None:
    settings = settings_from_mapping(
        {"select": ["mg1", "ALL"], "severity": {"MG6": "warning", "MG602": "error"}}, known=KNOWN
    )
    assert settings.select == ("MG1", "ALL")
    assert settings.levels == {"MG601": Level.WARNING, "MG602": Level.ERROR}


def test_toml_errors_and_mixed_layout_are_config_errors(tmp_path: Path) -> None:
    bad = _write(tmp_path / "a" / "miglint.toml", "select = [\n")
    with pytest.raises(ConfigError, match="invalid TOML"):
        load_settings(str(bad), str(tmp_path))
    mixed = _write(tmp_path / "b" / "miglint.toml", "dialect = 'mysql'\n[tool.miglint]\npg_version = 12\n")
    with pytest.raises(ConfigError) as info:
        load_settings(str(mixed), str(tmp_path))
    assert info.value.key == "dialect"


def test_real_catalogue_validates_codes() -> None:
    # Without an explicit list the built-in (and plugin) codes are used.
    assert settings_from_mapping({"ignore": ["MG00"]}).ignore == ("MG00",)
    with pytest.raises(ConfigError, match="MG0000"):
        settings_from_mapping({"ignore": ["MG0000"]})
