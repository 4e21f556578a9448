"""The GitHub Action's lint step (``python -m miglint.integrations.github_action``).

``action.yml`` stays thin: it installs miglint into a private virtual environment and runs
this module with the action's inputs in ``INPUT_*`` environment variables (never spliced into
a shell script). The module

1. runs ``miglint check`` (in-process) with the inputs, on pull requests with
   ``--changed-since <base sha>`` so only migrations the pull request adds or changes are
   reported while the whole history is read;
2. prints workflow annotations, at most :data:`~miglint.report.github.ANNOTATION_LIMIT` per
   level, most severe first (GitHub drops the others; the job summary lists them);
3. appends a Markdown report to ``$GITHUB_STEP_SUMMARY``; writes SARIF when asked;
4. optionally creates or updates one sticky pull-request comment;
5. sets the outputs ``findings``, ``worst-level`` and ``sarif-file`` and exits with the
   ``miglint check`` exit code (1 when a finding reaches ``fail-on``).
"""

from __future__ import annotations

import json
import os
import re
import sys
import tempfile
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO, cast

from miglint.findings import Finding, Level, Location
from miglint.integrations.github_comment import (
    CommentError,
    PullRequest,
    StickyComment,
    Transport,
    urllib_transport,
)
from miglint.report import display_path, markdown
from miglint.report.github import ANNOTATION_LIMIT, annotation, capped
from miglint.rules._base import Rule

PR_EVENTS = frozenset({"pull_request", "pull_request_target"})
#: GitHub accepts at most 1 MiB of summary per step; keep a margin.
SUMMARY_LIMIT = 1000 * 1000
_SHA = re.compile(r"^[0-9a-f]{40}(?:[0-9a-f]{24})?$")
_ZERO_SHA = re.compile(r"^0+$")
EXIT_ERROR = 2


class ActionError(Exception):
    """An input or the event payload is unusable."""


def _flag(text: str, name: str, *, allow_auto: bool = False) -> bool | None:
    value = text.strip().lower()
    if value in {"true", "yes", "1", "on"}:
        return True
    if value in {"false", "no", "0", "off"}:
        return False
    if allow_auto and value in {"", "auto"}:
        return None
    if not allow_auto and value == "":
        return False
    raise ActionError(f"input {name} must be true or false, not {text!r}")


def split_paths(text: str) -> tuple[str, ...]:
    """Paths from a multi-line input: one per line, or NUL-separated when the text has a NUL."""
    parts = text.split("\0") if "\0" in text else text.splitlines()
    return tuple(p.strip() for p in parts if p.strip())


@dataclass(frozen=True)
class Inputs:
    """The action's inputs, read from ``INPUT_*`` variables (empty means "miglint's default")."""

    paths: tuple[str, ...] = ()
    dialect: str = ""
    pg_version: str = ""
    fail_on: str = ""
    #: None: only on pull requests ("auto").
    changed_only: bool | None = None
    sarif_file: str = ""
    comment: bool = False
    token: str = ""

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> Inputs:
        """Read and check the inputs."""

        def get(name: str) -> str:
            return env.get(f"INPUT_{name}", "").strip()

        return cls(
            paths=split_paths(env.get("INPUT_PATHS", "")),
            dialect=get("DIALECT"),
            pg_version=get("PG_VERSION"),
            fail_on=get("FAIL_ON"),
            changed_only=_flag(get("CHANGED_ONLY"), "changed-only", allow_auto=True),
            sarif_file=get("SARIF_FILE"),
            comment=bool(_flag(get("COMMENT"), "comment")),
            token=env.get("INPUT_GITHUB_TOKEN", ""),
        )


@dataclass(frozen=True)
class Event:
    """The triggering event: its name and payload (``$GITHUB_EVENT_PATH``)."""

    name: str
    payload: Mapping[str, Any]

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> Event:
        """Load the payload; a missing file gives an empty payload."""
        path = env.get("GITHUB_EVENT_PATH", "")
        payload: Any = {}
        if path:
            try:
                payload = json.loads(Path(path).read_text(encoding="utf-8"))
            except (OSError, ValueError) as exc:
                raise ActionError(f"cannot read the event payload {path}: {exc}") from None
        if not isinstance(payload, dict):
            payload = {}
        return cls(env.get("GITHUB_EVENT_NAME", ""), cast(dict[str, Any], payload))

    def _get(self, *keys: str) -> Any:
        node: Any = self.payload
        for key in keys:
            if not isinstance(node, dict):
                return None
            node = cast(dict[str, Any], node).get(key)
        return node

    @property
    def is_pull_request(self) -> bool:
        """Whether a pull request triggered the run."""
        return self.name in PR_EVENTS and isinstance(self._get("pull_request"), dict)

    @property
    def number(self) -> int | None:
        """The pull request number."""
        n = self._get("pull_request", "number")
        return n if isinstance(n, int) else None

    @property
    def from_fork(self) -> bool:
        """A pull request from another repository: its ``pull_request`` token is read-only."""
        head = self._get("pull_request", "head", "repo", "full_name")
        base = self._get("pull_request", "base", "repo", "full_name")
        return head != base

    def base_sha(self) -> str | None:
        """What changes are measured against: the PR base, or the commit before a push."""
        if self.is_pull_request:
            sha = self._get("pull_request", "base", "sha")
        elif self.name == "push":
            sha = self._get("before")
        else:
            return None
        if not isinstance(sha, str) or _ZERO_SHA.match(sha):
            return None  # a new branch has no "before"
        if not _SHA.match(sha):
            raise ActionError(f"the event payload has an invalid commit id {sha!r}")
        return sha


def cli_args(inputs: Inputs, base: str | None, report: str) -> list[str]:
    """The ``miglint check`` arguments for these inputs (values attached with ``=``)."""
    args = ["check", "--format=json", f"--output={report}"]
    if inputs.dialect:
        args.append(f"--dialect={inputs.dialect}")
    if inputs.pg_version:
        args.append(f"--pg-version={inputs.pg_version}")
    if inputs.fail_on:
        args.append(f"--fail-on={inputs.fail_on}")
    if base is not None:
        args.append(f"--changed-since={base}")
    return [*args, "--", *inputs.paths]


def run_check(args: Sequence[str]) -> int:
    """Run ``miglint`` in-process and return its exit code."""
    from miglint.cli import main

    try:
        main.main(args=list(args), prog_name="miglint", standalone_mode=True)
    except SystemExit as exc:
        code = exc.code
        if code is None:
            return 0
        return code if isinstance(code, int) else EXIT_ERROR
    return 0


def read_findings(report: str, root: str) -> list[Finding]:
    """Findings from a JSON report whose paths are relative to ``root``."""
    data: Any = json.loads(Path(report).read_text(encoding="utf-8"))
    findings: list[Finding] = []
    for raw in cast(list[dict[str, Any]], data):
        path = str(raw["path"])
        if not path.startswith("<") and not os.path.isabs(path):
            path = os.path.join(root, path)
        line = int(raw["line"])
        findings.append(
            Finding(
                code=str(raw["code"]),
                name=str(raw["name"]),
                level=Level.parse(str(raw["level"])),
                message=str(raw["message"]),
                location=Location(path, line, int(raw["column"]), int(raw["end_line"])),
                help=str(raw.get("help") or ""),
            )
        )
    return findings


def worst_level(findings: Sequence[Finding]) -> str:
    """The label of the most severe finding, or ``none``."""
    return max(findings, key=lambda f: f.level).level.label if findings else "none"


def _report_root() -> str:
    """The directory the JSON report's paths are relative to (the configuration's)."""
    from miglint.config import ConfigError, load_settings

    try:
        return load_settings(None, os.getcwd()).root
    except ConfigError:
        return os.getcwd()


def scope_section(base: str | None) -> markdown.Section:
    """A section saying which migrations were linted."""

    def scope(report: markdown.Report) -> str | None:
        del report
        if base is None:
            return None
        return f"Only migrations added or changed since `{base[:12]}` (three-dot diff) were reported."

    return scope


def overflow_section(rest: Sequence[Finding], root: str) -> markdown.Section:
    """A section listing the findings GitHub did not show as annotations."""

    def overflow(report: markdown.Report) -> str | None:
        del report
        if not rest:
            return None
        n = len(rest)
        lines = [
            f"### Not shown as annotations ({n})",
            "",
            f"GitHub shows {ANNOTATION_LIMIT} annotations per level in a step; "
            f"{'this one is' if n == 1 else f'these {n} are'} reported here instead:",
            "",
        ]
        for f in rest:
            where = f"{display_path(f.location.path, root)}:{f.location.line}"
            lines.append(f"- `{markdown.cell(where)}` {f.code} ({f.level.label}): {markdown.cell(f.message)}")
        return "\n".join(lines)

    return overflow


def job_summary(
    findings: Sequence[Finding],
    rules: Sequence[type[Rule]],
    *,
    root: str,
    base: str | None,
    rest: Sequence[Finding] = (),
    limit: int = SUMMARY_LIMIT,
) -> str:
    """The Markdown job summary, trimmed (safe alternatives first) to ``limit`` bytes."""
    head, *body = markdown.SECTIONS
    sections = [head, scope_section(base), overflow_section(rest, root), *body]
    text = markdown.render(findings, rules, root=root, sections=sections)
    if len(text.encode()) > limit:
        text = markdown.render(
            findings, rules, root=root, sections=[s for s in sections if s is not markdown.safe_alternatives]
        )
    if len(text.encode()) > limit:
        note = "\n\n_The report was cut to fit in the job summary: see the annotations and SARIF._\n"
        text = text.encode()[: limit - len(note)].decode("utf-8", "ignore")
        text = text[: text.rfind("\n")] + note
    return text


def write_outputs(path: str, values: Mapping[str, str]) -> None:
    """Append step outputs to ``$GITHUB_OUTPUT`` (delimiter syntax: any value is safe)."""
    with open(path, "a", encoding="utf-8") as handle:
        for name, value in values.items():
            delimiter = f"ghadelimiter_{uuid.uuid4()}"
            handle.write(f"{name}<<{delimiter}\n{value}\n{delimiter}\n")


def _command(out: TextIO, kind: str, message: str) -> None:
    from miglint.report.github import escape_data

    out.write(f"::{kind}::{escape_data(message)}\n")


def post_comment(
    event: Event,
    inputs: Inputs,
    env: Mapping[str, str],
    body: str,
    *,
    has_findings: bool,
    transport: Transport,
    out: TextIO,
) -> str:
    """Create or update the sticky comment; returns what happened (never fails the step)."""
    number = event.number
    if not event.is_pull_request or number is None:
        _command(out, "notice", "miglint: comment skipped: the run is not for a pull request")
        return "skipped"
    if event.name == "pull_request" and event.from_fork:
        _command(
            out,
            "notice",
            "miglint: comment skipped: pull requests from forks get a read-only token; see the job summary",
        )
        return "skipped"
    repository = env.get("GITHUB_REPOSITORY", "")
    if not inputs.token or not repository:
        _command(out, "notice", "miglint: comment skipped: no github-token or GITHUB_REPOSITORY")
        return "skipped"
    sticky = StickyComment(
        PullRequest(repository, number),
        inputs.token,
        api_url=env.get("GITHUB_API_URL", "https://api.github.com"),
        transport=transport,
    )
    try:
        # A clean pull request gets no new comment, but an earlier one is updated to say so.
        return sticky.upsert(body, create=has_findings)
    except CommentError as exc:
        if exc.status in {401, 403, 404}:
            _command(
                out,
                "notice",
                f"miglint: comment skipped: the token cannot write it (HTTP {exc.status}); "
                "grant `pull-requests: write`",
            )
        else:
            _command(out, "warning", f"miglint: comment failed: {exc}")
    except OSError as exc:
        _command(out, "warning", f"miglint: comment failed: {exc}")
    return "failed"


def _run_link(env: Mapping[str, str]) -> str:
    server, repo, run = (env.get(k, "") for k in ("GITHUB_SERVER_URL", "GITHUB_REPOSITORY", "GITHUB_RUN_ID"))
    if not (server and repo and run):
        return ""
    return f"\n\n[Workflow run]({server}/{repo}/actions/runs/{run})"


def main(
    environ: Mapping[str, str] | None = None,
    *,
    transport: Transport = urllib_transport,
    out: TextIO | None = None,
) -> int:
    """Run the step; the exit code is ``miglint check``'s (2 on a bad input)."""
    env = os.environ if environ is None else environ
    stream = sys.stdout if out is None else out
    try:
        inputs = Inputs.from_env(env)
        event = Event.from_env(env)
        changed_only = event.is_pull_request if inputs.changed_only is None else inputs.changed_only
        base = event.base_sha() if changed_only else None
    except ActionError as exc:
        _command(stream, "error", f"miglint: {exc}")
        return EXIT_ERROR
    if changed_only and base is None:
        _command(stream, "notice", "miglint: no base commit to compare with; linting every migration")
    workspace = env.get("GITHUB_WORKSPACE") or os.getcwd()

    with tempfile.TemporaryDirectory(prefix="miglint-") as scratch:
        report = os.path.join(scratch, "findings.json")
        stream.flush()
        code = run_check(cli_args(inputs, base, report))
        if code not in (0, 1) or not os.path.exists(report):
            _command(stream, "error", "miglint could not run; see the messages above")
            if env.get("GITHUB_OUTPUT"):
                write_outputs(env["GITHUB_OUTPUT"], {"findings": "", "worst-level": "", "sarif-file": ""})
            return code or EXIT_ERROR
        findings = read_findings(report, _report_root())

    from miglint.engine import all_rules

    rules = all_rules()
    shown, rest = capped(findings)
    for f in shown:
        stream.write(annotation(f, root=workspace) + "\n")

    summary_path = env.get("GITHUB_STEP_SUMMARY", "")
    if summary_path:
        text = job_summary(findings, rules, root=workspace, base=base, rest=rest)
        with open(summary_path, "a", encoding="utf-8") as handle:
            handle.write(text)

    sarif_path = ""
    if inputs.sarif_file:
        from miglint.report import sarif

        sarif_path = inputs.sarif_file
        target = Path(sarif_path)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(sarif.render(findings, rules, root=workspace), encoding="utf-8")

    if inputs.comment:
        head, *body = markdown.SECTIONS
        text = markdown.render(findings, rules, root=workspace, sections=[head, scope_section(base), *body])
        post_comment(
            event,
            inputs,
            env,
            text + _run_link(env),
            has_findings=bool(findings),
            transport=transport,
            out=stream,
        )

    if env.get("GITHUB_OUTPUT"):
        write_outputs(
            env["GITHUB_OUTPUT"],
            {"findings": str(len(findings)), "worst-level": worst_level(findings), "sarif-file": sarif_path},
        )
    stream.flush()
    return code


if __name__ == "__main__":
    sys.exit(main())
