"""A front end that raises costs one file (MG000 naming it), never the run."""

from __future__ import annotations

from pathlib import Path

import pytest

import miglint.parsers.sql as sql_front_end
from miglint.config import Settings
from miglint.discover import load
from miglint.engine import lint


def _findings(paths: list[str]) -> list[tuple[str, str]]:
    settings = Settings()
    loaded = load(paths, settings)
    return sorted((Path(f.location.path).name, f.code) for f in lint(loaded.migrations, settings).findings)


def test_sql_front_end_crash_is_mg000_for_that_file_only(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "001_ok.sql").write_text("-- Adds the index.\nCREATE INDEX i ON t (a);\n")
    (tmp_path / "002_bad.sql").write_text("-- Boom.\nCREATE INDEX j ON t (b);\n")
    real = sql_front_end.parse_sql

    def flaky(text: str, path: str, **kwargs: object) -> object:
        if path.endswith("002_bad.sql"):
            raise KeyError("front end bug")
        return real(text, path, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr("miglint.discover.parse_sql", flaky)
    found = _findings([str(tmp_path)])
    assert ("002_bad.sql", "MG000") in found
    assert ("001_ok.sql", "MG101") in found  # the other file is still linted
    assert ("001_ok.sql", "MG000") not in found


def test_django_app_reader_crash_falls_back_file_by_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    migrations = tmp_path / "shop" / "migrations"
    migrations.mkdir(parents=True)
    (migrations / "0001_initial.py").write_text(
        "from django.db import migrations, models\n\n\n"
        "class Migration(migrations.Migration):\n"
        "    initial = True\n"
        "    dependencies = []\n"
        "    operations = [\n"
        "        migrations.AddIndex(\n"
        "            model_name='order', index=models.Index(fields=['ref'], name='order_ref')\n"
        "        ),\n"
        "    ]\n"
    )

    def broken(files: object, settings: object) -> object:
        raise RuntimeError("app reader bug")

    monkeypatch.setattr("miglint.parsers.django.read_django_app", broken)
    found = _findings([str(tmp_path)])
    assert ("0001_initial.py", "MG000") in found
    assert ("0001_initial.py", "MG101") in found
