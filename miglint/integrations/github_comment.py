"""One sticky pull-request comment, created once and then edited in place.

The comment carries a hidden marker (:data:`MARKER`); each run looks for the comment holding
it and edits that one rather than adding another. HTTP goes through a :data:`Transport` so
tests can stand in for GitHub.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, cast

MARKER = "<!-- miglint -->"
#: GitHub rejects comment bodies longer than this many characters.
BODY_LIMIT = 65536
_PAGE = 100
_MAX_PAGES = 30


@dataclass(frozen=True)
class Response:
    """An HTTP status and the decoded JSON body (None when empty or not JSON)."""

    status: int
    data: Any


#: ``transport(method, url, headers, body)``: one HTTP request.
Transport = Callable[[str, str, Mapping[str, str], bytes | None], Response]


def urllib_transport(method: str, url: str, headers: Mapping[str, str], body: bytes | None) -> Response:
    """Send one request with the standard library; HTTP errors become a :class:`Response`."""
    request = urllib.request.Request(url, data=body, headers=dict(headers), method=method)
    try:
        with urllib.request.urlopen(request, timeout=30) as reply:
            status = int(reply.status)
            raw = reply.read()
    except urllib.error.HTTPError as exc:
        status, raw = exc.code, exc.read()
    try:
        data: Any = json.loads(raw) if raw else None
    except ValueError:
        data = None
    return Response(status, data)


class CommentError(Exception):
    """GitHub refused or failed a request; ``status`` is the HTTP status."""

    def __init__(self, message: str, status: int) -> None:
        super().__init__(message)
        self.status = status


@dataclass(frozen=True)
class PullRequest:
    """Where the comment goes: ``owner/name`` and the pull request number."""

    repository: str
    number: int


def fit(body: str, limit: int = BODY_LIMIT) -> str:
    """``body`` cut to ``limit`` characters with a note, at a line boundary when possible."""
    if len(body) <= limit:
        return body
    note = "\n\n_The report was cut to fit in a comment; the job summary has all of it._\n"
    cut = body[: limit - len(note)]
    if "\n" in cut:
        cut = cut[: cut.rindex("\n")]
    return cut + note


class StickyComment:
    """Create or update the one comment marked with :data:`MARKER` on a pull request."""

    def __init__(
        self,
        pull: PullRequest,
        token: str,
        *,
        api_url: str = "https://api.github.com",
        transport: Transport = urllib_transport,
    ) -> None:
        self.pull = pull
        self.api = api_url.rstrip("/")
        self.transport = transport
        self.headers = {
            "Accept": "application/vnd.github+json",
            "Authorization": f"Bearer {token}",
            "X-GitHub-Api-Version": "2022-11-28",
            "User-Agent": "miglint-action",
        }

    def _call(self, method: str, url: str, payload: Mapping[str, object] | None = None) -> Any:
        body = None if payload is None else json.dumps(payload).encode()
        headers = dict(self.headers)
        if body is not None:
            headers["Content-Type"] = "application/json"
        reply = self.transport(method, url, headers, body)
        if not 200 <= reply.status < 300:
            data: Any = reply.data
            message = str(cast(dict[str, Any], data).get("message", "")) if isinstance(data, dict) else ""
            raise CommentError(f"{method} {url}: HTTP {reply.status} {message}".rstrip(), reply.status)
        return reply.data

    def find(self) -> int | None:
        """The id of the existing marked comment, if there is one."""
        base = f"{self.api}/repos/{self.pull.repository}/issues/{self.pull.number}/comments"
        for page in range(1, _MAX_PAGES + 1):
            data = self._call("GET", f"{base}?per_page={_PAGE}&page={page}")
            if not isinstance(data, list):
                return None
            comments = cast(list[Any], data)
            for comment in comments:
                if isinstance(comment, dict):
                    item = cast(dict[str, Any], comment)
                    if MARKER in str(item.get("body") or "") and isinstance(item.get("id"), int):
                        return cast(int, item["id"])
            if len(comments) < _PAGE:
                return None
        return None

    def upsert(self, body: str, *, create: bool = True) -> str:
        """Edit the marked comment to ``body`` or, when there is none and ``create``, add it.

        Returns ``"updated"``, ``"created"`` or ``"skipped"``.
        """
        text = fit(f"{MARKER}\n{body}")
        existing = self.find()
        if existing is not None:
            url = f"{self.api}/repos/{self.pull.repository}/issues/comments/{existing}"
            self._call("PATCH", url, {"body": text})
            return "updated"
        if not create:
            return "skipped"
        url = f"{self.api}/repos/{self.pull.repository}/issues/{self.pull.number}/comments"
        self._call("POST", url, {"body": text})
        return "created"
