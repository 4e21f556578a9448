"""The fast paths of the splitter and of SQL directives against what they replaced.

``_reference_scan`` is the former ``miglint.parsers.split._scan`` (character by character), kept
here only as the oracle: for every input and dialect the new scanner must give the same pieces
(every field), the same comments and the same quoted spans, hence the same ``mask`` output.
``_reference_directives`` is ``sql_directives`` without its shortcuts.
"""

from __future__ import annotations

import bisect
import re
from functools import lru_cache

from hypothesis import example, given, settings
from hypothesis import strategies as st

from miglint.ir.migration import Suppression
from miglint.parsers import directives as D
from miglint.parsers import split as S
from miglint.parsers.split import Comment, Piece, PieceKind

# --- the reference implementation (the scanner before the regex-driven rewrite) ---------------

_DOLLAR_TAG = re.compile(
    r"\$(?:(?:[A-Za-z_]|[^\x00-\x7f\U00010000-\U0010ffff])(?:[A-Za-z0-9_]|[^\x00-\x7f\U00010000-\U0010ffff])*)?\$"
)
_DELIMITER_LINE = re.compile(r"delimiter[ \t]+(\S+)[^\n]*", re.IGNORECASE)
_NOT_NEWLINE = re.compile(r"[^\n]")


@lru_cache(maxsize=8)
def _plain_run(delimiter_start: str) -> re.Pattern[str]:
    word = f"[^\\s'\"`$\\-/#{re.escape(delimiter_start)}]"
    return re.compile(f"{word}*(?:[ \\t]+{word}+)*")


def _ident_char(ch: str) -> bool:
    return ch.isalnum() or ch in "_$"


class _LineIndex:
    def __init__(self, text: str) -> None:
        self._starts = [0] + [m.end() for m in re.finditer("\n", text)]

    def line(self, offset: int) -> int:
        return bisect.bisect_right(self._starts, offset)

    def position(self, offset: int) -> tuple[int, int]:
        line = bisect.bisect_right(self._starts, offset)
        return line, offset - self._starts[line - 1] + 1


def _skip_quoted(text: str, i: int, quote: str, backslash: bool) -> int:
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


def _reference_scan(text: str, dialect: str) -> tuple[list[Piece], list[Comment], list[tuple[int, int]]]:
    mysql = dialect == "mysql"
    n = len(text)
    index = _LineIndex(text)
    pieces: list[Piece] = []
    comments: list[Comment] = []
    quoted: list[tuple[int, int]] = []
    delimiter: str = ";"
    piece_start = 0
    first: int | None = None
    last = 0
    line_start = True

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
    return pieces, comments, quoted


def _reference_mask(text: str, dialect: str, quotes: bool) -> str:
    _, found, quoted = _reference_scan(text, dialect)
    spans = [(c.offset, c.offset + len(c.text)) for c in found]
    if quotes:
        spans += quoted
        spans.sort()
    out: list[str] = []
    pos = 0
    for start, end in spans:
        out.append(text[pos:start])
        out.append(_NOT_NEWLINE.sub(" ", text[start:end]))
        pos = end
    out.append(text[pos:])
    return "".join(out)


# --- generated SQL-ish text ---------------------------------------------------------------------

_DELIMITER_LINES = [
    f"{word} {d}\n"
    for word in ("DELIMITER", "delimiter", "Delimiter")
    for d in ("//", "$$", ";", "|", "'", "--", "#", "/*", "\\", "d", "$", "a'", "END")
]
TOKENS = st.sampled_from(
    [
        *"abdDXYZ019 \t\n\r\f;'\"`$-/*\\()eE,._#",
        "\u00a0",
        "\x1c",
        "\u0131",  # dotless i
        "é",
        "''",
        '""',
        "``",
        "E'",
        "e'",
        "xE'",
        "\\'",
        "$$",
        "$tag$",
        "$ta$",
        "$1",
        "a$b",
        "$é$",
        "--",
        "-- c\n",
        "#",
        "/*",
        "*/",
        "/* x /* y */ z */",
        "\\set x\n",
        "\n\\gexec\n",
        "\n  \\i f.sql",
        " \\",
        "//",
        "END",
        "SELECT 1",
        "CREATE TABLE t (a int)",
        *_DELIMITER_LINES,
        *("\n" + line for line in _DELIMITER_LINES),
    ]
)
SQLISH = st.lists(TOKENS, max_size=60).map("".join)
DIALECTS = st.sampled_from(["postgres", "mysql", "sqlite"])


@settings(max_examples=3000, deadline=None)
@given(st.one_of(SQLISH, st.text(max_size=120)), DIALECTS)
@example("DELIMITER //\nCREATE TRIGGER t BEGIN SET a = 1; END//\nDELIMITER ;\nSELECT 1;", "mysql")
@example("SELECT 1\n  \\gexec\nSELECT E'a\\';' -- x\n/* a /* b */ c */; $f$ ; $f$;", "postgres")
@example("'a''", "postgres")
@example("E'\\", "postgres")
@example("/*/", "sqlite")
@example("d\nDELIMITER d\nd;dDELIMITER ;\n", "mysql")
def test_scan_matches_the_reference(text: str, dialect: str) -> None:
    scan = S._scan(text, dialect)  # pyright: ignore[reportPrivateUsage]
    pieces, found, quoted = _reference_scan(text, dialect)
    assert scan.pieces == pieces
    # Frozen-dataclass equality leaves nothing out, but compare the attributes too.
    assert [vars(p) for p in scan.pieces] == [vars(p) for p in pieces]
    assert scan.statements == [p for p in pieces if p.kind != "blank"]
    located = [(p.kind, p.text, p.line, p.column, p.end_line, p.start) for p in pieces if p.kind != "blank"]
    assert scan.located == located
    assert scan.comments == found
    assert scan.quoted == quoted
    for quotes in (True, False):
        assert S.mask(text, dialect=dialect, quotes=quotes) == _reference_mask(text, dialect, quotes)


def test_built_pieces_are_ordinary_dataclass_instances() -> None:
    (piece,) = S.split("SELECT 1;", dialect="postgres")[:1]
    same = Piece("SELECT 1", ";", 0, "sql", "SELECT 1", 0, 1, 1, 1)
    assert piece == same and hash(piece) == hash(same) and repr(piece) == repr(same)


# --- directives ---------------------------------------------------------------------------------


def _reference_directives(text: str, dialect: str) -> D.Directives:
    """``sql_directives`` as it was: every file scanned, statements and code lines always found."""
    parse, target, suppression = D._parse, D._target, D._suppression  # pyright: ignore[reportPrivateUsage]
    found: list[D._Directive] = []  # pyright: ignore[reportPrivateUsage]
    for c in S.comments(text, dialect=dialect):
        parsed = parse(c.text)
        if parsed is not None:
            found.append(D._Directive(*parsed, c.line, c.column, c.own_line))  # pyright: ignore[reportPrivateUsage]
    pieces = [p for p in S.split(text, dialect=dialect) if p.kind != "blank"]
    code_lines = {n for p in pieces for n in range(p.line, p.end_line + 1)}
    out: list[Suppression] = []
    no_transaction = False
    for d in found:
        if d.kind == "no-transaction":
            no_transaction = True
            continue
        first = last = d.line
        if d.kind == "ignore-file":
            out.append(suppression("f.sql", d, first, last, 1, file_wide=True))
            continue
        covered = target(d, pieces, code_lines)
        if covered is not None:
            first, last = min(d.line, covered.line), max(d.line, covered.end_line)
        out.append(suppression("f.sql", d, first, last, 1))
    return D.Directives(tuple(out), no_transaction)


_DIRECTIVE_COMMENTS = st.sampled_from(
    [
        f"{marker} {word}: {what}{end}"
        for marker, end in (("--", "\n"), ("/*", " */"), ("#", "\n"))
        for word in ("miglint", "MIGLINT", "m\u0131glint", "M\u0130GLINT", "miglnt")
        for what in ("ignore[MG101, mg102] why", "ignore", "ignore-file[MG101]", "no-transaction")
    ]
)
WITH_DIRECTIVES = st.lists(st.one_of(TOKENS, _DIRECTIVE_COMMENTS), max_size=40).map("".join)


@settings(max_examples=1500, deadline=None)
@given(WITH_DIRECTIVES, DIALECTS)
def test_sql_directives_match_the_reference(text: str, dialect: str) -> None:
    assert D.sql_directives(text, "f.sql", dialect=dialect) == _reference_directives(text, dialect)


def test_directive_spelled_with_a_dotless_i_still_counts() -> None:
    # The directive regex is case-insensitive, under which dotless and dotted I match "i": the
    # shortcut for files that never mention miglint must not skip these.
    for word in ("m\u0131glint", "M\u0130GLINT"):
        text = f"-- {word}: no-transaction\nCREATE INDEX i ON t (a);"
        assert D.sql_directives(text, "f.sql").no_transaction
        source = f"op.drop_column('t', 'c')  # {word}: ignore[MG101]\n"
        (s,) = D.python_directives("m.py", source).suppressions
        assert s.codes == frozenset({"MG101"})
