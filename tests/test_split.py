from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from miglint.parsers.split import comments, mask, split, statements

SQL_ALPHABET = st.sampled_from(
    [*"abcXYZ019 \t\n;'\"$-/*\\()eE,.`#", "$$", "$tag$", "--", "/*", "*/", "E'", "''", "\\set x\n"]
)
SQL_TEXT = st.lists(SQL_ALPHABET, max_size=80).map("".join)


def texts(pieces: list[str]) -> list[str]:
    return [p.text for p in statements("".join(pieces))]


@settings(max_examples=400, deadline=None)
@given(st.one_of(st.text(max_size=200), SQL_TEXT), st.sampled_from(["postgres", "mysql", "sqlite"]))
def test_never_raises_and_loses_nothing(text: str, dialect: str) -> None:
    pieces = split(text, dialect=dialect)
    assert "".join(p.raw + p.separator for p in pieces) == text
    offset = 0
    for p in pieces:
        assert p.offset == offset
        offset += len(p.raw) + len(p.separator)
        # The statement text is a slice of the input at its recorded position.
        assert text[p.start : p.start + len(p.text)] == p.text
        assert p.line >= 1 and p.column >= 1 and p.end_line >= p.line
        if p.text:
            assert text.count("\n", 0, p.start) + 1 == p.line
    assert len(mask(text, dialect=dialect)) == len(text)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.from_regex(r"[a-z ]{1,10}", fullmatch=True), min_size=1, max_size=6))
def test_plain_statements_split_at_semicolons(parts: list[str]) -> None:
    text = ";".join(parts)
    assert [p.text for p in statements(text)] == [p.strip() for p in parts if p.strip()]


def test_single_quotes_with_doubling() -> None:
    assert texts(["SELECT 'a;''b'; SELECT 2"]) == ["SELECT 'a;''b'", "SELECT 2"]


def test_escape_string_backslash_quote() -> None:
    assert texts(["SELECT E'it\\'s; ok'; SELECT 2"]) == ["SELECT E'it\\'s; ok'", "SELECT 2"]
    # Without the E prefix a backslash does not escape (standard_conforming_strings).
    assert texts(["SELECT 'a\\'; SELECT 2"]) == ["SELECT 'a\\'", "SELECT 2"]


def test_double_quoted_identifier() -> None:
    assert texts(['CREATE TABLE "a;b" (x int); SELECT 1']) == ['CREATE TABLE "a;b" (x int)', "SELECT 1"]


def test_dollar_quotes_with_and_without_tag() -> None:
    body = "DO $$ BEGIN UPDATE t SET x = 1; END $$"
    tagged = "CREATE FUNCTION f() RETURNS int AS $fn$ SELECT 1; $$ not the end; $fn$ LANGUAGE sql"
    assert texts([body, ";", tagged, ";SELECT 3"]) == [body, tagged, "SELECT 3"]


def test_positional_parameter_is_not_a_dollar_quote() -> None:
    assert texts(["SELECT $1; SELECT $2"]) == ["SELECT $1", "SELECT $2"]
    assert texts(["SELECT a$b$c; SELECT 2"]) == ["SELECT a$b$c", "SELECT 2"]


def test_comments_hide_semicolons_and_nest() -> None:
    text = "-- a; b\nSELECT 1 /* x; /* y; */ z; */ + 1; SELECT 2"
    assert texts([text]) == ["SELECT 1 /* x; /* y; */ z; */ + 1", "SELECT 2"]
    assert [c.text for c in comments(text)] == ["-- a; b", "/* x; /* y; */ z; */"]


def test_statement_position_skips_leading_comments() -> None:
    text = "-- header\n\n  /* c */ ALTER TABLE t\n  ADD COLUMN c int;\n"
    (stmt,) = statements(text)
    assert (stmt.line, stmt.column, stmt.end_line) == (3, 11, 4)
    assert stmt.text == "ALTER TABLE t\n  ADD COLUMN c int"


def test_psql_meta_commands_are_pieces_of_their_own() -> None:
    text = "\\set ON_ERROR_STOP on\nSELECT 1;\n\\i other.sql\nSELECT 2"
    got = [(p.kind, p.text, p.line) for p in statements(text)]
    assert got == [
        ("meta", "\\set ON_ERROR_STOP on", 1),
        ("sql", "SELECT 1", 2),
        ("meta", "\\i other.sql", 3),
        ("sql", "SELECT 2", 4),
    ]


def test_meta_command_ends_an_unterminated_statement() -> None:
    got = [(p.kind, p.text) for p in statements("SELECT 1\n\\gexec\n")]
    assert got == [("sql", "SELECT 1"), ("meta", "\\gexec")]


def test_mysql_delimiter() -> None:
    text = "DELIMITER //\nCREATE TRIGGER t BEGIN SET a = 1; SET b = 2; END//\nDELIMITER ;\nSELECT 1;"
    got = [(p.kind, p.text) for p in statements(text, dialect="mysql")]
    assert got == [
        ("delimiter", "DELIMITER //"),
        ("sql", "CREATE TRIGGER t BEGIN SET a = 1; SET b = 2; END"),
        ("delimiter", "DELIMITER ;"),
        ("sql", "SELECT 1"),
    ]


def test_mysql_backticks_hash_comments_and_backslash_escapes() -> None:
    text = "SELECT `a;b`, 'it\\'s;' # c; d\n; SELECT 2"
    assert [p.text for p in statements(text, dialect="mysql")] == [
        # A trailing comment is not part of the statement text.
        "SELECT `a;b`, 'it\\'s;'",
        "SELECT 2",
    ]


def test_unterminated_quote_runs_to_the_end() -> None:
    assert texts(["SELECT 'open; SELECT 2"]) == ["SELECT 'open; SELECT 2"]


def test_blank_input() -> None:
    assert statements("") == []
    assert statements("  -- only a comment\n") == []
    assert [p.kind for p in split("  -- only a comment\n")] == ["blank"]


def test_mask_blanks_quotes_and_comments_keeping_lines() -> None:
    text = "SELECT 'a;b' -- c\n, \"x\""
    masked = mask(text)
    assert len(masked) == len(text)
    assert ";" not in masked and "c" not in masked.split("\n")[0][7:]
    assert masked.count("\n") == 1
