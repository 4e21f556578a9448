"""Split SQL text into statements without losing a character.

The splitter understands what can hide a ``;``: single-quoted strings (with ``''`` doubling and
``E'…'`` backslash escapes), double-quoted identifiers, ``$tag$…$tag$`` dollar quotes, ``--``
and nested ``/* */`` comments. psql meta-commands (a line starting with a backslash) are pieces of
their own, and a MySQL ``DELIMITER`` line changes the separator for what follows.

Every piece keeps its raw text and the separator that ended it, so
``"".join(p.raw + p.separator for p in split(text)) == text`` always holds.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Literal

PieceKind = Literal["sql", "meta", "delimiter", "blank"]

# [^\x00-\x7f\U00010000-\U0010ffff] is \u0080-\uffff, spelled so that compiling it is cheap.
_DOLLAR_TAG = re.compile(
    r"\$(?:(?:[A-Za-z_]|[^\x00-\x7f\U00010000-\U0010ffff])(?:[A-Za-z0-9_]|[^\x00-\x7f\U00010000-\U0010ffff])*)?\$"
)
_DELIMITER_LINE = re.compile(r"delimiter[ \t]+(\S+)[^\n]*", re.IGNORECASE)
_NOT_NEWLINE = re.compile(r"[^\n]")


@lru_cache(maxsize=8)
def _plain_run(delimiter_start: str) -> re.Pattern[str]:
    """Words, and the spaces or tabs between them, with nothing that can start a quote or comment.

    The run holds no line break and no character that could start the delimiter, and ends on a
    non-blank.

    The scanner steps over such a run in one regex match instead of character by character;
    every excluded character still goes through the character-by-character path.
    """
    word = f"[^\\s'\"`$\\-/#{re.escape(delimiter_start)}]"
    return re.compile(f"{word}*(?:[ \\t]+{word}+)*")


def _ident_char(ch: str) -> bool:
    return ch.isalnum() or ch in "_$"


@dataclass(frozen=True)
class Piece:
    """A run of input ended by a separator: one statement, meta-command, or only blanks/comments.

    ``raw`` is the input from the end of the previous separator up to this one; ``separator`` is
    the text that ended it (``;``, a MySQL delimiter, the newline after a meta-command, or ``""``
    at the end of input). ``text`` is the statement itself: ``raw`` without the comments and
    blanks around it, starting at offset ``start``, 1-based ``line``/``column``, ending on
    ``end_line``. A ``blank`` piece has empty ``text``.
    """

    raw: str
    separator: str
    offset: int
    kind: PieceKind
    text: str
    start: int
    line: int
    column: int
    end_line: int


@dataclass(frozen=True)
class Comment:
    """A comment outside quotes: its text (markers included), offset and 1-based position.

    ``own_line`` is True when only blanks precede it on its line.
    """

    text: str
    offset: int
    line: int
    column: int
    own_line: bool


class LineIndex:
    """Offsets to 1-based line and column."""

    def __init__(self, text: str) -> None:
        self._starts = [0] + [m.end() for m in re.finditer("\n", text)]

    def line(self, offset: int) -> int:
        """The 1-based line of ``offset``."""
        return bisect.bisect_right(self._starts, offset)

    def position(self, offset: int) -> tuple[int, int]:
        """The 1-based (line, column) of ``offset``."""
        line = bisect.bisect_right(self._starts, offset)
        return line, offset - self._starts[line - 1] + 1


@dataclass
class _Scan:
    pieces: list[Piece]
    comments: list[Comment]
    quoted: list[tuple[int, int]]


def _skip_quoted(text: str, i: int, quote: str, backslash: bool) -> int:
    """Offset just after the quoted run starting at ``i`` (end of text when unterminated)."""
    n = len(text)
    j = i + 1
    while j < n:
        ch = text[j]
        if backslash and ch == "\\":
            j += 2
        elif ch == quote:
            if j + 1 < n and text[j + 1] == quote:
                j += 2
            else:
                return j + 1
        else:
            j += 1
    return n


def _skip_block_comment(text: str, i: int, nested: bool) -> int:
    n = len(text)
    depth = 1
    j = i + 2
    while j < n:
        if text.startswith("*/", j):
            depth -= 1
            j += 2
            if depth == 0:
                return j
        elif nested and text.startswith("/*", j):
            depth += 1
            j += 2
        else:
            j += 1
    return n


def _scan(text: str, dialect: str) -> _Scan:
    mysql = dialect == "mysql"
    n = len(text)
    index = LineIndex(text)
    pieces: list[Piece] = []
    comments: list[Comment] = []
    quoted: list[tuple[int, int]] = []
    delimiter: str = ";"
    piece_start = 0
    first: int | None = None  # offset of the first content character of the current piece
    last = 0  # offset just after the last content character
    line_start = True  # only blanks so far on this line (outside quotes)

    def emit(end: int, separator: str, kind: PieceKind | None = None) -> None:
        nonlocal piece_start, first
        raw = text[piece_start:end]
        if first is None:
            start, body, kind_ = end, "", kind or "blank"
        else:
            start, body, kind_ = first, text[first:last], kind or "sql"
        line, column = index.position(start)
        end_line = index.line(max(start, last - 1)) if body else line
        pieces.append(Piece(raw, separator, piece_start, kind_, body, start, line, column, end_line))
        piece_start = end + len(separator)
        first = None

    plain: re.Pattern[str] = _plain_run(delimiter[0])
    i: int = 0
    while i < n:
        ch = text[i]
        if ch == "\n":
            line_start = True
            i += 1
            continue
        if ch in " \t\r\f\v":
            i += 1
            continue
        at_line_start = line_start
        line_start = False
        # psql meta-command, or MySQL DELIMITER: a line of its own.
        if at_line_start:
            line_kind: PieceKind | None = None
            m: re.Match[str] | None = None
            if ch == "\\" and not mysql:
                line_kind = "meta"
            elif mysql and first is None and ch in "dD":
                m = _DELIMITER_LINE.match(text, i)
                line_kind = "delimiter" if m is not None else None
            if line_kind is not None:
                if first is not None:
                    emit(text.rfind("\n", 0, i) + 1, "")
                eol = text.find("\n", i)
                eol = n if eol < 0 else eol
                first, last = i, i + len(text[i:eol].rstrip())
                if m is not None:
                    delimiter = str(m.group(1))
                    plain = _plain_run(delimiter[0])
                emit(eol, "\n" if eol < n else "", line_kind)
                i = eol + 1
                line_start = True
                continue
        if text.startswith(delimiter, i):
            emit(i, delimiter)
            i += len(delimiter)
            continue
        if (ch == "-" and text.startswith("--", i)) or (mysql and ch == "#"):
            eol = text.find("\n", i)
            eol = n if eol < 0 else eol
            comments.append(Comment(text[i:eol], i, *index.position(i), own_line=at_line_start))
            i = eol
            continue
        if ch == "/" and text.startswith("/*", i):
            end = _skip_block_comment(text, i, nested=not mysql)
            comments.append(Comment(text[i:end], i, *index.position(i), own_line=at_line_start))
            i = end
            continue
        if first is None:
            first = i
        begin = i
        if ch == "'":
            escapes = mysql or (i > 0 and text[i - 1] in "eE" and (i < 2 or not _ident_char(text[i - 2])))
            i = _skip_quoted(text, i, "'", escapes)
        elif ch == '"':
            i = _skip_quoted(text, i, '"', mysql)
        elif ch == "`" and mysql:
            i = _skip_quoted(text, i, "`", False)
        elif ch == "$" and (i == 0 or not _ident_char(text[i - 1])):
            m = _DOLLAR_TAG.match(text, i)
            if m is None:
                i += 1
            else:
                close = text.find(m.group(0), m.end())
                i = n if close < 0 else close + len(m.group(0))
        else:
            run = plain.match(text, i + 1)
            i = run.end() if run is not None else i + 1
            last = i
            continue
        if i - begin > 1:
            quoted.append((begin, i))
        last = i
    if piece_start < n or not pieces:
        emit(n, "")
    return _Scan(pieces, comments, quoted)


@lru_cache(maxsize=256)
def _scan_cached(text: str, dialect: str) -> _Scan:
    # The front end asks for the pieces, the comments and the masked text of the same file
    # and statements several times; scanning is the costliest step of reading SQL.
    return _scan(text, dialect)


def split(text: str, *, dialect: str = "postgres") -> list[Piece]:
    """Every piece of ``text`` (statements, meta-commands, blanks), in order, losslessly."""
    return list(_scan_cached(text, dialect).pieces)


def statements(text: str, *, dialect: str = "postgres") -> list[Piece]:
    """The non-blank pieces of ``text``: SQL statements, meta-commands and DELIMITER lines."""
    return [p for p in split(text, dialect=dialect) if p.kind != "blank"]


def comments(text: str, *, dialect: str = "postgres") -> list[Comment]:
    """The comments of ``text`` that are outside quotes, in order."""
    return list(_scan_cached(text, dialect).comments)


def mask(text: str, *, dialect: str = "postgres", quotes: bool = True) -> str:
    """``text`` with comments and (unless ``quotes`` is False) quoted runs blanked.

    Quoted runs are strings, quoted names and $$ bodies. The result has the same length and
    the same line breaks, so offsets carry over.
    """
    if _MASKABLE.search(text) is None:
        return text  # nothing can start a comment or a quoted run: no need to scan
    return _mask(text, dialect, quotes)


#: What can start a comment or a quoted run, in any dialect.
_MASKABLE = re.compile(r"""['"`$#]|--|/\*""")


@lru_cache(maxsize=256)
def _mask(text: str, dialect: str, quotes: bool) -> str:
    scan = _scan_cached(text, dialect)
    spans = [(c.offset, c.offset + len(c.text)) for c in scan.comments]
    if quotes:
        spans += scan.quoted
        spans.sort()
    out: list[str] = []
    pos = 0
    for start, end in spans:
        out.append(text[pos:start])
        out.append(_NOT_NEWLINE.sub(" ", text[start:end]))
        pos = end
    out.append(text[pos:])
    return "".join(out)
