"""The pre-commit hook: `.pre-commit-hooks.yaml` as pre-commit itself runs it (`pre-commit try-repo`).

try-repo builds the hook's virtual environment from a git repository (pip, so PyPI must be
reachable). It takes only committed and tracked files, so the test commits a copy of the
project (the package, pyproject.toml, README.md and the hooks file) in a scratch repository
rather than touching the working repository's git state.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from tests.test_changed import git

ROOT = Path(__file__).resolve().parent.parent
HOOKS = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text())
UNSAFE = "CREATE INDEX orders_customer_idx ON orders (customer_id);\n"
CLEAN = "CREATE INDEX CONCURRENTLY orders_customer_idx ON orders (customer_id);\n"


def test_hook_definition() -> None:
    (hook,) = HOOKS
    assert hook["id"] == "miglint"
    assert hook["language"] == "python"
    assert hook["entry"] == "miglint check"
    assert hook["types_or"] == ["sql", "python"]
    assert hook["require_serial"] is True
    files, exclude = re.compile(hook["files"]), re.compile(hook["exclude"])
    for path in (
        "migrations/0001_init.sql",
        "shop/migrations/0002_order.py",
        "alembic/versions/ab12_add.py",
        "db/migrate/20240101_x.sql",
        "db/migrations/20240101_x.sql",
        "src/main/resources/db/migration/V1__init.sql",
        "prisma/migrations/20240101_init/migration.sql",
        "sql/001_init.sql",
    ):
        assert files.search(path), path
    for path in ("src/app.py", "tests/test_sql.py", "mysql/dump.sql"):
        assert not files.search(path), path
    assert exclude.search("shop/migrations/__init__.py")


@pytest.fixture(scope="module")
def hook_repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A committed copy of the project: what `pre-commit try-repo` installs the hook from."""
    repo = tmp_path_factory.mktemp("hook-repo")
    for name in ("pyproject.toml", "README.md", ".pre-commit-hooks.yaml"):
        shutil.copy2(ROOT / name, repo / name)
    shutil.copytree(ROOT / "miglint", repo / "miglint", ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    git(repo, "init", "-q", "-b", "main")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "miglint")
    return repo


def try_repo(hook_repo: Path, project: Path, *files: str) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "PRE_COMMIT_HOME": str(project.parent / "pre-commit-home"),
        "PRE_COMMIT_COLOR": "never",
        "GIT_CONFIG_GLOBAL": os.devnull,
    }
    return subprocess.run(
        [sys.executable, "-m", "pre_commit", "try-repo", str(hook_repo), "miglint", "--files", *files],
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
    )


@pytest.mark.skipif(shutil.which("git") is None, reason="needs git")
def test_try_repo_passes_clean_and_fails_unsafe_migrations(hook_repo: Path, tmp_path: Path) -> None:
    pytest.importorskip("pre_commit")
    project = tmp_path / "project"
    (project / "migrations").mkdir(parents=True)
    (project / "migrations" / "0001_orders.sql").write_text(
        "CREATE TABLE orders (id bigint, customer_id bigint);\n"
    )
    (project / "migrations" / "0002 safe index.sql").write_text(CLEAN)
    (project / "migrations" / "0003 $unsafe;index.sql").write_text(UNSAFE)
    (project / "migrations" / "__init__.py").write_text("")
    (project / "notes.sql").write_text(UNSAFE)  # not in a migration folder: never linted
    (project / "miglint.toml").write_text('select = ["MG101"]\n')
    git(project, "init", "-q", "-b", "main")
    git(project, "add", "-A")

    clean = try_repo(
        hook_repo, project, "migrations/0002 safe index.sql", "migrations/__init__.py", "notes.sql"
    )
    assert clean.returncode == 0, clean.stdout + clean.stderr
    assert re.search(r"^miglint\.+Passed$", clean.stdout, re.MULTILINE), clean.stdout

    unsafe = try_repo(
        hook_repo, project, "migrations/0002 safe index.sql", "migrations/0003 $unsafe;index.sql"
    )
    assert unsafe.returncode == 1, unsafe.stdout + unsafe.stderr
    assert re.search(r"^miglint\.+Failed$", unsafe.stdout, re.MULTILINE), unsafe.stdout
    assert "migrations/0003 $unsafe;index.sql:1:1: MG101 [error]" in unsafe.stdout
    assert "0002 safe index" not in unsafe.stdout.split("Failed", 1)[1]
