"""Small helpers for reading Python migration files as syntax (stdlib ``ast``, never executed).

Shared by the Alembic and Django front ends: dotted names of calls, arguments by position or
keyword, literal values with simple constants resolved, source locations with 1-based
character columns, source segments, and statement line spans (for suppression comments).
"""

from __future__ import annotations

import ast
import re
from collections.abc import Mapping, Sequence
from typing import cast

from miglint.findings import Location

#: Names bound to expressions, used to resolve simple constants (``TABLE = "users"``).
Env = Mapping[str, ast.expr]

_MISSING = object()


def dotted_name(node: ast.AST) -> str | None:
    """``a.b.c`` for a chain of attribute accesses on a name, else None."""
    parts: list[str] = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if not isinstance(node, ast.Name):
        return None
    parts.append(node.id)
    return ".".join(reversed(parts))


def call_name(node: ast.AST) -> str | None:
    """The dotted name of the function a call calls (``op.add_column``), else None."""
    return dotted_name(node.func) if isinstance(node, ast.Call) else None


def last_name(name: str | None) -> str:
    """The last component of a dotted name (``sa.Column`` -> ``Column``)."""
    return name.rsplit(".", 1)[-1] if name else ""


def argument(call: ast.Call, index: int | None, name: str | None = None) -> ast.expr | None:
    """The argument at positional ``index`` or keyword ``name``, else None."""
    if name is not None:
        for kw in call.keywords:
            if kw.arg == name:
                return kw.value
    if index is not None and index < len(call.args):
        arg = call.args[index]
        return None if isinstance(arg, ast.Starred) else arg
    return None


def has_keyword(call: ast.Call, name: str) -> bool:
    """Whether the call passes keyword ``name``."""
    return any(kw.arg == name for kw in call.keywords)


def literal(node: ast.expr | None, env: Env | None = None, default: object = None) -> object:
    """The value of a literal expression (str, number, bool, None, tuple/list/set/dict).

    Names are looked up in ``env`` (once, so a self-reference cannot loop); strings built with
    ``+``, implicit concatenation or f-strings of known parts are joined. Anything else gives
    ``default``.
    """
    value = _literal(node, env or {}, 0)
    return default if value is _MISSING else value


def string(node: ast.expr | None, env: Env | None = None) -> str | None:
    """The string an expression evaluates to statically, else None."""
    value = literal(node, env)
    return value if isinstance(value, str) else None


def _literal(node: ast.expr | None, env: Env, depth: int) -> object:
    if node is None or depth > 20:
        return _MISSING
    match node:
        case ast.Constant(value=value):
            return value
        case ast.Name(id=name) if name in env and env[name] is not node:
            return _literal(env[name], env, depth + 1)
        case ast.Tuple(elts=elts) | ast.List(elts=elts) | ast.Set(elts=elts):
            values = [_literal(e, env, depth + 1) for e in elts]
            if any(v is _MISSING for v in values):
                return _MISSING
            return list(values) if isinstance(node, ast.List) else tuple(values)
        case ast.Dict(keys=keys, values=vals):
            items = [
                (_literal(k, env, depth + 1), _literal(v, env, depth + 1))
                for k, v in zip(keys, vals, strict=True)
            ]
            if any(k is _MISSING or v is _MISSING for k, v in items):
                return _MISSING
            try:
                return dict(items)
            except TypeError:
                return _MISSING
        case ast.BinOp(left=left, op=ast.Add(), right=right):
            a, b = _literal(left, env, depth + 1), _literal(right, env, depth + 1)
            if isinstance(a, str) and isinstance(b, str):
                return a + b
            return _MISSING
        case ast.UnaryOp(op=ast.USub(), operand=operand):
            v = _literal(operand, env, depth + 1)
            return -v if isinstance(v, int | float) and not isinstance(v, bool) else _MISSING
        case ast.JoinedStr(values=values):
            parts: list[str] = []
            for part in values:
                if isinstance(part, ast.FormattedValue):
                    if part.format_spec is not None or part.conversion not in (-1, 115):
                        return _MISSING
                    v = _literal(part.value, env, depth + 1)
                    if not isinstance(v, str | int):
                        return _MISSING
                    parts.append(str(v))
                else:
                    v = _literal(part, env, depth + 1)
                    if not isinstance(v, str):
                        return _MISSING
                    parts.append(v)
            return "".join(parts)
        case _:
            return _MISSING


def items(value: object) -> list[object] | None:
    """The elements of a literal list or tuple value, else None."""
    if isinstance(value, list | tuple):
        return list(cast("list[object] | tuple[object, ...]", value))
    return None


def simple_assignments(body: Sequence[ast.stmt]) -> dict[str, ast.expr]:
    """``name = expr`` bindings made directly in ``body`` (the last one wins)."""
    env: dict[str, ast.expr] = {}
    for stmt in body:
        if isinstance(stmt, ast.Assign):
            for target in stmt.targets:
                if isinstance(target, ast.Name):
                    env[target.id] = stmt.value
        elif isinstance(stmt, ast.AnnAssign) and isinstance(stmt.target, ast.Name) and stmt.value:
            env[stmt.target.id] = stmt.value
    return env


class Source:
    """A Python file's text with helpers to locate and quote its nodes."""

    def __init__(self, path: str, text: str) -> None:
        """Remember the path and split the text into lines once."""
        self.path = path
        self.text = text
        self.lines = text.splitlines(keepends=True)

    def column(self, lineno: int, col_offset: int) -> int:
        """The 1-based character column of a UTF-8 byte offset on a 1-based line."""
        if not 1 <= lineno <= len(self.lines):
            return col_offset + 1
        line = self.lines[lineno - 1]
        if line.isascii():
            return col_offset + 1
        return len(line.encode()[:col_offset].decode(errors="replace")) + 1

    def location(self, node: ast.AST) -> Location:
        """Where ``node`` is: its start line and column, end line and end column."""
        line: int = getattr(node, "lineno", 1)
        col: int = getattr(node, "col_offset", 0)
        end_line: int = getattr(node, "end_lineno", None) or line
        end_col: int | None = getattr(node, "end_col_offset", None)
        return Location(
            self.path,
            line,
            self.column(line, col),
            end_line,
            self.column(end_line, end_col) if end_col is not None else 0,
        )

    def segment(self, node: ast.AST) -> str:
        """The source text of ``node`` (empty when it has no position)."""
        line: int | None = getattr(node, "lineno", None)
        end_line: int | None = getattr(node, "end_lineno", None)
        col: int | None = getattr(node, "col_offset", None)
        end_col: int | None = getattr(node, "end_col_offset", None)
        if line is None or end_line is None or col is None or end_col is None:
            return ""
        chunk = [ln.encode() for ln in self.lines[line - 1 : end_line]]
        if not chunk:
            return ""
        if len(chunk) == 1:
            return chunk[0][col:end_col].decode(errors="replace")
        chunk[0] = chunk[0][col:]
        chunk[-1] = chunk[-1][:end_col]
        return b"".join(chunk).decode(errors="replace")

    def string_start(self, node: ast.Constant) -> tuple[int, int]:
        """Line and 1-based column of the first character inside a string literal's quotes."""
        line: int = node.lineno
        col = self.column(line, node.col_offset)
        text = self.lines[line - 1] if 1 <= line <= len(self.lines) else ""
        rest = text[col - 1 :]
        m = re.match(r"[A-Za-z]{0,2}('''|\"\"\"|'|\")", rest)
        if m is None:
            return line, col
        return line, col + m.end()


def statement_spans(tree: ast.Module) -> dict[int, int]:
    """First line -> last line of the simple statements of a module (at any depth).

    Compound statements (``with``, ``for``, ``if``, …) span only their header line, so a
    comment above a ``with`` block does not reach into its body.
    """
    spans: dict[int, int] = {}
    compound = (ast.With, ast.AsyncWith, ast.For, ast.AsyncFor, ast.While, ast.If, ast.Try)
    for node in ast.walk(tree):
        if not isinstance(node, ast.stmt) or isinstance(
            node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef
        ):
            continue
        end = node.lineno if isinstance(node, compound) else (node.end_lineno or node.lineno)
        spans[node.lineno] = max(spans.get(node.lineno, 0), end)
    return spans
