"""Split SQL text into statements without losing a character.

The splitter understands what can hide a ``;``: single-quoted strings (with ``''`` doubling and
``E'…'`` backslash escapes), double-quoted identifiers, ``$tag$…$tag$`` dollar quotes, ``--``
and nested ``/* */`` comments. psql meta-commands (a line starting with a backslash) are pieces of
their own, and a MySQL ``DELIMITER`` line changes the separator for what follows.

Every piece keeps its raw text and the separator that ended it, so
``"".join(p.raw + p.separator for p in split(text)) == text`` always holds.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Literal

from miglint.frozen import build

PieceKind = Literal["sql", "meta", "delimiter", "blank"]

# [^\x00-\x7f\U00010000-\U0010ffff] is \u0080-\uffff, spelled so that compiling it is cheap.
_DOLLAR_TAG = re.compile(
    r"\$(?:(?:[A-Za-z_]|[^\x00-\x7f\U00010000-\U0010ffff])(?:[A-Za-z0-9_]|[^\x00-\x7f\U00010000-\U0010ffff])*)?\$"
)
_DELIMITER_LINE = re.compile(r"delimiter[ \t]+(\S+)[^\n]*", re.IGNORECASE)
#: Blanks between tokens (a narrower set than ``str.isspace``); only a line break starts a line.
_BLANKS = " \t\r\f\v\n"
_LINE_BLANKS = " \t\r\f\v"
#: Block comment markers; in nested comments each ``/*`` needs its own ``*/``.
_COMMENT_MARK = re.compile(r"\*/|/\*")


def _quoted_run(quote: str, backslash: bool) -> re.Pattern[str]:
    """A quoted run: doubled quotes stand for one, and with ``backslash`` a backslash escapes.

    The quantifiers are possessive: an unterminated run must not match a shorter prefix.
    """
    q = re.escape(quote)
    if backslash:
        return re.compile(f"{q}(?:[^{q}\\\\]++|\\\\(?s:.)|{q}{q})*+{q}")
    return re.compile(f"{q}[^{q}]*+(?:{q}{q}[^{q}]*+)*+{q}")


_QUOTED_RUNS = {(q, b): _quoted_run(q, b) for q in "'\"`" for b in (False, True)}


@lru_cache(maxsize=32)
def _events(mysql: bool, delimiter: str) -> re.Pattern[str]:
    """What can start a token the scanner must decide on: a candidate, not always a token.

    Everything between two matches is statement text or blanks, which the scanner takes in one
    step instead of character by character. A match is the delimiter (tried first, as the
    scanner does), a comment start, a quote, a dollar, or (psql) a backslash. Only literal
    alternatives, so that the regex engine can skip ahead to the next of their first characters.
    """
    tokens = [delimiter, "--", "/*", "'", '"', "$"]
    tokens += ["#", "`"] if mysql else ["\\"]
    return re.compile("|".join(map(re.escape, tokens)))


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


#: A statement as the SQL front end reads it: the ``kind``, ``text``, ``line``, ``column`` and
#: ``end_line`` of its Piece, then its ``start``.
Located = tuple[PieceKind, str, int, int, int, int]


class _Scan:
    """What the scanner found in ``text``: pieces, comments (outside quotes) and quoted runs.

    The Piece and Comment objects are made on first use: ``mask`` needs only the spans, the
    front end only the statements as plain tuples, and making the objects is half the cost of
    a scan.
    """

    def __init__(
        self,
        text: str,
        spans: list[_Span],
        comment_spans: list[tuple[int, int]],
        quoted: list[tuple[int, int]],
    ) -> None:
        self._text = text
        self._spans = spans
        self.comment_spans = comment_spans
        self.quoted = quoted
        self._pieces: list[Piece] | None = None
        self._statements: list[Piece] | None = None
        self._located: list[Located] | None = None
        self._comments: list[Comment] | None = None

    @property
    def pieces(self) -> list[Piece]:
        """The pieces, in order."""
        if self._pieces is None:
            self._pieces = _pieces(self._text, self._spans, blanks=True)
        return self._pieces

    @property
    def statements(self) -> list[Piece]:
        """The pieces that are not blank, in order."""
        if self._statements is None:
            self._statements = _pieces(self._text, self._spans, blanks=False)
        return self._statements

    @property
    def located(self) -> list[Located]:
        """The pieces that are not blank, in order, as tuples."""
        if self._located is None:
            self._located = _locate(self._text, self._spans, blanks=False)
        return self._located

    @property
    def comments(self) -> list[Comment]:
        """The comments, in order."""
        if self._comments is None:
            self._comments = _comments(self._text, self.comment_spans)
        return self._comments


def _quoted_end(text: str, i: int, mysql: bool) -> int:
    """Offset just after the quoted run starting at ``i`` (end of text when unterminated)."""
    quote = text[i]
    if quote == "'":
        # E'...' (not the end of a longer name) takes backslash escapes; MySQL strings always do.
        backslash = mysql or (i > 0 and text[i - 1] in "eE" and (i < 2 or not _ident_char(text[i - 2])))
    else:
        backslash = mysql and quote == '"'
    run = _QUOTED_RUNS[quote, backslash].match(text, i)
    return len(text) if run is None else run.end()


def _block_comment_end(text: str, i: int, nested: bool) -> int:
    """Offset just after the block comment starting at ``i`` (end of text when unterminated)."""
    if not nested:
        close = text.find("*/", i + 2)
        return len(text) if close < 0 else close + 2
    depth = 1
    for mark in _COMMENT_MARK.finditer(text, i + 2):
        depth += 1 if mark.group() == "/*" else -1
        if depth == 0:
            return mark.end()
    return len(text)


def _own_line(text: str, i: int) -> bool:
    """Whether only blanks precede offset ``i`` on its line."""
    return not text[text.rfind("\n", 0, i) + 1 : i].strip(_LINE_BLANKS)


#: A piece found by the scanner: (offset, end, separator, kind, first, last), where ``first`` and
#: ``last`` bound its statement text (``first`` is None when it holds only blanks and comments)
#: and ``kind`` is None for a statement or a blank piece.
_Span = tuple[int, int, str, PieceKind | None, int | None, int]


def _scan(text: str, dialect: str) -> _Scan:
    mysql = dialect == "mysql"
    n = len(text)
    spans: list[_Span] = []
    comment_spans: list[tuple[int, int]] = []
    quoted: list[tuple[int, int]] = []
    delimiter = ";"
    events = _events(mysql, delimiter)
    piece_start = 0
    first: int | None = None  # offset of the first content character of the current piece
    last = 0  # offset just after the last content character
    pos = 0
    while pos < n:
        event = events.search(text, pos)
        i = n if event is None else event.start()
        # Up to the event: statement text and blanks.
        if i > pos:
            gap = text[pos:i]
            content = gap.rstrip(_BLANKS)
            if content:
                if first is None:
                    start = pos + len(gap) - len(gap.lstrip(_BLANKS))
                    directive = _delimiter_line(text, start) if mysql else None
                    if directive is not None:
                        pos = piece_start = _line_piece(text, start, piece_start, None, 0, "delimiter", spans)
                        delimiter = str(directive.group(1))
                        events = _events(mysql, delimiter)
                        continue
                    first = start
                last = pos + len(content)
        if event is None:
            break
        token = event.group()
        if token == delimiter:
            directive = _delimiter_line(text, i) if mysql and first is None else None
            if directive is not None:
                pos = piece_start = _line_piece(text, i, piece_start, None, 0, "delimiter", spans)
                delimiter = str(directive.group(1))
                events = _events(mysql, delimiter)
            else:
                spans.append((piece_start, i, delimiter, None, first, last))
                pos = piece_start = i + len(delimiter)
            first = None
            continue
        if token == "\\" and not mysql:
            if _own_line(text, i):  # a psql meta-command
                pos = piece_start = _line_piece(text, i, piece_start, first, last, "meta", spans)
                first = None
                continue
        elif token in ("--", "#"):
            eol = text.find("\n", i)
            pos = n if eol < 0 else eol
            comment_spans.append((i, pos))
            continue
        elif token == "/*":
            pos = _block_comment_end(text, i, nested=not mysql)
            comment_spans.append((i, pos))
            continue
        # Statement text: a quoted run, a dollar quote, or a character that starts neither.
        if token == "$":
            tag = None if i > 0 and _ident_char(text[i - 1]) else _DOLLAR_TAG.match(text, i)
            if tag is None:
                pos = i + 1
            else:
                close = text.find(tag.group(), tag.end())
                pos = n if close < 0 else close + len(tag.group())
        elif token == "\\":
            pos = i + 1
        else:
            pos = _quoted_end(text, i, mysql)
        if pos - i > 1:
            quoted.append((i, pos))
        if first is None:
            first = i
        last = pos
    if piece_start < n or not spans:
        spans.append((piece_start, n, "", None, first, last))
    return _Scan(text, spans, comment_spans, quoted)


def _delimiter_line(text: str, i: int) -> re.Match[str] | None:
    """The MySQL ``DELIMITER`` line starting at ``i``, if one does (only at a statement's start)."""
    if text[i] in "dD" and _own_line(text, i):
        return _DELIMITER_LINE.match(text, i)
    return None


def _line_piece(
    text: str, i: int, piece_start: int, first: int | None, last: int, kind: PieceKind, spans: list[_Span]
) -> int:
    """Add the line at ``i`` (a meta-command or DELIMITER line) as a piece of its own.

    A statement in progress (``first`` not None) ends at the start of that line. Returns where
    the next piece starts: after the line break.
    """
    if first is not None:
        line_start = text.rfind("\n", 0, i) + 1
        spans.append((piece_start, line_start, "", None, first, last))
        piece_start = line_start
    eol = text.find("\n", i)
    separator = "" if eol < 0 else "\n"
    eol = len(text) if eol < 0 else eol
    spans.append((piece_start, eol, separator, kind, i, i + len(text[i:eol].rstrip())))
    return eol + len(separator)


def _locate(text: str, spans: list[_Span], *, blanks: bool) -> list[Located]:
    """Where each piece's text is (blank pieces only with ``blanks``): a Located per piece."""
    located: list[Located] = []
    # Lines are counted on from the previous piece: pieces come in order.
    counted_to = 0  # offset up to which line breaks are counted
    counted = 1  # the line of ``counted_to``
    for _, end, _, kind, first, last in spans:
        if first is None:
            if not blanks:
                continue
            start, body, kind_ = end, "", kind or "blank"
        else:
            start, body, kind_ = first, text[first:last], kind or "sql"
        line = end_line = counted + text.count("\n", counted_to, start)
        counted_to = start
        if body:
            end_line += text.count("\n", start, last - 1)
            counted_to = last - 1
        counted = end_line
        located.append((kind_, body, line, start - text.rfind("\n", 0, start), end_line, start))
    return located


def _pieces(text: str, spans: list[_Span], *, blanks: bool) -> list[Piece]:
    kept = spans if blanks else [span for span in spans if span[4] is not None]
    pieces: list[Piece] = []
    for (offset, end, separator, *_), (kind, body, line, column, end_line, start) in zip(
        kept, _locate(text, spans, blanks=blanks), strict=True
    ):
        piece = build(
            Piece,
            raw=text[offset:end],
            separator=separator,
            offset=offset,
            kind=kind,
            text=body,
            start=start,
            line=line,
            column=column,
            end_line=end_line,
        )
        pieces.append(piece)
    return pieces


def _comments(text: str, spans: list[tuple[int, int]]) -> list[Comment]:
    found: list[Comment] = []
    counted_to, counted = 0, 1  # as in _locate
    for start, end in spans:
        counted += text.count("\n", counted_to, start)
        counted_to = start
        column = start - text.rfind("\n", 0, start)
        own_line = _own_line(text, start)
        found.append(
            build(Comment, text=text[start:end], offset=start, line=counted, column=column, own_line=own_line)
        )
    return found


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
    return list(_scan_cached(text, dialect).statements)


def located_statements(text: str, *, dialect: str = "postgres") -> list[Located]:
    """What :func:`statements` tells of each statement, as tuples (see :data:`Located`).

    For the front end, which reads every statement of every file: a tuple costs a fraction
    of a Piece.
    """
    return list(_scan_cached(text, dialect).located)


def comments(text: str, *, dialect: str = "postgres") -> list[Comment]:
    """The comments of ``text`` that are outside quotes, in order."""
    return list(_scan_cached(text, dialect).comments)


def comment_spans(text: str, *, dialect: str = "postgres") -> list[tuple[int, int]]:
    """Where the comments of ``text`` that are outside quotes are: (start, end) offsets, in order.

    For callers that need only a few of them: no Comment object is made.
    """
    return list(_scan_cached(text, dialect).comment_spans)


def mask(text: str, *, dialect: str = "postgres", quotes: bool = True) -> str:
    """``text`` with comments and (unless ``quotes`` is False) quoted runs blanked.

    Quoted runs are strings, quoted names and $$ bodies. The result has the same length and
    the same line breaks, so offsets carry over.
    """
    if _MASKABLE.search(text) is None:
        return text  # nothing can start a comment or a quoted run: no need to scan
    return _mask(text, dialect, quotes)


#: What can start a comment or a quoted run, in any dialect. Only literal alternatives, so that
#: the regex engine skips ahead to their first characters (mixing in a character class stops it).
_MASKABLE = re.compile(r"""'|"|`|\$|#|--|/\*""")


@lru_cache(maxsize=256)
def _mask(text: str, dialect: str, quotes: bool) -> str:
    scan = _scan_cached(text, dialect)
    spans = scan.comment_spans
    if quotes:
        spans = sorted(spans + scan.quoted)
    out: list[str] = []
    pos = 0
    for start, end in spans:
        out.append(text[pos:start])
        out.append(_blank(text[start:end]))
        pos = end
    out.append(text[pos:])
    return "".join(out)


def _blank(run: str) -> str:
    """``run`` with every character but line breaks replaced by a space."""
    if "\n" not in run:
        return " " * len(run)
    return "\n".join(" " * len(line) for line in run.split("\n"))
