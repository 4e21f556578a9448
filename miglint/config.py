"""Settings: ``[tool.miglint]`` in pyproject.toml or ``miglint.toml``, validated.

Unknown keys, unknown rule codes and values of the wrong type are a :class:`ConfigError`
naming the key, never silently ignored.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Callable, Collection, Iterable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, cast

from miglint.findings import Level

DIALECTS = ("postgres", "mysql", "sqlite")
LOCK_TIMEOUT_VIA = ("statement", "connection")
PG_VERSIONS = range(9, 19)
FAIL_ON = ("error", "warning", "note", "never")
CONFIG_FILES = ("miglint.toml", "pyproject.toml")


@dataclass(frozen=True)
class Settings:
    """Everything that changes what miglint reports."""

    dialect: str = "postgres"
    pg_version: int = 15
    assume_in_transaction: bool = False
    #: "statement": migrations must SET lock_timeout; "connection": the runner sets it (MG110 off).
    lock_timeout_via: str = "statement"
    placeholders: dict[str, str] = field(default_factory=dict[str, str])
    select: tuple[str, ...] = ()
    ignore: tuple[str, ...] = ()
    #: glob -> codes ignored for paths matching it.
    per_path_ignores: dict[str, tuple[str, ...]] = field(default_factory=dict[str, tuple[str, ...]])
    #: code -> level override.
    levels: dict[str, Level] = field(default_factory=dict[str, Level])
    include: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()
    fail_on: Level | None = Level.ERROR
    #: Project root that report paths are relative to.
    root: str = "."
    #: The configuration file these settings were read from, if any.
    config_file: str | None = None


class ConfigError(ValueError):
    """Invalid configuration; ``key`` names the offending setting."""

    def __init__(self, message: str, *, key: str = "", source: str = "") -> None:
        where = f"{source}: " if source else ""
        what = f"`{key}`: " if key else ""
        super().__init__(f"{where}{what}{message}")
        self.key = key
        self.source = source


def parse_fail_on(text: str) -> Level | None:
    """``error``/``warning``/``note`` as a Level, ``never`` as None."""
    if text.strip().lower() == "never":
        return None
    return Level.parse(text)


def known_codes() -> frozenset[str]:
    """Codes of every built-in and plugin rule."""
    from miglint.rules import builtin_rules, plugin_rules

    return frozenset(r.code for r in (*builtin_rules(), *plugin_rules()[0]))


def check_codes(
    codes: Iterable[str], *, key: str, known: Collection[str], source: str = ""
) -> tuple[str, ...]:
    """Upper-cased ``codes``; each must be ``ALL``, a known code or a prefix of one."""
    out: list[str] = []
    for raw in codes:
        code = raw.strip().upper()
        if not code:
            continue
        if code != "ALL" and not any(k.startswith(code) for k in known):
            raise ConfigError(f"unknown rule code {raw!r}", key=key, source=source)
        out.append(code)
    return tuple(out)


def find_config(start_dir: str) -> Path | None:
    """The nearest ``miglint.toml``, or pyproject.toml with ``[tool.miglint]``, at or above ``start_dir``.

    In one directory ``miglint.toml`` wins over ``pyproject.toml``; a pyproject.toml without
    a ``[tool.miglint]`` table is passed over.
    """
    here = Path(start_dir).resolve()
    for folder in (here, *here.parents):
        candidate = folder / "miglint.toml"
        if candidate.is_file():
            return candidate
        candidate = folder / "pyproject.toml"
        if candidate.is_file() and _has_tool_table(candidate):
            return candidate
    return None


def _has_tool_table(path: Path) -> bool:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
        return False
    tool = data.get("tool")
    return isinstance(tool, dict) and "miglint" in tool


def _read_table(path: Path) -> dict[str, Any]:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ConfigError(f"cannot read configuration: {exc.strerror or exc}", source=str(path)) from exc
    except (UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"invalid TOML: {exc}", source=str(path)) from exc
    tool: object = data.get("tool")
    table: object = cast(dict[str, object], tool).get("miglint") if isinstance(tool, dict) else None
    if path.name == "pyproject.toml":
        if table is None:
            return {}
    elif table is None:
        return data
    elif len(data) > 1:
        others = sorted(k for k in data if k != "tool")
        raise ConfigError(
            "use either top-level keys or [tool.miglint], not both", key=others[0], source=str(path)
        )
    if not isinstance(table, dict):
        raise ConfigError("must be a table", key="tool.miglint", source=str(path))
    return dict(cast(dict[str, Any], table))


def load_settings(config_path: str | None, start_dir: str) -> Settings:
    """Settings from ``config_path``, or from the nearest configuration above ``start_dir``.

    ``Settings.root`` is the directory of the configuration file, or the current directory
    when there is none.
    """
    if config_path is not None:
        path = Path(config_path)
        if not path.is_file():
            raise ConfigError("configuration file not found", key="--config", source=config_path)
    else:
        path = find_config(start_dir)
    if path is None:
        return Settings(root=os.getcwd())
    path = path.resolve()
    settings = settings_from_mapping(_read_table(path), source=str(path))
    return replace(settings, root=str(path.parent), config_file=str(path))


def _canonical(key: str) -> str:
    return key.replace("-", "_")


def settings_from_mapping(
    data: Mapping[str, object], *, source: str = "", known: Collection[str] | None = None
) -> Settings:
    """Validate a ``[tool.miglint]`` table (kebab-case or snake_case keys) into Settings."""
    # Rule codes are looked up (plugins loaded) only when a key that names codes is present.
    cache: list[Collection[str]] = [] if known is None else [known]

    def rule_codes() -> Collection[str]:
        if not cache:
            cache.append(known_codes())
        return cache[0]

    seen: dict[str, str] = {}
    values: dict[str, Any] = {}
    for raw_key, value in data.items():
        key = _canonical(raw_key)
        if key == "severity":
            key = "levels"
        if key not in _PARSERS:
            raise ConfigError(
                f"unknown configuration key (expected one of: {', '.join(_KEY_NAMES)})",
                key=raw_key,
                source=source,
            )
        if key in seen:
            raise ConfigError(f"given twice (also as `{seen[key]}`)", key=raw_key, source=source)
        seen[key] = raw_key
        values[key] = _PARSERS[key](_Field(raw_key, source, rule_codes), value)
    return Settings(**values)


@dataclass(frozen=True)
class _Field:
    key: str
    source: str
    codes: Callable[[], Collection[str]]

    def error(self, message: str) -> ConfigError:
        return ConfigError(message, key=self.key, source=self.source)


def _type_name(value: object) -> str:
    names: dict[type, str] = {
        bool: "a boolean",
        int: "an integer",
        str: "a string",
        list: "an array",
        dict: "a table",
    }
    return names.get(type(value), type(value).__name__)


def _string(f: _Field, value: object) -> str:
    if not isinstance(value, str):
        raise f.error(f"expected a string, got {_type_name(value)}")
    return value


def _choice(options: tuple[str, ...]) -> Callable[[_Field, object], str]:
    def parse(f: _Field, value: object) -> str:
        text = _string(f, value).strip().lower()
        if text not in options:
            raise f.error(f"expected one of {', '.join(options)}, got {value!r}")
        return text

    return parse


def _string_list(f: _Field, value: object) -> tuple[str, ...]:
    if not isinstance(value, list):
        raise f.error(f"expected an array of strings, got {_type_name(value)}")
    items: list[str] = []
    for item in cast(list[object], value):
        if not isinstance(item, str):
            raise f.error(f"expected an array of strings, found {_type_name(item)}")
        items.append(item)
    return tuple(items)


def _code_list(f: _Field, value: object) -> tuple[str, ...]:
    return check_codes(_string_list(f, value), key=f.key, known=f.codes(), source=f.source)


def _table(f: _Field, value: object) -> dict[str, object]:
    if not isinstance(value, dict):
        raise f.error(f"expected a table, got {_type_name(value)}")
    return {str(k): v for k, v in cast(dict[object, object], value).items()}


def _bool(f: _Field, value: object) -> bool:
    if not isinstance(value, bool):
        raise f.error(f"expected true or false, got {_type_name(value)}")
    return value


def _pg_version(f: _Field, value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise f.error(f"expected an integer, got {_type_name(value)}")
    if value not in PG_VERSIONS:
        raise f.error(f"PostgreSQL major version must be {PG_VERSIONS[0]}..{PG_VERSIONS[-1]}, got {value}")
    return value


def _fail_on(f: _Field, value: object) -> Level | None:
    return parse_fail_on(_choice(FAIL_ON)(f, value))


def _placeholders(f: _Field, value: object) -> dict[str, str]:
    out: dict[str, str] = {}
    for name, text in _table(f, value).items():
        if not isinstance(text, str):
            raise f.error(f"placeholder {name!r}: expected a string, got {_type_name(text)}")
        out[name] = text
    return out


def _per_path_ignores(f: _Field, value: object) -> dict[str, tuple[str, ...]]:
    out: dict[str, tuple[str, ...]] = {}
    for pattern, codes in _table(f, value).items():
        sub = _Field(f"{f.key}.{pattern}", f.source, f.codes)
        out[pattern] = _code_list(sub, codes)
    return out


def _levels(f: _Field, value: object) -> dict[str, Level]:
    """Level overrides; a prefix (``MG6``) applies to every code it starts, a longer one wins."""
    known = sorted(f.codes())
    by_prefix: list[tuple[int, str, Level]] = []
    for raw_code, raw_level in _table(f, value).items():
        sub = _Field(f"{f.key}.{raw_code}", f.source, f.codes)
        (code,) = check_codes([raw_code], key=sub.key, known=known, source=f.source) or ("",)
        level = _choice(("error", "warning", "note"))(sub, raw_level)
        by_prefix.append((0 if code == "ALL" else len(code), code, Level.parse(level)))
    out: dict[str, Level] = {}
    for _length, prefix, level in sorted(by_prefix):
        for code in known:
            if prefix == "ALL" or code.startswith(prefix):
                out[code] = level
    return out


_PARSERS: dict[str, Callable[[_Field, Any], Any]] = {
    "select": _code_list,
    "ignore": _code_list,
    "per_path_ignores": _per_path_ignores,
    "levels": _levels,
    "dialect": _choice(DIALECTS),
    "pg_version": _pg_version,
    "assume_in_transaction": _bool,
    "lock_timeout_via": _choice(LOCK_TIMEOUT_VIA),
    "placeholders": _placeholders,
    "include": _string_list,
    "exclude": _string_list,
    "fail_on": _fail_on,
}
_KEY_NAMES = sorted(k.replace("_", "-") for k in _PARSERS)
