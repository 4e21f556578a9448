"""A throwaway PostgreSQL cluster on a Unix socket, for tests that run SQL for real.

Runs ``initdb``/``pg_ctl`` from PATH or /usr/lib/postgresql/*/bin. As root (CI), the cluster is
started as the ``postgres`` user, since initdb refuses root.
"""

from __future__ import annotations

import glob
import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path


def _bindir() -> Path | None:
    found = shutil.which("initdb")
    if found:
        return Path(os.path.realpath(found)).parent
    candidates = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    return Path(candidates[-1]).parent if candidates else None


@dataclass(frozen=True)
class PgServer:
    """Where the throwaway server listens."""

    socket_dir: str
    port: int

    def conninfo(self, dbname: str = "postgres") -> str:
        """A libpq connection string for ``dbname``."""
        return f"host={self.socket_dir} port={self.port} user=postgres dbname={dbname}"


@contextmanager
def throwaway_cluster() -> Iterator[PgServer]:
    """Start a cluster in a temp dir, yield it, and remove it."""
    bindir = _bindir()
    if bindir is None:
        raise RuntimeError("PostgreSQL server binaries (initdb, pg_ctl) not found; install postgresql")
    base = Path(tempfile.mkdtemp(prefix="miglint-pg-"))
    data, sock = base / "data", base / "sock"
    sock.mkdir()
    prefix: list[str] = []
    if os.geteuid() == 0:
        shutil.chown(base, "postgres")
        shutil.chown(sock, "postgres")
        os.chmod(base, 0o755)
        prefix = ["runuser", "-u", "postgres", "--"]
    port = 20000 + os.getpid() % 20000
    run = lambda *args: subprocess.run([*prefix, *args], check=True, capture_output=True, text=True)  # noqa: E731
    run(str(bindir / "initdb"), "-D", str(data), "-A", "trust", "-U", "postgres", "--no-sync", "-E", "UTF8")
    opts = f"-k {sock} -c listen_addresses='' -p {port} -F -c fsync=off"
    run(str(bindir / "pg_ctl"), "-D", str(data), "-o", opts, "-l", str(base / "log"), "-w", "start")
    try:
        yield PgServer(str(sock), port)
    finally:
        subprocess.run(
            [*prefix, str(bindir / "pg_ctl"), "-D", str(data), "-m", "immediate", "stop"], capture_output=True
        )
        shutil.rmtree(base, ignore_errors=True)
