"""The GitHub Action: action.yml stays injection-free; its step runs against a real git repository."""

from __future__ import annotations

import io
import json
import os
import re
import subprocess
import sys
import textwrap
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import pytest
import yaml

from miglint.integrations import github_action
from miglint.integrations.github_action import Event, Inputs, main
from miglint.integrations.github_comment import MARKER, PullRequest, Response, StickyComment, fit
from tests.test_changed import git, write

ROOT = Path(__file__).resolve().parent.parent
ACTION = yaml.safe_load((ROOT / "action.yml").read_text())
ODD = "0003 add index $(touch pwned);x `y`.sql"
INDEX = "CREATE INDEX orders_customer_idx ON orders (customer_id);\n"


# --- action.yml ---------------------------------------------------------------------------------


def steps() -> list[dict[str, Any]]:
    return ACTION["runs"]["steps"]


def test_no_expression_inside_any_run_script() -> None:
    scripts = [s["run"] for s in steps() if "run" in s]
    assert len(scripts) >= 2
    for script in scripts:
        assert "${{" not in script, script


def test_untrusted_values_only_reach_steps_through_env() -> None:
    untrusted = re.compile(r"\$\{\{\s*(github\.event\.|github\.head_ref|inputs\.)")
    for step in steps():
        for key, value in step.items():
            if key in {"env", "with"}:
                continue
            assert not untrusted.search(json.dumps(value)), (key, value)


def test_inputs_outputs_and_composite_layout() -> None:
    assert set(ACTION["inputs"]) >= {
        "paths",
        "dialect",
        "pg-version",
        "fail-on",
        "changed-only",
        "sarif-file",
        "comment",
        "version",
    }
    assert set(ACTION["outputs"]) == {"findings", "worst-level", "sarif-file"}
    for output in ACTION["outputs"].values():
        assert output["value"].startswith("${{ steps.lint.outputs.")
    assert ACTION["runs"]["using"] == "composite"
    setup = steps()[0]
    assert setup["uses"].startswith("actions/setup-python@")
    assert setup["with"]["update-environment"] is False  # the private venv leaves the job's Python alone
    install = next(s for s in steps() if s.get("id") == "install")
    assert install["env"]["MIGLINT_SOURCE"] == "${{ github.action_path }}"
    lint = next(s for s in steps() if s.get("id") == "lint")
    assert "-m miglint.integrations.github_action" in lint["run"]


def test_lint_step_env_is_what_the_module_reads() -> None:
    class Recorder(dict[str, str]):
        def get(self, key: str, default: Any = None) -> Any:  # type: ignore[override]
            read.add(key)
            return super().get(key, default)

    read: set[str] = set()
    Inputs.from_env(Recorder())
    lint = next(s for s in steps() if s.get("id") == "lint")
    given = {k for k in lint["env"] if k.startswith("INPUT_")}
    assert given == read
    # Every action input except the install-only ones reaches the module.
    names = {k.removeprefix("INPUT_").lower().replace("_", "-") for k in given}
    assert names | {"version", "python-version"} == set(ACTION["inputs"])


# --- a repository with a pull request -------------------------------------------------------------


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """main: orders and an old unsafe index; the PR branch adds an index with an odd file name."""
    repo = tmp_path / "repo"
    repo.mkdir()
    git(repo, "init", "-q", "-b", "main")
    (repo / "miglint.toml").write_text('select = ["MG101", "MG102"]\n')
    write(repo, "0001_orders.sql", "CREATE TABLE orders (id bigint PRIMARY KEY, customer_id bigint);\n")
    write(repo, "0002_old_index.sql", "CREATE INDEX orders_id_idx ON orders (id);\n")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "base")
    git(repo, "checkout", "-q", "-b", "feature")
    write(repo, ODD, "-- add an index\n" + INDEX)
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "head")
    monkeypatch.chdir(repo)
    return repo


def sha(repo: Path, ref: str) -> str:
    return git(repo, "rev-parse", ref).strip()


def environment(repo: Path, event: str = "pull_request", **inputs: str) -> dict[str, str]:
    base = {"full_name": "octo/app"}
    payload: dict[str, Any] = {
        "pull_request": {
            "number": 7,
            "base": {"sha": sha(repo, "main"), "repo": base},
            "head": {"sha": sha(repo, "HEAD"), "repo": base},
        }
    }
    if event == "push":
        payload = {"before": sha(repo, "main"), "after": sha(repo, "HEAD")}
    gh = repo.parent / "gh"
    gh.mkdir(exist_ok=True)
    (gh / "event.json").write_text(json.dumps(payload))
    for name in ("output", "summary"):
        (gh / name).write_text("")
    env = {
        "PATH": os.environ.get("PATH", ""),
        "GITHUB_EVENT_NAME": event,
        "GITHUB_EVENT_PATH": str(gh / "event.json"),
        "GITHUB_OUTPUT": str(gh / "output"),
        "GITHUB_STEP_SUMMARY": str(gh / "summary"),
        "GITHUB_WORKSPACE": str(repo),
        "GITHUB_REPOSITORY": "octo/app",
        "GITHUB_SERVER_URL": "https://github.com",
        "GITHUB_RUN_ID": "42",
        "GITHUB_API_URL": "https://api.github.test",
    }
    env.update({f"INPUT_{k.upper()}": v for k, v in inputs.items()})
    return env


def outputs(env: Mapping[str, str]) -> dict[str, str]:
    text = Path(env["GITHUB_OUTPUT"]).read_text()
    found = re.findall(r"^([\w-]+)<<(\S+)\n(.*?)\n\2$", text, re.MULTILINE | re.DOTALL)
    return {name: value for name, _, value in found}


def summary(env: Mapping[str, str]) -> str:
    return Path(env["GITHUB_STEP_SUMMARY"]).read_text()


class FakeGitHub:
    """The issue-comment endpoints of the REST API, in memory."""

    def __init__(self, comments: list[dict[str, Any]] | None = None, *, fail: int = 0) -> None:
        self.comments = comments or []
        self.calls: list[tuple[str, str, dict[str, Any] | None]] = []
        self.headers: list[Mapping[str, str]] = []
        self.fail = fail

    def __call__(self, method: str, url: str, headers: Mapping[str, str], body: bytes | None) -> Response:
        data: Any = json.loads(body) if body else None
        self.calls.append((method, url, data))
        self.headers.append(headers)
        if self.fail and method != "GET":
            return Response(self.fail, {"message": "Resource not accessible by integration"})
        prefix = "https://api.github.test/repos/octo/app/issues"
        if method == "GET":
            page = int(re.search(r"[?&]page=(\d+)", url).group(1))  # type: ignore[union-attr]
            assert url.startswith(f"{prefix}/7/comments?")
            return Response(200, self.comments[(page - 1) * 100 : page * 100])
        if method == "POST":
            assert url == f"{prefix}/7/comments"
            self.comments.append({"id": 1000 + len(self.comments), "body": data["body"]})
            return Response(201, self.comments[-1])
        if method == "PATCH":
            comment_id = int(url.rsplit("/", 1)[1])
            assert url == f"{prefix}/comments/{comment_id}"
            for c in self.comments:
                if c["id"] == comment_id:
                    c["body"] = data["body"]
                    return Response(200, c)
            return Response(404, {"message": "Not Found"})
        raise AssertionError(method)

    def writes(self) -> list[str]:
        return [m for m, _, _ in self.calls if m != "GET"]


def run(env: Mapping[str, str], fake: FakeGitHub | None = None) -> tuple[int, str]:
    out = io.StringIO()
    code = main(env, transport=fake or FakeGitHub(), out=out)
    return code, out.getvalue()


def annotation_lines(out: str) -> list[str]:
    return [line for line in out.splitlines() if re.match(r"::(error|warning|notice) file=", line)]


def test_pull_request_reports_only_the_changed_migration(repo: Path) -> None:
    env = environment(repo, sarif_file="reports/miglint.sarif")
    code, out = run(env)
    assert code == 1
    (line,) = annotation_lines(out)
    assert line.startswith(
        f"::error file=migrations/{ODD},line=2,endLine=2,col=1,title=MG101 index-not-concurrent::"
    )
    assert outputs(env) == {"findings": "1", "worst-level": "error", "sarif-file": "reports/miglint.sarif"}
    sarif = json.loads((repo / "reports" / "miglint.sarif").read_text())
    (result,) = sarif["runs"][0]["results"]
    uri = result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
    assert uri.startswith("migrations/0003%20add%20index%20%24%28touch")
    text = summary(env)
    assert f"### `migrations/{ODD}`" in text
    assert "0002_old_index" not in text  # released and unchanged
    assert f"changed since `{sha(repo, 'main')[:12]}`" in text
    assert "<details><summary>MG101 index-not-concurrent" in text
    assert "CREATE INDEX CONCURRENTLY" in text  # the safe alternative, from the rule's docs
    assert not (repo / "pwned").exists()


def test_pull_request_merge_commit_checkout(repo: Path) -> None:
    """actions/checkout checks out refs/pull/N/merge: the PR merged into the base's tip."""
    git(repo, "checkout", "-q", "main")
    write(repo, "0002_old_index.sql", "-- edited on main after the fork\n" + INDEX)
    git(repo, "commit", "-q", "-am", "main moves on")
    git(repo, "checkout", "-q", "--detach")
    git(repo, "merge", "-q", "--no-ff", "-m", "Merge feature into main", "feature")
    env = environment(repo)  # base.sha: the tip of main
    code, out = run(env)
    assert code == 1
    assert re.findall(r"file=migrations/([^,]+),", out) == [ODD]


def test_changed_only_false_lints_the_whole_history(repo: Path) -> None:
    env = environment(repo, changed_only="false")
    code, out = run(env)
    assert code == 1
    files = sorted(re.findall(r"file=migrations/([^,]+),", out))
    assert files == ["0002_old_index.sql", ODD]
    assert outputs(env)["findings"] == "2"
    assert "changed since" not in summary(env)


def test_push_lints_everything_unless_changed_only(repo: Path) -> None:
    env = environment(repo, event="push")
    assert len(annotation_lines(run(env)[1])) == 2
    env = environment(repo, event="push", changed_only="true")
    assert len(annotation_lines(run(env)[1])) == 1


def test_clean_change_passes(repo: Path) -> None:
    write(repo, ODD, "CREATE INDEX CONCURRENTLY orders_customer_idx ON orders (customer_id);\n")
    git(repo, "commit", "-q", "-am", "fix")
    env = environment(repo)
    code, out = run(env)
    assert (code, annotation_lines(out)) == (0, [])
    assert outputs(env)["worst-level"] == "none"
    assert "All checks passed!" in summary(env)


def test_fail_on_and_paths_inputs(repo: Path) -> None:
    write(repo, "0004 drop.sql", "DROP INDEX orders_id_idx;\n")
    other = repo / "other dir"
    other.mkdir()
    (other / "0001.sql").write_text(INDEX)
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "more")
    env = environment(repo, paths="migrations\n", fail_on="never")
    code, out = run(env)
    assert code == 0
    assert [a.split(" ", 1)[0] for a in annotation_lines(out)] == ["::error", "::warning"]
    assert "other dir" not in out
    env = environment(repo, paths="other dir\n")
    code, out = run(env)
    assert code == 1
    assert "file=other dir/0001.sql" in out


def test_annotations_capped_per_level_most_severe_first(repo: Path) -> None:
    for i in range(12):
        write(repo, f"1{i:02d}_warn.sql", f"DROP INDEX idx_{i};\n")
        write(repo, f"2{i:02d}_err.sql", f"CREATE INDEX idx_{i} ON orders (customer_id);\n")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "many")
    env = environment(repo)
    code, out = run(env)
    assert code == 1
    kinds = [a.split(" ", 1)[0] for a in annotation_lines(out)]
    assert kinds == ["::error"] * 10 + ["::warning"] * 10
    assert outputs(env)["findings"] == "25"  # 13 errors (with the odd file), 12 warnings
    text = summary(env)
    section = text.split("### Not shown as annotations (5)", 1)[1]
    listed = re.findall(r"^- `migrations/(\S+):1` (MG10\d)", section, re.MULTILINE)
    shown = set(re.findall(r"file=migrations/([^,]+),", out))
    assert len(listed) == 5
    assert not shown & {name for name, _ in listed}
    assert [code for _, code in listed] == ["MG101"] * 3 + ["MG102"] * 2


def test_missing_base_commit_is_a_clear_error(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    env = environment(repo)
    payload = json.loads(Path(env["GITHUB_EVENT_PATH"]).read_text())
    payload["pull_request"]["base"]["sha"] = "f" * 40
    Path(env["GITHUB_EVENT_PATH"]).write_text(json.dumps(payload))
    code, out = run(env)
    assert code == 2
    assert "::error::miglint could not run" in out
    assert "fetch-depth: 0" in capsys.readouterr().err


@pytest.mark.parametrize("bad", [{"comment": "maybe"}, {"changed_only": "sometimes"}])
def test_invalid_inputs(repo: Path, bad: dict[str, str]) -> None:
    code, out = run(environment(repo, **bad))
    assert code == 2
    assert out.startswith("::error::miglint: input ")


def test_payload_sha_must_be_a_commit_id(repo: Path) -> None:
    env = environment(repo)
    payload = json.loads(Path(env["GITHUB_EVENT_PATH"]).read_text())
    payload["pull_request"]["base"]["sha"] = "--output=/tmp/x"
    Path(env["GITHUB_EVENT_PATH"]).write_text(json.dumps(payload))
    code, out = run(env)
    assert code == 2 and "invalid commit id" in out


def test_lint_step_script_runs_as_written(repo: Path) -> None:
    """The YAML's own `run:` script, executed by bash with the step's env values filled in."""
    lint = next(s for s in steps() if s.get("id") == "lint")
    env = environment(repo, paths=f"migrations/{ODD}", changed_only="false")
    env["MIGLINT_PYTHON"] = sys.executable
    done = subprocess.run(["bash", "-c", lint["run"]], env=env, cwd=repo, capture_output=True, text=True)
    assert done.returncode == 1, done.stderr
    assert len(annotation_lines(done.stdout)) == 1
    assert outputs(env)["findings"] == "1"
    assert not (repo / "pwned").exists()


# --- the sticky comment -----------------------------------------------------------------------------


def test_comment_created_then_updated_in_place(repo: Path) -> None:
    fake = FakeGitHub([{"id": 1, "body": "LGTM"}])
    env = environment(repo, comment="true", github_token="s3cret")
    assert run(env, fake)[0] == 1
    assert fake.writes() == ["POST"]
    assert fake.headers[-1]["Authorization"] == "Bearer s3cret"
    body = fake.comments[-1]["body"]
    assert body.startswith(MARKER)
    assert f"### `migrations/{ODD}`" in body
    assert "[Workflow run](https://github.com/octo/app/actions/runs/42)" in body
    # The fix lands: the same comment now says so; no second comment.
    write(repo, ODD, "CREATE INDEX CONCURRENTLY orders_customer_idx ON orders (customer_id);\n")
    git(repo, "commit", "-q", "-am", "fix")
    assert run(environment(repo, comment="true", github_token="s3cret"), fake)[0] == 0
    assert fake.writes() == ["POST", "PATCH"]
    assert len(fake.comments) == 2
    assert "All checks passed!" in fake.comments[-1]["body"]


def test_no_comment_when_disabled_or_clean(repo: Path) -> None:
    fake = FakeGitHub()
    run(environment(repo, github_token="t"), fake)
    assert fake.calls == []
    write(repo, ODD, "SELECT 1;\n")
    git(repo, "commit", "-q", "-am", "clean")
    run(environment(repo, comment="true", github_token="t"), fake)
    assert fake.writes() == []  # looked for an old comment, created none


def test_comment_skipped_on_forks(repo: Path) -> None:
    env = environment(repo, comment="true", github_token="read-only")
    payload = json.loads(Path(env["GITHUB_EVENT_PATH"]).read_text())
    payload["pull_request"]["head"]["repo"] = {"full_name": "stranger/app"}
    Path(env["GITHUB_EVENT_PATH"]).write_text(json.dumps(payload))
    fake = FakeGitHub()
    code, out = run(env, fake)
    assert code == 1
    assert fake.calls == []
    assert "::notice::miglint: comment skipped: pull requests from forks" in out
    assert outputs(env)["findings"] == "1"


def test_forbidden_comment_is_a_notice_not_a_failure(repo: Path) -> None:
    fake = FakeGitHub(fail=403)
    env = environment(repo, comment="true", github_token="t", fail_on="never")
    code, out = run(env, fake)
    assert code == 0
    assert "::notice::miglint: comment skipped: the token cannot write it (HTTP 403)" in out


def test_sticky_comment_found_on_a_later_page() -> None:
    comments: list[dict[str, Any]] = [{"id": i, "body": f"comment {i}"} for i in range(150)]
    comments[120]["body"] = f"{MARKER}\nold report"
    fake = FakeGitHub(comments)
    sticky = StickyComment(
        PullRequest("octo/app", 7), "t", api_url="https://api.github.test/", transport=fake
    )
    assert sticky.upsert("new report") == "updated"
    assert [m for m, _, _ in fake.calls] == ["GET", "GET", "PATCH"]
    assert fake.calls[-1][1].endswith("/issues/comments/120")
    assert comments[120]["body"] == f"{MARKER}\nnew report"


def test_comment_body_fits_the_api_limit() -> None:
    body = "\n".join(f"line {i} " + "x" * 80 for i in range(2000))
    cut = fit(body, 10_000)
    assert len(cut) <= 10_000
    assert cut.endswith("the job summary has all of it._\n")
    assert fit("short") == "short"


def test_summary_trimmed_to_the_limit(repo: Path) -> None:
    for i in range(30):
        write(repo, f"3{i:02d}_err.sql", f"CREATE INDEX idx_{i} ON orders (customer_id);\n")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "many")
    report = repo / "r.json"
    assert github_action.run_check(["check", "--format=json", f"--output={report}", "migrations"]) == 1
    findings = github_action.read_findings(str(report), str(repo))
    from miglint.engine import all_rules

    full = github_action.job_summary(findings, all_rules(), root=str(repo), base=None)
    assert "Safe alternatives" in full
    small = github_action.job_summary(findings, all_rules(), root=str(repo), base=None, limit=len(full) - 10)
    assert "Safe alternatives" not in small and len(small.encode()) <= len(full) - 10
    tiny = github_action.job_summary(findings, all_rules(), root=str(repo), base=None, limit=2000)
    assert len(tiny.encode()) <= 2000 and tiny.endswith("see the annotations and SARIF._\n")


def test_event_helpers() -> None:
    event = Event("pull_request_target", {"pull_request": {"number": 3, "base": {"sha": "a" * 40}}})
    assert event.is_pull_request and event.number == 3 and event.base_sha() == "a" * 40
    assert Event("push", {"before": "0" * 40}).base_sha() is None  # a new branch
    assert Event("workflow_dispatch", {}).base_sha() is None
    assert github_action.split_paths("a b\n\n c;d \n") == ("a b", "c;d")
    assert github_action.split_paths("x\ny\0z") == ("x\ny", "z")


@pytest.fixture(autouse=True)
def _no_network(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("the tests must not reach the network")

    monkeypatch.setattr("urllib.request.urlopen", refuse)
    yield


# --- the documentation --------------------------------------------------------------------------------


def yaml_blocks(name: str) -> list[Any]:
    text = (ROOT / "docs" / name).read_text()
    return [yaml.safe_load(textwrap.dedent(b)) for b in re.findall(r"```yaml\n(.*?)```", text, re.DOTALL)]


def test_documented_workflow_is_complete() -> None:
    workflow = yaml_blocks("github-action.md")[0]
    assert workflow["permissions"] == {
        "contents": "read",
        "security-events": "write",
        "pull-requests": "write",
    }
    steps = workflow["jobs"]["miglint"]["steps"]
    assert steps[0]["uses"].startswith("actions/checkout@") and steps[0]["with"]["fetch-depth"] == 0
    action = next(s for s in steps if s.get("id") == "miglint")
    assert set(action["with"]) <= set(ACTION["inputs"])
    upload = steps[-1]
    assert upload["uses"].startswith("github/codeql-action/upload-sarif@")
    assert upload["with"]["sarif_file"] == "${{ steps.miglint.outputs.sarif-file }}"


def test_ci_recipes_parse() -> None:
    blocks = yaml_blocks("ci.md")
    assert len(blocks) == 5
    documents: list[dict[str, Any]] = [b for b in blocks if isinstance(b, dict)]
    gitlab = next(b for b in documents if "miglint" in b)
    assert gitlab["miglint"]["artifacts"]["reports"]["codequality"] == "gl-code-quality-report.json"
    script: list[str] = gitlab["miglint"]["script"]
    assert any("--format gitlab" in line for line in script)
    hooks = next(b for b in documents if "repos" in b)
    assert hooks["repos"][0]["hooks"][0]["id"] == "miglint"
