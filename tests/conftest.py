from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.pgserver import PgServer, throwaway_cluster


@pytest.fixture(scope="session")
def pg() -> Iterator[PgServer]:
    """A throwaway PostgreSQL cluster for the whole session."""
    with throwaway_cluster() as server:
        yield server


@pytest.fixture(autouse=True)
def _no_cache_by_default(monkeypatch: pytest.MonkeyPatch) -> None:
    """Tests run miglint uncached (a monkeypatched rule must run); tests/test_cache.py opts in."""
    monkeypatch.setenv("MIGLINT_NO_CACHE", "1")
