"""JSON report: a stable list of finding objects (documented in docs/json-format.md)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from json.encoder import encode_basestring  # the C encoder when available
from typing import Any

from miglint.findings import Finding, Level
from miglint.report import display_path, ordered, rules_by_code
from miglint.rules._base import Rule

#: The keys of every object, in order. Adding a key is a minor change; never remove or rename.
FIELDS = ("code", "name", "level", "message", "help", "path", "line", "column", "end_line", "url")


def finding_object(finding: Finding, rules: dict[str, type[Rule]], root: str) -> dict[str, Any]:
    """One finding as a JSON object with exactly :data:`FIELDS`."""
    loc = finding.location
    rule = rules.get(finding.code)
    return {
        "code": finding.code,
        "name": finding.name,
        "level": finding.level.label,
        "message": finding.message,
        "help": finding.help,
        "path": display_path(loc.path, root),
        "line": loc.line,
        "column": loc.column,
        "end_line": loc.end_line,
        "url": rule.url() if rule is not None else None,
    }


def render(
    findings: Sequence[Finding],
    rules: Sequence[type[Rule]],
    *,
    root: str,
    color: bool = False,
) -> str:
    """A JSON array of findings in file order."""
    del color
    table = rules_by_code(rules)
    found = ordered(findings)
    if not all(_plain(f) for f in found):
        return dumps([finding_object(f, table, root) for f in found])
    # What dumps() makes of the finding objects, written straight from the findings: thousands
    # of findings share a few codes, help texts and files, each encoded once.
    encode = encode_basestring
    heads: dict[tuple[str, str, Level], str] = {}  # up to the message
    helps: dict[str, str] = {}  # from the message to the path
    paths: dict[str, str] = {}  # from the path to the line
    tails: dict[str, str] = {}  # from the end line on
    column, end_line = f",\n{_KEYS['column']}", f",\n{_KEYS['end_line']}"
    parts: list[str] = []
    for f in found:
        loc = f.location
        head = heads.get((f.code, f.name, f.level))
        if head is None:
            values = (encode(f.code), encode(f.name), _LEVELS[f.level])
            head = heads[f.code, f.name, f.level] = (
                "  {\n"
                + "".join(_KEYS[k] + v + ",\n" for k, v in zip(FIELDS[:3], values, strict=True))
                + _KEYS["message"]
            )
        help_ = helps.get(f.help)
        if help_ is None:
            help_ = helps[f.help] = f",\n{_KEYS['help']}{encode(f.help)},\n{_KEYS['path']}"
        path = paths.get(loc.path)
        if path is None:
            path = paths[loc.path] = f"{encode(display_path(loc.path, root))},\n{_KEYS['line']}"
        tail = tails.get(f.code)
        if tail is None:
            rule = table.get(f.code)
            url = encode(rule.url()) if rule is not None else "null"
            tail = tails[f.code] = f",\n{_KEYS['url']}{url}\n  }}"
        parts.append(
            f"{head}{encode(f.message)}{help_}{path}{loc.line}{column}{loc.column}{end_line}{loc.end_line}{tail}"
        )
    return "[\n" + ",\n".join(parts) + "\n]\n" if parts else "[]\n"


def _plain(f: Finding) -> bool:
    """Whether ``f`` holds only what the fast path of :func:`render` writes: str and int fields."""
    loc = f.location
    return (
        type(f.code) is str
        and type(f.name) is str
        and type(f.message) is str
        and type(f.help) is str
        and type(loc.path) is str
        and type(loc.line) is int
        and type(loc.column) is int
        and type(loc.end_line) is int
    )


_KEYS = {key: f"    {encode_basestring(key)}: " for key in FIELDS}
_LEVELS = {level: encode_basestring(level.label) for level in Level}


def _scalar(value: object) -> str:
    if type(value) is str:
        return encode_basestring(value)
    if value is None:
        return "null"
    if type(value) is int:
        return int.__repr__(value)
    return json.dumps(value, ensure_ascii=False)


def dumps(objects: Sequence[dict[str, Any]]) -> str:
    """``json.dumps(objects, indent=2, ensure_ascii=False)`` and a newline, byte for byte, faster.

    With ``indent`` the standard library encodes in Python (~30 µs per finding); the report
    is a flat list of flat objects, so each value goes through the C string encoder instead.
    An object whose keys are not exactly :data:`FIELDS` is left to :func:`json.dumps`.
    """
    if not objects:
        return "[]\n"
    if any(len(o) != len(FIELDS) or any(k not in _KEYS for k in o) for o in objects):
        return json.dumps(list(objects), indent=2, ensure_ascii=False) + "\n"
    keys = _KEYS
    parts = ["  {\n" + ",\n".join(keys[k] + _scalar(v) for k, v in o.items()) + "\n  }" for o in objects]
    return "[\n" + ",\n".join(parts) + "\n]\n"
