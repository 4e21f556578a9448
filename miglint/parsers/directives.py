"""``miglint:`` comment directives: suppressions and per-file settings.

SQL (``--``) and Python (``#``) comments of the form::

    -- miglint: ignore[MG101, MG102] optional reason
    -- miglint: ignore-file[MG101]
    -- miglint: no-transaction

An ``ignore`` on its own line covers the statement (or operation) that follows directly (other
comment lines may sit in between); trailing on a line, it covers the statement that starts on
that line. An ``ignore`` without codes silences every code.
"""

from __future__ import annotations

import io
import re
import tokenize
from collections.abc import Sequence
from dataclasses import dataclass

from miglint.ir.migration import Suppression
from miglint.parsers.split import Piece, comments, statements

_DIRECTIVE = re.compile(
    r"^(?:--|#|/\*)\s*miglint\s*:\s*(ignore-file|ignore|no-transaction)\b"
    r"(?:\s*\[([^\]]*)\])?\s*(.*?)\s*(?:\*/)?\s*$",
    re.IGNORECASE | re.DOTALL,
)


@dataclass(frozen=True)
class Directives:
    """What the ``miglint:`` comments of one file say."""

    suppressions: tuple[Suppression, ...] = ()
    no_transaction: bool = False


@dataclass(frozen=True)
class _Directive:
    kind: str
    codes: frozenset[str]
    reason: str
    line: int
    column: int
    own_line: bool


def _parse(comment: str) -> tuple[str, frozenset[str], str] | None:
    m = _DIRECTIVE.match(comment.strip())
    if m is None:
        return None
    kind, codes, reason = m.groups()
    names = frozenset(c.strip().upper() for c in (codes or "").split(",") if c.strip())
    return kind.lower(), names, reason.strip()


def sql_directives(text: str, path: str, *, dialect: str = "postgres", line: int = 1) -> Directives:
    """The directives of SQL ``text`` (``line`` is where ``text`` starts in ``path``)."""
    if not _may_hold_directive(text):
        return Directives()
    found: list[_Directive] = []
    for c in comments(text, dialect=dialect):
        parsed = _parse(c.text)
        if parsed is not None:
            found.append(_Directive(*parsed, c.line, c.column, c.own_line))
    # Only an ``ignore`` needs the statements, to find the one it covers.
    pieces: list[Piece] | None = None
    code_lines: set[int] = set()
    out: list[Suppression] = []
    no_transaction = False
    for d in found:
        if d.kind == "no-transaction":
            no_transaction = True
            continue
        first = last = d.line
        if d.kind == "ignore-file":
            out.append(_suppression(path, d, first, last, line, file_wide=True))
            continue
        if pieces is None:
            pieces = statements(text, dialect=dialect)
            code_lines = _code_lines(pieces)
        target = _target(d, pieces, code_lines)
        if target is not None:
            first, last = min(d.line, target.line), max(d.line, target.end_line)
        out.append(_suppression(path, d, first, last, line))
    return Directives(tuple(out), no_transaction)


#: The word every directive holds, matched as case-insensitively as in ``_DIRECTIVE``.
_MENTION = re.compile("miglint", re.IGNORECASE)


def _may_hold_directive(source: str) -> bool:
    """False when ``source`` cannot hold a directive: it never mentions ``miglint``.

    Few files do, and this check costs a fraction of finding their comments.
    """
    if source.isascii():
        # For ASCII text lower() folds case as the regex does, and is several times faster.
        return "miglint" in source.lower()
    return _MENTION.search(source) is not None


def _suppression(
    path: str, d: _Directive, first: int, last: int, offset: int, *, file_wide: bool = False
) -> Suppression:
    shift = offset - 1
    return Suppression(
        path=path,
        line=d.line + shift,
        column=d.column,
        codes=d.codes,
        first=first + shift,
        last=last + shift,
        file_wide=file_wide,
        reason=d.reason,
    )


def _code_lines(pieces: Sequence[Piece]) -> set[int]:
    """Lines that hold statement text (not only comments or blanks), given the statements."""
    lines: set[int] = set()
    for piece in pieces:
        lines.update(range(piece.line, piece.end_line + 1))
    return lines


def _target(d: _Directive, pieces: Sequence[Piece], code_lines: set[int]) -> Piece | None:
    if not d.own_line:
        # Trailing: the last statement that starts on this line (before or under the comment).
        on_line = [p for p in pieces if p.line == d.line]
        if on_line:
            return on_line[-1]
        # Trailing on a continuation line: the statement that spans it.
        spanning = [p for p in pieces if p.line <= d.line <= p.end_line]
        return spanning[-1] if spanning else None
    following = [p for p in pieces if p.line > d.line]
    if not following:
        return None
    nxt = following[0]
    # "Directly above": nothing but comments between the directive and the statement.
    if any(line in code_lines for line in range(d.line + 1, nxt.line)):
        return None
    return nxt


def python_suppressions(path: str, source: str, op_lines: Sequence[int] = ()) -> tuple[Suppression, ...]:
    """The ``# miglint: ignore[...]`` suppressions of Python ``source`` (see python_directives)."""
    return python_directives(path, source, op_lines).suppressions


def python_directives(path: str, source: str, op_lines: Sequence[int] = ()) -> Directives:
    """Directives in Python ``source``: ``# miglint: ...`` comments.

    An ``ignore`` on its own line covers the next code line; trailing, it covers its own line.
    ``op_lines`` (the first lines of the operations the front end read) lets a trailing comment
    on a later line of a multi-line call cover that call's first line too.
    """
    if not _may_hold_directive(source):
        return Directives()
    found: list[_Directive] = []
    code: set[int] = set()
    try:
        tokens = list(tokenize.generate_tokens(io.StringIO(source).readline))
    except (tokenize.TokenError, SyntaxError, IndentationError):
        tokens = []
    skip = {tokenize.COMMENT, tokenize.NL, tokenize.NEWLINE, tokenize.INDENT, tokenize.DEDENT}
    for tok in tokens:
        if tok.type == tokenize.COMMENT:
            parsed = _parse(tok.string)
            if parsed is not None:
                own = not tok.line[: tok.start[1]].strip()
                found.append(_Directive(*parsed, tok.start[0], tok.start[1] + 1, own))
        elif tok.type not in skip and tok.type != tokenize.ENDMARKER:
            code.update(range(tok.start[0], tok.end[0] + 1))
    starts = sorted(set(op_lines))
    out: list[Suppression] = []
    no_transaction = False
    for d in found:
        if d.kind == "no-transaction":
            no_transaction = True
            continue
        if d.kind == "ignore-file":
            out.append(_suppression(path, d, d.line, d.line, 1, file_wide=True))
            continue
        first = last = d.line
        if d.own_line:
            later = [n for n in code if n > d.line]
            if later:
                last = min(later)
        else:
            before = [s for s in starts if s <= d.line]
            if before and before[-1] != d.line:
                first = before[-1]
        out.append(_suppression(path, d, first, last, 1))
    return Directives(tuple(out), no_transaction)
