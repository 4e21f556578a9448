"""build() makes the same frozen records as their constructors, still frozen."""

from __future__ import annotations

import dataclasses

import pytest

from miglint.findings import Finding, Level, Location
from miglint.frozen import build
from miglint.ir.ops import AddColumn, ColumnDef


def test_build_equals_the_constructor() -> None:
    location = Location("db/1.sql", 3, 5, 7, 2)
    built = build(Location, path="db/1.sql", line=3, column=5, end_line=7, end_column=2)
    assert built == location and hash(built) == hash(location) and repr(built) == repr(location)
    assert vars(built) == vars(location) and list(vars(built)) == [
        f.name for f in dataclasses.fields(Location)
    ]
    finding = Finding("MG101", "index-not-concurrent", Level.ERROR, "m", location, "h", "db/1.sql")
    fields = {f.name: getattr(finding, f.name) for f in dataclasses.fields(Finding)}
    assert build(Finding, **fields) == finding and vars(build(Finding, **fields)) == vars(finding)
    op = AddColumn(table="t", column=ColumnDef(name="c", type="int"))
    assert build(AddColumn, **vars(op)) == op


def test_built_records_stay_frozen() -> None:
    built = build(Location, path="a.sql", line=1, column=1, end_line=1, end_column=0)
    with pytest.raises(dataclasses.FrozenInstanceError):
        built.line = 2  # type: ignore[misc]
