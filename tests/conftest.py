from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.pgserver import PgServer, throwaway_cluster


@pytest.fixture(scope="session")
def pg() -> Iterator[PgServer]:
    """A throwaway PostgreSQL cluster for the whole session."""
    with throwaway_cluster() as server:
        yield server
