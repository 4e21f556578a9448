"""Which files changed since a git ref (``miglint check --changed-since REF``).

The change set is what a pull request would show plus the work not yet committed:

- files added, modified or renamed (``--diff-filter=AMR``; deleted files have nothing to lint)
  between the merge base of ``REF`` and ``HEAD`` and the working tree, which for a clean
  checkout is exactly the three-dot diff ``git diff REF...HEAD``;
- staged and unstaged edits of tracked files;
- untracked files that are not ignored (a migration just written and not yet added).

In CI the checkout is clean, so only the first point matters there; locally (and in a
pre-commit hook) the other two make ``--changed-since origin/main`` lint the migration being
written. Git is asked for NUL-separated names (``-z``), so paths with spaces, quotes, ``$`` or
``;`` are returned verbatim. The merge base needs the history of both sides: in CI check out
with ``fetch-depth: 0``.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Sequence
from dataclasses import dataclass, replace

from miglint.ir.migration import Migration


class ChangedError(Exception):
    """Git could not say what changed (not a repository, unknown ref, no merge base)."""


def _git(args: Sequence[str], cwd: str) -> str:
    """Run git with ``args`` in ``cwd``; stdout on success, :class:`ChangedError` otherwise."""
    env = dict(os.environ)
    # A message in English, whatever the user's locale: it ends up in ours.
    env["LC_ALL"] = "C"
    env.pop("GIT_DIR", None)
    env.pop("GIT_WORK_TREE", None)
    try:
        done = subprocess.run(
            ["git", *args],
            cwd=cwd,
            env=env,
            capture_output=True,
            check=False,
        )
    except FileNotFoundError:
        raise ChangedError("git is not installed (needed by --changed-since)") from None
    except OSError as exc:
        raise ChangedError(f"cannot run git: {exc.strerror or exc}") from None
    if done.returncode != 0:
        message = done.stderr.decode("utf-8", "replace").strip().splitlines()
        raise ChangedError(message[-1] if message else f"git {args[0]} failed")
    return done.stdout.decode("utf-8", "surrogateescape")


def _names(output: str) -> list[str]:
    return [name for name in output.split("\0") if name]


def repository_root(cwd: str = ".") -> str:
    """The top-level directory of the git work tree containing ``cwd``."""
    try:
        top = _git(["rev-parse", "--show-toplevel"], cwd)
    except ChangedError:
        raise ChangedError(
            f"{os.path.abspath(cwd)} is not inside a git repository (--changed-since needs one)"
        ) from None
    return top.rstrip("\n")


def merge_base(ref: str, cwd: str = ".") -> str:
    """The commit where ``HEAD`` forked from ``ref`` (three-dot semantics)."""
    if not ref or ref.startswith("-") or "\0" in ref:
        raise ChangedError(f"invalid git ref {ref!r}")
    try:
        commit = _git(["rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}"], cwd).strip()
    except ChangedError:
        raise ChangedError(
            f"unknown git ref {ref!r} (fetch it first; in CI check out with fetch-depth: 0)"
        ) from None
    try:
        return _git(["merge-base", commit, "HEAD"], cwd).strip()
    except ChangedError:
        raise ChangedError(
            f"no common history between {ref!r} and HEAD (a shallow clone? check out with fetch-depth: 0)"
        ) from None


@dataclass(frozen=True)
class ChangeSet:
    """Files changed since a ref: absolute paths, and the commit they were compared with."""

    base: str
    paths: frozenset[str]

    def __contains__(self, path: object) -> bool:
        return isinstance(path, str) and os.path.realpath(path) in self.paths


def changed_paths(ref: str, cwd: str = ".", *, uncommitted: bool = True) -> ChangeSet:
    """Files added, modified or renamed since the merge base of ``ref`` and ``HEAD``.

    With ``uncommitted`` (the default) the working tree is compared (staged, unstaged and
    untracked, not ignored, files count); without it only commits up to ``HEAD`` do. Paths are
    absolute and resolved (``os.path.realpath``), so they compare with any spelling of a path.
    """
    top = repository_root(cwd)
    base = merge_base(ref, top)
    diff = ["diff", "--name-only", "-z", "--no-ext-diff", "--diff-filter=AMR", base]
    names = _names(_git(diff if uncommitted else [*diff, "HEAD"], top))
    if uncommitted:
        names += _names(_git(["ls-files", "-z", "--others", "--exclude-standard"], top))
    paths = frozenset(os.path.realpath(os.path.join(top, name)) for name in names)
    return ChangeSet(base=base, paths=paths)


def select_changed(migrations: Sequence[Migration], changed: ChangeSet) -> tuple[list[Migration], list[str]]:
    """All ``migrations`` (the history stays as context) and the paths of the changed ones.

    A migration changed when its file or its rollback file did. Changed migrations are marked
    ``unreleased``: a table one of them creates counts as new in the others.
    """
    out: list[Migration] = []
    targets: list[str] = []
    for m in migrations:
        if m.path in changed or (m.rollback_path is not None and m.rollback_path in changed):
            out.append(replace(m, unreleased=True))
            targets.append(m.path)
        else:
            out.append(m)
    return out, targets
