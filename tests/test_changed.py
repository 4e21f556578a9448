"""``--changed-since``: the three-dot change set from git, linted with the whole history as context."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from miglint.changed import ChangedError, ChangeSet, changed_paths, select_changed
from miglint.cli import main
from miglint.ir.migration import Framework, Migration

GIT_ENV = {
    "GIT_AUTHOR_NAME": "Test",
    "GIT_AUTHOR_EMAIL": "test@example.com",
    "GIT_COMMITTER_NAME": "Test",
    "GIT_COMMITTER_EMAIL": "test@example.com",
    "GIT_CONFIG_NOSYSTEM": "1",
}

ODD = "0003_index $HOME;echo x.sql"  # a space, `$` and `;` in one name


def git(repo: Path, *args: str) -> str:
    env = {**os.environ, **GIT_ENV, "GIT_CONFIG_GLOBAL": os.devnull}
    done = subprocess.run(
        ["git", "-c", "commit.gpgsign=false", *args], cwd=repo, env=env, check=True, capture_output=True
    )
    return done.stdout.decode()


def write(repo: Path, name: str, text: str) -> None:
    path = repo / "migrations" / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """main: two released migrations; branch `feature` forks and adds three; main then moves on.

    - ``0001 create orders.sql``: creates orders (released, unchanged).
    - ``0002_old_index.sql``: a plain CREATE INDEX on orders (released; MG101 if linted).
    - ``0003_index $HOME;echo x.sql``: an index on orders (changed: MG101, orders is old).
    - ``0004_create_items.sql`` + ``0005_items_index.sql``: a table and its index, both
      changed: the index is on a table the change set creates, so it is fine.
    - main, after the fork, edits 0002: not part of the branch's change (three dots).
    """
    repo = tmp_path / "project"
    repo.mkdir()
    git(repo, "init", "-q", "-b", "main")
    write(
        repo, "0001 create orders.sql", "CREATE TABLE orders (id bigint PRIMARY KEY, customer_id bigint);\n"
    )
    write(repo, "0002_old_index.sql", "CREATE INDEX orders_id_idx ON orders (id);\n")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "base")
    git(repo, "checkout", "-q", "-b", "feature")
    write(repo, ODD, "\n\nCREATE INDEX orders_customer_idx ON orders (customer_id);\n")
    write(repo, "0004_create_items.sql", "CREATE TABLE items (id bigint, sku text);\n")
    write(repo, "0005_items_index.sql", "CREATE INDEX items_sku_idx ON items (sku);\n")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "head")
    git(repo, "checkout", "-q", "main")
    write(repo, "0002_old_index.sql", "-- edited on main\nCREATE INDEX orders_id_idx ON orders (id);\n")
    git(repo, "commit", "-q", "-am", "main moves on")
    git(repo, "checkout", "-q", "feature")
    monkeypatch.chdir(repo)
    return repo


def check(*args: str) -> tuple[int, list[tuple[str, str, int]], str]:
    result = CliRunner().invoke(
        main, ["check", "--format", "json", "--select", "MG101", *args], catch_exceptions=False
    )
    found: list[dict[str, Any]] = json.loads(result.stdout) if result.stdout.strip() else []
    return result.exit_code, [(f["path"], f["code"], f["line"]) for f in found], result.stderr


def test_changed_paths_are_the_three_dot_diff(repo: Path) -> None:
    changed = changed_paths("main")
    names = sorted(os.path.basename(p) for p in changed.paths)
    assert names == [ODD, "0004_create_items.sql", "0005_items_index.sql"]
    assert changed.base == git(repo, "merge-base", "main", "HEAD").strip()
    assert all(os.path.isabs(p) for p in changed.paths)
    assert f"migrations/{ODD}" in changed  # any spelling of the path


def test_uncommitted_and_untracked_count_unless_disabled(repo: Path) -> None:
    write(repo, "0006 untracked.sql", "CREATE INDEX x ON orders (id);\n")
    (repo / "migrations" / "0001 create orders.sql").write_text("CREATE TABLE orders (id bigint);\n")
    (repo / "migrations" / "0004_create_items.sql").unlink()  # deleted: nothing to lint
    names = {os.path.basename(p) for p in changed_paths("main").paths}
    assert names == {ODD, "0005_items_index.sql", "0006 untracked.sql", "0001 create orders.sql"}
    committed = {os.path.basename(p) for p in changed_paths("main", uncommitted=False).paths}
    assert committed == {ODD, "0004_create_items.sql", "0005_items_index.sql"}


def test_renamed_file_counts_under_its_new_name(repo: Path) -> None:
    git(repo, "mv", "migrations/0002_old_index.sql", "migrations/0002 renamed; index.sql")
    git(repo, "commit", "-q", "-m", "rename")
    names = {os.path.basename(p) for p in changed_paths("main", uncommitted=False).paths}
    assert "0002 renamed; index.sql" in names
    assert "0002_old_index.sql" not in names


def test_cli_lints_changed_migrations_with_history_context(repo: Path) -> None:
    code, found, _ = check("--changed-since", "main")
    # The index on the old table is reported; the index on a table created by another changed
    # migration is not; the released 0002 (edited on main only) is not linted.
    assert found == [(f"migrations/{ODD}", "MG101", 3)]
    assert code == 1


def test_whole_history_without_changed_since(repo: Path) -> None:
    _, found, _ = check()
    assert ("migrations/0002_old_index.sql", "MG101", 1) in found
    assert (f"migrations/{ODD}", "MG101", 3) in found
    # Without the change set, items is not new to 0005: it was created by an earlier migration.
    assert ("migrations/0005_items_index.sql", "MG101", 1) in found


def test_changed_since_with_explicit_path_and_nothing_changed(repo: Path) -> None:
    code, found, err = check("--changed-since", "HEAD", "migrations")
    assert (code, found) == (0, [])
    assert "no migration changed since HEAD" in err


def test_subdirectory_cwd(repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(repo / "migrations")
    _, found, _ = check("--changed-since", "main")
    assert found == [(ODD, "MG101", 3)]


def test_error_outside_a_git_repository(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    plain = tmp_path / "plain"
    write(plain, "0001.sql", "CREATE INDEX x ON t (a);\n")
    monkeypatch.chdir(plain)
    monkeypatch.setenv("GIT_CEILING_DIRECTORIES", str(tmp_path))
    code, found, err = check("--changed-since", "main")
    assert (code, found) == (2, [])
    assert "not inside a git repository" in err
    with pytest.raises(ChangedError):
        changed_paths("main")


@pytest.mark.parametrize(
    ("ref", "needle"), [("no-such-branch", "unknown git ref"), ("--output=x", "invalid git ref")]
)
def test_error_for_a_bad_ref(repo: Path, ref: str, needle: str) -> None:
    code, _, err = check(f"--changed-since={ref}")
    assert code == 2
    assert needle in err
    assert not (repo / "x").exists()


def test_select_changed_marks_a_changed_rollback(tmp_path: Path) -> None:
    up, down = tmp_path / "1.up.sql", tmp_path / "1.down.sql"
    other = tmp_path / "2.up.sql"
    migrations = [
        Migration(path=str(up), framework=Framework.SQL, rollback_path=str(down)),
        Migration(path=str(other), framework=Framework.SQL),
    ]
    changed = ChangeSet(base="0" * 40, paths=frozenset({os.path.realpath(down)}))
    out, targets = select_changed(migrations, changed)
    assert targets == [str(up)]
    assert [m.unreleased for m in out] == [True, False]
    assert [m.path for m in out] == [m.path for m in migrations]
