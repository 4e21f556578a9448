"""Deterministic generator of a realistic migration corpus for the benchmark.

``python benchmarks/corpus.py OUTDIR`` writes, from a fixed seed:

- ``sql/``: PostgreSQL migrations of several services, in golang-migrate layout
  (``000042_add_phone.up.sql`` + ``.down.sql``, numbered or timestamped) and in a plain numbered
  layout (``0042_add_phone.sql`` wrapped in ``BEGIN``/``COMMIT``). Mixed DDL (tables, columns,
  indexes built concurrently or not, foreign keys and checks added ``NOT VALID`` then validated,
  type changes, ``SET NOT NULL``, renames, drops), DML (bounded and unbounded ``UPDATE`` /
  ``DELETE``, ``INSERT … SELECT``), ``DO`` blocks with batched loops, functions and triggers,
  ``SET lock_timeout``, comments. Every statement refers to tables and columns that exist at
  that point of the service's history.
- ``django/``: apps with ``migrations/`` packages as ``makemigrations`` writes them; each
  migration depends on the previous one of its app, foreign keys across apps add cross-app
  dependencies; ``CreateModel``, ``AddField``, ``AlterField``, ``RemoveField``, ``RenameField``,
  ``AddIndex`` / ``AddIndexConcurrently``, ``AddConstraint``, ``RunSQL``, ``RunPython``.
- ``alembic/``: a project as ``alembic init alembic`` lays it out; ``alembic/versions/`` holds a
  revision chain with one branch and its merge.
- ``corpus.json``: what was written (file and statement counts, folders, one sample file).

The same seed and sizes always give byte-identical files.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

DEFAULT_SEED = 20240611
DEFAULT_SQL_MIGRATIONS = 2000
DEFAULT_DJANGO_MIGRATIONS = 1400
DEFAULT_ALEMBIC_REVISIONS = 400

# --- shared vocabulary ------------------------------------------------------------------------

_NOUNS = (  # noqa: SIM905 (a word list reads better as text)
    "accounts users teams memberships invoices invoice_lines payments refunds subscriptions plans "
    "coupons tax_rates credit_notes payment_methods orders order_items carts cart_items products "
    "variants prices warehouses stock_levels shipments parcels carriers addresses customers "
    "contacts notes tickets ticket_comments articles categories tags taggings comments reactions "
    "notifications webhooks webhook_deliveries api_keys sessions audit_trails exports imports "
    "reports dashboards widgets events event_types schedules jobs job_runs feature_usages "
    "devices push_tokens locations regions stores employees shifts payouts ledgers ledger_entries"
).split()

#: (column, SQL type, default expression or None)
_SQL_COLUMNS: tuple[tuple[str, str, str | None], ...] = (
    ("email", "text", None),
    ("status", "text", "'pending'"),
    ("amount_cents", "bigint", "0"),
    ("currency", "char(3)", "'USD'"),
    ("external_id", "uuid", None),
    ("metadata", "jsonb", "'{}'::jsonb"),
    ("is_active", "boolean", "true"),
    ("archived_at", "timestamptz", None),
    ("description", "text", None),
    ("display_name", "varchar(255)", None),
    ("quantity", "integer", "1"),
    ("priority", "smallint", "0"),
    ("score", "numeric(10,2)", None),
    ("locale", "varchar(10)", "'en'"),
    ("phone", "varchar(32)", None),
    ("country_code", "char(2)", None),
    ("notes", "text", None),
    ("deleted_at", "timestamptz", None),
    ("lock_version", "integer", "0"),
    ("source", "varchar(64)", None),
    ("tags", "text[]", "'{}'"),
    ("last_seen_at", "timestamp", None),
    ("retry_count", "integer", "0"),
    ("region", "varchar(32)", None),
    ("slug", "varchar(100)", None),
    ("position", "integer", None),
    ("expires_at", "timestamptz", None),
    ("checksum", "bytea", None),
    ("timezone", "text", "'UTC'"),
    ("rating", "real", None),
    ("reference", "varchar(40)", None),
    ("sent_at", "timestamp", None),
)

_WIDER = {
    "integer": "bigint",
    "smallint": "integer",
    "real": "double precision",
    "timestamp": "timestamptz",
    "varchar(10)": "varchar(35)",
    "varchar(32)": "varchar(64)",
    "varchar(40)": "varchar(80)",
    "varchar(64)": "varchar(128)",
    "varchar(100)": "varchar(255)",
    "varchar(255)": "text",
    "numeric(10,2)": "numeric(14,2)",
}


def _sample_value(sql_type: str, rng: random.Random) -> str:
    """A literal of ``sql_type`` as a migration author would write it."""
    if sql_type in {"integer", "bigint", "smallint"}:
        return str(rng.choice((0, 1, 10, 100)))
    if sql_type.startswith(("numeric", "real", "double")):
        return rng.choice(("0", "0.0", "1.5"))
    if sql_type == "boolean":
        return rng.choice(("true", "false"))
    if sql_type in {"timestamptz", "timestamp"}:
        return "now()"
    if sql_type == "jsonb":
        return "'{}'::jsonb"
    if sql_type == "uuid":
        return "gen_random_uuid()"
    if sql_type == "char(3)":
        return "'USD'"
    if sql_type == "char(2)":
        return "'US'"
    if sql_type == "text[]":
        return "'{}'"
    if sql_type == "bytea":
        return "'\\x00'::bytea"
    return rng.choice(("'unknown'", "''", "'n/a'"))


def _check_expr(column: str, sql_type: str) -> str:
    if sql_type in {"integer", "bigint", "smallint"} or sql_type.startswith(("numeric", "real")):
        return f"{column} >= 0"
    if column == "status":
        return "status IN ('pending', 'active', 'suspended', 'closed')"
    if sql_type.startswith("char("):
        return f"char_length({column}) = {sql_type[5:-1]}"
    if sql_type in {"text", "varchar(255)"} or sql_type.startswith("varchar"):
        return f"{column} <> ''"
    return f"{column} IS NOT NULL"


# --- SQL schema state ---------------------------------------------------------------------------


@dataclass
class _SqlTable:
    name: str
    columns: dict[str, str] = field(default_factory=dict[str, str])
    not_null: set[str] = field(default_factory=set[str])
    indexes: list[str] = field(default_factory=list[str])
    constraints: list[str] = field(default_factory=list[str])
    protected: bool = False
    keys: frozenset[str] = frozenset()
    has_view: bool = False  # a view selects from it: it is never dropped
    parents: list[str] = field(default_factory=list[str])  # tables its foreign keys point at


@dataclass
class _SqlChange:
    """One logical change: statements of the up file, of the down file, and its name."""

    slug: str
    up: list[str]
    down: list[str]
    concurrent: bool = False  # must not run inside a transaction block
    comment: str | None = None


class _SqlService:
    """One service's schema and its migration writer."""

    def __init__(self, name: str, rng: random.Random, *, uuid_keys: bool, legacy_types: bool) -> None:
        self.name = name
        self.rng = rng
        self.uuid_keys = uuid_keys
        self.legacy_types = legacy_types
        self.tables: dict[str, _SqlTable] = {}
        self.enums: dict[str, list[str]] = {}
        self.views: list[str] = []
        self.functions: set[str] = set()
        self.counter = 0
        self.wrapped = False  # migrations run inside BEGIN/COMMIT
        self.used: set[str] = {"audit_events", "feature_flags"}

    def _fresh(self, prefix: str) -> str:
        self.counter += 1
        return f"{prefix}_{self.counter}"

    def _table(self, *, unprotected: bool = False) -> _SqlTable | None:
        choices = [t for t in self.tables.values() if not (unprotected and t.protected)]
        return self.rng.choice(choices) if choices else None

    def _new_column(self, table: _SqlTable) -> tuple[str, str, str | None]:
        free = [c for c in _SQL_COLUMNS if c[0] not in table.columns]
        if free:
            return self.rng.choice(free)
        name, sql_type, default = self.rng.choice(_SQL_COLUMNS)
        return f"{name}_{self._fresh('v').split('_')[1]}", sql_type, default

    def _user_columns(self, table: _SqlTable) -> list[str]:
        """Columns a change may touch: not keys, not the timestamps views select."""
        return [c for c in table.columns if c not in {"id", "created_at", "updated_at", *table.keys}]

    def _value(self, sql_type: str) -> str:
        if sql_type in self.enums:
            return f"'{self.enums[sql_type][0]}'"
        return _sample_value(sql_type, self.rng)

    # -- changes --

    def bootstrap(self) -> list[_SqlChange]:
        """The first migrations: extensions and the tables other migrations rely on."""
        audit = _SqlTable("audit_events", protected=True)
        audit.columns = {
            "id": "bigint",
            "table_name": "text",
            "row_id": "bigint",
            "action": "text",
            "created_at": "timestamptz",
        }
        audit.not_null = {"id", "table_name", "action", "created_at"}
        flags = _SqlTable("feature_flags", protected=True, keys=frozenset({"name"}))
        flags.columns = {"name": "text", "enabled": "boolean", "created_at": "timestamptz"}
        flags.not_null = {"name", "enabled", "created_at"}
        self.tables[audit.name] = audit
        self.tables[flags.name] = flags
        ext = "pgcrypto" if self.uuid_keys else "pg_trgm"
        return [
            _SqlChange(
                "enable_extensions",
                [f"CREATE EXTENSION IF NOT EXISTS {ext};"],
                [f"DROP EXTENSION IF EXISTS {ext};"],
                comment=f"Extensions used by the {self.name} service.",
            ),
            _SqlChange(
                "create_audit_events",
                [
                    "CREATE TABLE audit_events (\n"
                    "    id bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,\n"
                    "    table_name text NOT NULL,\n"
                    "    row_id bigint,\n"
                    "    action text NOT NULL,\n"
                    "    created_at timestamptz NOT NULL DEFAULT now()\n"
                    ");",
                    "CREATE INDEX audit_events_table_row_idx ON audit_events (table_name, row_id);",
                    "CREATE TABLE feature_flags (\n"
                    "    name text PRIMARY KEY,\n"
                    "    enabled boolean NOT NULL DEFAULT false,\n"
                    "    created_at timestamptz NOT NULL DEFAULT now()\n"
                    ");",
                ],
                ["DROP TABLE IF EXISTS feature_flags;", "DROP TABLE IF EXISTS audit_events;"],
            ),
        ]

    def create_table(self) -> _SqlChange | None:
        """``CREATE TABLE`` with a key, a foreign key or two, and its indexes."""
        # A name is never reused: a renamed table keeps its old index and key names.
        names = [n for n in _NOUNS if n not in self.used]
        if not names:
            return None
        name = self.rng.choice(names)
        self.used.add(name)
        table = _SqlTable(name)
        rng = self.rng
        lines: list[str] = []
        if self.uuid_keys:
            lines.append("id uuid PRIMARY KEY DEFAULT gen_random_uuid()")
            table.columns["id"] = "uuid"
        elif self.legacy_types and rng.random() < 0.5:
            lines.append("id serial PRIMARY KEY")
            table.columns["id"] = "integer"
        else:
            lines.append("id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY")
            table.columns["id"] = "bigint"
        table.not_null.add("id")
        up_extra: list[str] = []
        parents = [t for t in self.tables.values() if not t.protected]
        for parent in rng.sample(parents, k=min(len(parents), rng.choice((0, 1, 1, 2)))):
            col = f"{parent.name.rstrip('s')}_id"
            if col in table.columns:
                continue
            on_delete = rng.choice(("", " ON DELETE CASCADE", " ON DELETE SET NULL", " ON DELETE RESTRICT"))
            nullable = on_delete == " ON DELETE SET NULL"
            ref_type = "integer" if parent.columns["id"] == "integer" else parent.columns["id"]
            lines.append(
                f"{col} {ref_type}{'' if nullable else ' NOT NULL'} REFERENCES {parent.name} (id){on_delete}"
            )
            table.columns[col] = ref_type
            table.parents.append(parent.name)
            table.constraints.append(f"{name}_{col}_fkey")  # the name PostgreSQL gives it
            if not nullable:
                table.not_null.add(col)
            index = f"{name}_{col}_idx"
            up_extra.append(f"CREATE INDEX {index} ON {name} ({col});")
            table.indexes.append(index)
        for col, sql_type, default in rng.sample(_SQL_COLUMNS, k=rng.randint(2, 6)):
            if self.legacy_types and sql_type == "text" and rng.random() < 0.5:
                sql_type = "varchar(255)"
            not_null = default is not None and rng.random() < 0.7
            text = f"{col} {sql_type}"
            if not_null:
                text += " NOT NULL"
                table.not_null.add(col)
            if default is not None:
                text += f" DEFAULT {default}"
            lines.append(text)
            table.columns[col] = sql_type
        ts = "timestamp" if self.legacy_types else "timestamptz"
        lines.append(f"created_at {ts} NOT NULL DEFAULT now()")
        table.columns["created_at"] = ts
        if rng.random() < 0.6:
            lines.append(f"updated_at {ts} NOT NULL DEFAULT now()")
            table.columns["updated_at"] = ts
        if rng.random() < 0.25:
            col = self.rng.choice(self._user_columns(table))
            check = f"{name}_{col}_check"
            lines.append(f"CONSTRAINT {check} CHECK ({_check_expr(col, table.columns[col])})")
            table.constraints.append(check)
        body = ",\n".join(f"    {line}" for line in lines)
        up = [f"CREATE TABLE {name} (\n{body}\n);", *up_extra]
        if rng.random() < 0.3:
            up.append(
                f"COMMENT ON TABLE {name} IS "
                f"'{name.replace('_', ' ').capitalize()} of the {self.name} service';"
            )
        self.tables[name] = table
        return _SqlChange(f"create_{name}", up, [f"DROP TABLE IF EXISTS {name};"])

    def add_column(self) -> _SqlChange | None:
        """``ADD COLUMN``: nullable, or NOT NULL with a constant default."""
        table = self._table()
        if table is None:
            return None
        col, sql_type, default = self._new_column(table)
        text = f"ALTER TABLE {table.name} ADD COLUMN {col} {sql_type}"
        if default is not None and self.rng.random() < 0.5:
            text += f" NOT NULL DEFAULT {default}"
            table.not_null.add(col)
        elif default is not None and self.rng.random() < 0.3:
            text += f" DEFAULT {default}"
        elif self.rng.random() < 0.15:
            text = text.replace("ADD COLUMN", "ADD COLUMN IF NOT EXISTS")
        table.columns[col] = sql_type
        up = [text + ";"]
        if self.rng.random() < 0.2:
            up.append(f"COMMENT ON COLUMN {table.name}.{col} IS 'Set by the {self.name} API';")
        return _SqlChange(
            f"add_{col}_to_{table.name}", up, [f"ALTER TABLE {table.name} DROP COLUMN IF EXISTS {col};"]
        )

    def _batched_update(self, table: str, col: str, value: str) -> str:
        rng = self.rng
        size = rng.choice((1000, 5000, 10000))
        # COMMIT inside DO only works outside a transaction block.
        commit = "        COMMIT;\n" if not self.wrapped and rng.random() < 0.3 else ""
        skip = "\n            FOR UPDATE SKIP LOCKED" if rng.random() < 0.5 else ""
        return (
            "DO $$\n"
            "DECLARE\n"
            f"    batch_size integer := {size};\n"
            "    rows_updated integer;\n"
            "BEGIN\n"
            "    LOOP\n"
            f"        UPDATE {table}\n"
            f"        SET {col} = {value}\n"
            "        WHERE id IN (\n"
            f"            SELECT id FROM {table}\n"
            f"            WHERE {col} IS NULL\n"
            f"            LIMIT batch_size{skip}\n"
            "        );\n"
            "        GET DIAGNOSTICS rows_updated = ROW_COUNT;\n"
            f"        RAISE NOTICE '{table}.{col}: % rows', rows_updated;\n"
            "        EXIT WHEN rows_updated = 0;\n"
            f"{commit}"
            "        PERFORM pg_sleep(0.05);\n"
            "    END LOOP;\n"
            "END\n"
            "$$;"
        )

    def add_required_column(self) -> _SqlChange | None:
        """Expand pattern: nullable column, batched backfill, validated check, SET NOT NULL."""
        table = self._table(unprotected=True)
        if table is None:
            return None
        col, sql_type, default = self._new_column(table)
        value = default or self._value(sql_type)
        check = f"{table.name}_{col}_not_null"
        table.columns[col] = sql_type
        table.not_null.add(col)
        up = [
            f"ALTER TABLE {table.name} ADD COLUMN {col} {sql_type};",
            "-- Backfill in batches so no single transaction holds row locks for long.",
            self._batched_update(table.name, col, value),
            f"ALTER TABLE {table.name} ADD CONSTRAINT {check} CHECK ({col} IS NOT NULL) NOT VALID;",
            f"ALTER TABLE {table.name} VALIDATE CONSTRAINT {check};",
            f"ALTER TABLE {table.name} ALTER COLUMN {col} SET NOT NULL;",
            f"ALTER TABLE {table.name} DROP CONSTRAINT {check};",
        ]
        return _SqlChange(
            f"add_required_{col}_to_{table.name}",
            up,
            [f"ALTER TABLE {table.name} DROP COLUMN IF EXISTS {col};"],
            comment=f"Add {table.name}.{col} (NOT NULL) without a long lock.",
        )

    def create_index(self) -> _SqlChange | None:
        """``CREATE INDEX``, mostly ``CONCURRENTLY``; unique, partial or multi-column at times."""
        table = self._table()
        if table is None:
            return None
        rng = self.rng
        cols = self._user_columns(table) or ["created_at"]
        chosen = rng.sample(cols, k=min(len(cols), rng.choice((1, 1, 1, 2))))
        if rng.random() < 0.2 and "created_at" in table.columns:
            chosen.append("created_at")
        gin = len(chosen) == 1 and table.columns.get(chosen[0]) in {"jsonb", "text[]"}
        # gin indexes cannot be unique; the seeded tables hold duplicates.
        unique = not gin and not table.protected and rng.random() < 0.15
        name = f"{table.name}_{'_'.join(chosen)}_{'key' if unique else 'idx'}"[:63]
        if name in table.indexes:
            name = self._fresh(name[:55])
        concurrently = rng.random() < 0.7
        where = ""
        if "deleted_at" in table.columns and rng.random() < 0.5:
            where = " WHERE deleted_at IS NULL"
        method = " USING gin" if gin else ""
        text = (
            f"CREATE {'UNIQUE ' if unique else ''}INDEX {'CONCURRENTLY ' if concurrently else ''}"
            f"{'IF NOT EXISTS ' if rng.random() < 0.4 else ''}{name} ON {table.name}{method} "
            f"({', '.join(chosen)}){where};"
        )
        table.indexes.append(name)
        drop = f"DROP INDEX {'CONCURRENTLY ' if concurrently else ''}IF EXISTS {name};"
        return _SqlChange(
            f"index_{table.name}_{'_'.join(chosen)}"[:60], [text], [drop], concurrent=concurrently
        )

    def drop_index(self) -> _SqlChange | None:
        """``DROP INDEX`` (concurrently or not) of an existing index."""
        tables = [t for t in self.tables.values() if t.indexes and not t.protected]
        if not tables:
            return None
        table = self.rng.choice(tables)
        name = self.rng.choice(table.indexes)
        table.indexes.remove(name)
        concurrently = self.rng.random() < 0.6
        col = self._user_columns(table)[:1] or ["created_at"]
        return _SqlChange(
            f"drop_{name}"[:60],
            [f"DROP INDEX {'CONCURRENTLY ' if concurrently else ''}IF EXISTS {name};"],
            [f"CREATE INDEX {'CONCURRENTLY ' if concurrently else ''}{name} ON {table.name} ({col[0]});"],
            concurrent=concurrently,
        )

    def add_foreign_key(self) -> _SqlChange | None:
        """A new reference column and its foreign key, often ``NOT VALID`` + ``VALIDATE``."""
        children = [t for t in self.tables.values() if not t.protected]
        if len(children) < 2:
            return None
        child, parent = self.rng.sample(children, k=2)
        col = f"{parent.name.rstrip('s')}_id"
        if col in child.columns:
            col = f"{col[:-3]}_ref_{self._fresh('c').split('_')[1]}_id"
        ref_type = parent.columns["id"]
        fk = f"{child.name}_{col}_fkey"[:63]
        if fk in child.constraints:
            fk = self._fresh(fk[:55])
        child.columns[col] = ref_type
        child.parents.append(parent.name)
        child.constraints.append(fk)
        up = [f"ALTER TABLE {child.name} ADD COLUMN {col} {ref_type};"]
        if self.rng.random() < 0.6:
            up += [
                f"ALTER TABLE {child.name}\n    ADD CONSTRAINT {fk} FOREIGN KEY ({col}) "
                f"REFERENCES {parent.name} (id) NOT VALID;",
                f"ALTER TABLE {child.name} VALIDATE CONSTRAINT {fk};",
            ]
        else:
            up.append(
                f"ALTER TABLE {child.name} ADD CONSTRAINT {fk} "
                f"FOREIGN KEY ({col}) REFERENCES {parent.name} (id);"
            )
        down = [
            f"ALTER TABLE {child.name} DROP CONSTRAINT IF EXISTS {fk};",
            f"ALTER TABLE {child.name} DROP COLUMN IF EXISTS {col};",
        ]
        return _SqlChange(f"link_{child.name}_to_{parent.name}", up, down)

    def add_check(self) -> _SqlChange | None:
        """``ADD CONSTRAINT … CHECK``, validated separately most of the time."""
        table = self._table(unprotected=True)
        if table is None or not self._user_columns(table):
            return None
        col = self.rng.choice(self._user_columns(table))
        name = f"{table.name}_{col}_check"[:63]
        if name in table.constraints:
            return None
        table.constraints.append(name)
        expr = _check_expr(col, table.columns[col])
        if self.rng.random() < 0.6:
            up = [
                f"ALTER TABLE {table.name} ADD CONSTRAINT {name} CHECK ({expr}) NOT VALID;",
                f"ALTER TABLE {table.name} VALIDATE CONSTRAINT {name};",
            ]
        else:
            up = [f"ALTER TABLE {table.name} ADD CONSTRAINT {name} CHECK ({expr});"]
        return _SqlChange(
            f"check_{table.name}_{col}", up, [f"ALTER TABLE {table.name} DROP CONSTRAINT IF EXISTS {name};"]
        )

    def add_unique(self) -> _SqlChange | None:
        """A unique index built concurrently, then attached as a constraint."""
        table = self._table(unprotected=True)
        if table is None or not self._user_columns(table):
            return None
        col = self.rng.choice(self._user_columns(table))
        name = f"{table.name}_{col}_key"[:63]
        if name in table.constraints or name in table.indexes:
            return None
        table.constraints.append(name)
        up = [
            f"CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS {name} ON {table.name} ({col});",
            f"ALTER TABLE {table.name} ADD CONSTRAINT {name} UNIQUE USING INDEX {name};",
        ]
        return _SqlChange(
            f"unique_{table.name}_{col}",
            up,
            [f"ALTER TABLE {table.name} DROP CONSTRAINT IF EXISTS {name};"],
            concurrent=True,
        )

    def alter_type(self) -> _SqlChange | None:
        """``ALTER COLUMN … TYPE`` to a wider type (``USING`` where the cast needs it)."""
        candidates = [
            (t, c) for t in self.tables.values() for c in self._user_columns(t) if t.columns[c] in _WIDER
        ]
        if not candidates:
            return None
        table, col = self.rng.choice(candidates)
        old = table.columns[col]
        new = _WIDER[old]
        table.columns[col] = new
        using = f" USING {col} AT TIME ZONE 'UTC'" if old == "timestamp" else ""
        back_using = f" USING {col} AT TIME ZONE 'UTC'" if new == "timestamptz" else ""
        return _SqlChange(
            f"widen_{table.name}_{col}",
            [f"ALTER TABLE {table.name} ALTER COLUMN {col} TYPE {new}{using};"],
            [f"ALTER TABLE {table.name} ALTER COLUMN {col} TYPE {old}{back_using};"],
        )

    def set_not_null(self) -> _SqlChange | None:
        """``SET NOT NULL`` on a nullable column (sometimes after an unbounded backfill)."""
        candidates = [
            (t, c)
            for t in self.tables.values()
            if not t.protected
            for c in self._user_columns(t)
            if c not in t.not_null
        ]
        if not candidates:
            return None
        table, col = self.rng.choice(candidates)
        table.not_null.add(col)
        up: list[str] = []
        if self.rng.random() < 0.4:
            up.append(
                f"UPDATE {table.name} SET {col} = {self._value(table.columns[col])} WHERE {col} IS NULL;"
            )
        up.append(f"ALTER TABLE {table.name} ALTER COLUMN {col} SET NOT NULL;")
        return _SqlChange(
            f"require_{table.name}_{col}", up, [f"ALTER TABLE {table.name} ALTER COLUMN {col} DROP NOT NULL;"]
        )

    def drop_not_null(self) -> _SqlChange | None:
        """``DROP NOT NULL``."""
        candidates = [(t, c) for t in self.tables.values() for c in self._user_columns(t) if c in t.not_null]
        if not candidates:
            return None
        table, col = self.rng.choice(candidates)
        table.not_null.discard(col)
        return _SqlChange(
            f"optional_{table.name}_{col}",
            [f"ALTER TABLE {table.name} ALTER COLUMN {col} DROP NOT NULL;"],
            [f"ALTER TABLE {table.name} ALTER COLUMN {col} SET NOT NULL;"],
        )

    def set_default(self) -> _SqlChange | None:
        """``ALTER COLUMN … SET DEFAULT``."""
        table = self._table()
        if table is None or not self._user_columns(table):
            return None
        col = self.rng.choice(self._user_columns(table))
        value = self._value(table.columns[col])
        return _SqlChange(
            f"default_{table.name}_{col}",
            [f"ALTER TABLE {table.name} ALTER COLUMN {col} SET DEFAULT {value};"],
            [f"ALTER TABLE {table.name} ALTER COLUMN {col} DROP DEFAULT;"],
        )

    def rename_column(self) -> _SqlChange | None:
        """``RENAME COLUMN``."""
        table = self._table(unprotected=True)
        if table is None or not self._user_columns(table):
            return None
        col = self.rng.choice(self._user_columns(table))
        new = self.rng.choice((f"{col}_old", f"legacy_{col}", f"{col}_v2"))
        if new in table.columns:
            return None
        table.columns = {new if k == col else k: v for k, v in table.columns.items()}
        if col in table.not_null:
            table.not_null.discard(col)
            table.not_null.add(new)
        return _SqlChange(
            f"rename_{table.name}_{col}",
            [f"ALTER TABLE {table.name} RENAME COLUMN {col} TO {new};"],
            [f"ALTER TABLE {table.name} RENAME COLUMN {new} TO {col};"],
        )

    def rename_table(self) -> _SqlChange | None:
        """``ALTER TABLE … RENAME TO``."""
        table = self._table(unprotected=True)
        if table is None or table.name.endswith("_legacy"):
            return None
        old = table.name
        new = f"{old}_legacy"
        del self.tables[old]
        table.name = new
        self.tables[new] = table
        for other in self.tables.values():
            other.parents = [new if p == old else p for p in other.parents]
        return _SqlChange(
            f"rename_{old}",
            [f"ALTER TABLE {old} RENAME TO {new};"],
            [f"ALTER TABLE {new} RENAME TO {old};"],
            comment=f"{old} is superseded; keep the data under a new name for a release.",
        )

    def drop_column(self) -> _SqlChange | None:
        """``DROP COLUMN``; its down file adds the column back, nullable."""
        table = self._table(unprotected=True)
        if table is None or len(self._user_columns(table)) < 2:
            return None
        col = self.rng.choice(self._user_columns(table))
        sql_type = table.columns.pop(col)
        table.not_null.discard(col)
        if_exists = "IF EXISTS " if self.rng.random() < 0.5 else ""
        return _SqlChange(
            f"drop_{table.name}_{col}",
            [f"ALTER TABLE {table.name} DROP COLUMN {if_exists}{col};"],
            [f"ALTER TABLE {table.name} ADD COLUMN {col} {sql_type};"],
        )

    def drop_table(self) -> _SqlChange | None:
        """``DROP TABLE`` of a table nothing else references."""
        # Tables a foreign key points at stay.
        referenced = {p for u in self.tables.values() for p in u.parents}
        candidates = [
            t for t in self.tables.values() if not t.protected and not t.has_view and t.name not in referenced
        ]
        if len(self.tables) < 6 or not candidates:
            return None
        table = self.rng.choice(candidates)
        del self.tables[table.name]
        return _SqlChange(
            f"drop_{table.name}",
            [f"DROP TABLE {'IF EXISTS ' if self.rng.random() < 0.5 else ''}{table.name};"],
            [f"-- {table.name} cannot be restored by a migration: restore it from a backup."],
            comment=f"{table.name} has been unused since the v2 API.",
        )

    def update_rows(self) -> _SqlChange | None:
        """A data fix: unbounded or bounded ``UPDATE``."""
        table = self._table(unprotected=True)
        if table is None or not self._user_columns(table):
            return None
        col = self.rng.choice(self._user_columns(table))
        value = self._value(table.columns[col])
        if self.rng.random() < 0.5:
            text = f"UPDATE {table.name} SET {col} = {value} WHERE {col} IS NULL;"
        else:
            text = (
                f"UPDATE {table.name}\nSET {col} = {value}\n"
                f"WHERE id IN (SELECT id FROM {table.name} WHERE {col} IS NULL ORDER BY id LIMIT 5000);"
            )
        return _SqlChange(f"fix_{table.name}_{col}", [text], ["-- data fix: nothing to undo"])

    def delete_rows(self) -> _SqlChange | None:
        """Retention clean-up: ``DELETE``, sometimes bounded."""
        table = self._table(unprotected=True)
        if table is None or "created_at" not in table.columns:
            return None
        days = self.rng.choice((30, 90, 180, 365))
        if self.rng.random() < 0.5:
            text = f"DELETE FROM {table.name} WHERE created_at < now() - interval '{days} days';"
        else:
            text = (
                f"DELETE FROM {table.name}\nWHERE id IN (\n    SELECT id FROM {table.name}\n"
                f"    WHERE created_at < now() - interval '{days} days'\n    ORDER BY id\n    LIMIT 10000\n);"
            )
        return _SqlChange(f"purge_old_{table.name}", [text], ["-- deleted rows are not restored"])

    def insert_select(self) -> _SqlChange | None:
        """``INSERT … SELECT`` into the audit table, or a feature flag seed."""
        table = self._table(unprotected=True)
        if table is None or self.rng.random() < 0.4:
            flag = self._fresh("flag")
            return _SqlChange(
                f"seed_{flag}",
                [
                    f"INSERT INTO feature_flags (name, enabled) VALUES ('{flag}', false)\n"
                    "ON CONFLICT (name) DO NOTHING;"
                ],
                [f"DELETE FROM feature_flags WHERE name = '{flag}';"],
            )
        if table.columns.get("id") == "uuid":
            return None
        return _SqlChange(
            f"audit_{table.name}",
            [
                "INSERT INTO audit_events (table_name, row_id, action, created_at)\n"
                f"SELECT '{table.name}', id, 'snapshot', now()\nFROM {table.name}\n"
                f"WHERE created_at > now() - interval '7 days';"
            ],
            [f"DELETE FROM audit_events WHERE table_name = '{table.name}' AND action = 'snapshot';"],
        )

    def backfill_do(self) -> _SqlChange | None:
        """A ``DO`` block that backfills a nullable column in batches."""
        candidates = [
            (t, c)
            for t in self.tables.values()
            if not t.protected and t.columns.get("id") != "uuid"
            for c in self._user_columns(t)
            if c not in t.not_null
        ]
        if not candidates:
            return None
        table, col = self.rng.choice(candidates)
        value = self._value(table.columns[col])
        return _SqlChange(
            f"backfill_{table.name}_{col}",
            [self._batched_update(table.name, col, value)],
            ["-- backfill: nothing to undo"],
        )

    def enum_type(self) -> _SqlChange | None:
        """``CREATE TYPE … AS ENUM`` with a column using it, or ``ALTER TYPE … ADD VALUE``."""
        if self.enums and self.rng.random() < 0.5:
            name = self.rng.choice(sorted(self.enums))
            value = f"state_{len(self.enums[name])}"
            self.enums[name].append(value)
            return _SqlChange(
                f"add_{value}_to_{name}",
                [f"ALTER TYPE {name} ADD VALUE IF NOT EXISTS '{value}';"],
                [f"-- enum values cannot be removed: {name}.{value} stays"],
                concurrent=True,
            )
        table = self._table(unprotected=True)
        if table is None:
            return None
        name = f"{table.name.rstrip('s')}_kind"
        if name in self.enums:
            return None
        self.enums[name] = ["standard", "premium", "internal"]
        col = "kind" if "kind" not in table.columns else self._fresh("kind")
        table.columns[col] = name
        return _SqlChange(
            f"create_{name}",
            [
                f"CREATE TYPE {name} AS ENUM ('standard', 'premium', 'internal');",
                f"ALTER TABLE {table.name} ADD COLUMN {col} {name} NOT NULL DEFAULT 'standard';",
            ],
            [f"ALTER TABLE {table.name} DROP COLUMN {col};", f"DROP TYPE {name};"],
        )

    def view(self) -> _SqlChange | None:
        """``CREATE OR REPLACE VIEW`` over recent rows."""
        table = self._table(unprotected=True)
        if table is None:
            return None
        name = f"recent_{table.name}"
        if name in self.views:
            return None
        shown = self._user_columns(table)[:3]
        cols = ", ".join(["id", *shown, "created_at"])
        self.views.append(name)
        # A view pins the columns it selects: later changes leave them (and the table) alone.
        table.keys = table.keys | set(shown)
        table.has_view = True
        return _SqlChange(
            f"view_{name}",
            [
                f"CREATE OR REPLACE VIEW {name} AS\nSELECT {cols}\nFROM {table.name}\n"
                "WHERE created_at > now() - interval '30 days';"
            ],
            [f"DROP VIEW IF EXISTS {name};"],
        )

    def trigger(self) -> _SqlChange | None:
        """An ``updated_at`` trigger and its plpgsql function."""
        candidates = [t for t in self.tables.values() if "updated_at" in t.columns and not t.protected]
        if not candidates:
            return None
        table = self.rng.choice(candidates)
        trigger = f"{table.name}_set_updated_at"
        up: list[str] = []
        if "set_updated_at" not in self.functions:
            self.functions.add("set_updated_at")
            up.append(
                "CREATE OR REPLACE FUNCTION set_updated_at() RETURNS trigger\n"
                "LANGUAGE plpgsql AS $$\nBEGIN\n    NEW.updated_at := now();\n    RETURN NEW;\nEND;\n$$;"
            )
        up += [
            f"DROP TRIGGER IF EXISTS {trigger} ON {table.name};",
            f"CREATE TRIGGER {trigger}\n    BEFORE UPDATE ON {table.name}\n"
            "    FOR EACH ROW EXECUTE FUNCTION set_updated_at();",
        ]
        return _SqlChange(
            f"trigger_{table.name}_updated_at", up, [f"DROP TRIGGER IF EXISTS {trigger} ON {table.name};"]
        )

    def comment(self) -> _SqlChange | None:
        """``COMMENT ON COLUMN``."""
        table = self._table()
        if table is None or not self._user_columns(table):
            return None
        col = self.rng.choice(self._user_columns(table))
        return _SqlChange(
            f"document_{table.name}_{col}",
            [f"COMMENT ON COLUMN {table.name}.{col} IS 'See docs/data-model.md#{table.name}';"],
            [f"COMMENT ON COLUMN {table.name}.{col} IS NULL;"],
        )

    def kinds(self) -> list[tuple[Callable[[], _SqlChange | None], int]]:
        """Each kind of change and its weight."""
        return [
            (self.create_table, 10 if len(self.tables) < 25 else 3),
            (self.add_column, 14),
            (self.add_required_column, 4),
            (self.create_index, 11),
            (self.drop_index, 3),
            (self.add_foreign_key, 5),
            (self.add_check, 5),
            (self.add_unique, 2),
            (self.alter_type, 4),
            (self.set_not_null, 4),
            (self.drop_not_null, 2),
            (self.set_default, 3),
            (self.rename_column, 2),
            (self.rename_table, 1),
            (self.drop_column, 4),
            (self.drop_table, 1),
            (self.update_rows, 5),
            (self.delete_rows, 3),
            (self.insert_select, 3),
            (self.backfill_do, 3),
            (self.enum_type, 2),
            (self.view, 2),
            (self.trigger, 1),
            (self.comment, 2),
        ]

    def next_change(self) -> _SqlChange:
        """A change of a random kind (retrying kinds that do not apply to the current schema)."""
        kinds = self.kinds()
        makers = [k for k, _ in kinds]
        weights = [w for _, w in kinds]
        while True:
            maker = self.rng.choices(makers, weights)[0]
            change = maker()
            if change is not None:
                return change


_TICKETS = ("JIRA", "PLAT", "DATA", "OPS", "BILL")


def _sql_header(rng: random.Random, changes: Sequence[_SqlChange]) -> list[str]:
    lines: list[str] = []
    described = next((c.comment for c in changes if c.comment), None)
    if described or rng.random() < 0.7:
        text = described or changes[0].slug.replace("_", " ").capitalize()
        if rng.random() < 0.4:
            text += f" ({rng.choice(_TICKETS)}-{rng.randint(100, 9999)})"
        lines.append(f"-- {text}")
    if rng.random() < 0.1:
        lines.append("/*\n * Reviewed by the data platform team.\n * Safe to run during business hours.\n */")
    return lines


@dataclass
class _Written:
    files: list[str] = field(default_factory=list[str])
    statements: int = 0  # of migrations (up files)
    down_statements: int = 0
    migrations: int = 0


def _count_statements(statements: Sequence[str]) -> int:
    return sum(1 for s in statements if not s.lstrip().startswith("--"))


def _write_sql_service(
    root: Path,
    service: _SqlService,
    count: int,
    *,
    layout: str,
    start: datetime,
    written: _Written,
) -> None:
    """Write ``count`` migrations of ``service`` under ``root`` in ``layout``.

    ``layout`` is ``golang`` (numbered up/down pairs), ``golang-ts`` (timestamped up/down pairs)
    or ``plain`` (numbered single files, wrapped in a transaction unless that cannot be).
    """
    rng = service.rng
    root.mkdir(parents=True, exist_ok=True)
    pending = service.bootstrap()
    when = start
    for number in range(1, count + 1):
        if pending:
            changes = [pending.pop(0)]
        else:
            first = service.next_change()
            changes = [first]
            if not first.concurrent:
                for _ in range(rng.choices((0, 1, 2, 3), (34, 33, 20, 13))[0]):
                    extra = service.next_change()
                    if extra.concurrent:
                        continue
                    changes.append(extra)
        concurrent = any(c.concurrent for c in changes)
        body: list[str] = []
        if rng.random() < 0.45 or concurrent:
            body.append(f"SET lock_timeout = '{rng.choice(('2s', '3s', '5s', '10s'))}';")
        if rng.random() < 0.1:
            body.append("SET statement_timeout = '15min';")
        for change in changes:
            body.extend(change.up)
        down = [s for c in reversed(changes) for s in c.down]
        header = _sql_header(rng, changes)
        slug = changes[0].slug[:60].rstrip("_")
        when += timedelta(hours=rng.randint(2, 200), minutes=rng.randint(0, 59))
        lead = [*header, ""] if header else []
        if layout == "plain":
            if not concurrent:
                body = ["BEGIN;", *body, "COMMIT;"]
            path = root / f"{number:04d}_{slug}.sql"
            path.write_text("\n".join([*lead, *body]) + "\n", encoding="utf-8")
            written.files.append(str(path))
        else:
            prefix = when.strftime("%Y%m%d%H%M%S") if layout == "golang-ts" else f"{number:06d}"
            up_path = root / f"{prefix}_{slug}.up.sql"
            down_path = root / f"{prefix}_{slug}.down.sql"
            up_path.write_text("\n".join([*lead, *body]) + "\n", encoding="utf-8")
            down_path.write_text("\n".join(down) + "\n", encoding="utf-8")
            written.files += [str(up_path), str(down_path)]
            written.down_statements += _count_statements(down)
        written.statements += _count_statements(body)
        written.migrations += 1


#: (folder under sql/, layout, share of the migrations, uuid keys, legacy types)
_SQL_SERVICES = (
    ("services/billing/migrations", "golang", 0.26, False, False),
    ("services/catalog/db/migrations", "golang-ts", 0.22, True, False),
    ("services/events/migrations", "golang", 0.14, False, False),
    ("legacy/core/sql", "plain", 0.24, False, True),
    ("tools/reporting/migrations", "plain", 0.14, False, False),
)


def generate_sql(root: Path, migrations: int, seed: int) -> _Written:
    """Write ``migrations`` SQL migrations spread over several services under ``root``."""
    written = _Written()
    remaining = migrations
    for i, (folder, layout, share, uuid_keys, legacy) in enumerate(_SQL_SERVICES):
        count = remaining if i == len(_SQL_SERVICES) - 1 else max(1, round(migrations * share))
        count = min(count, remaining)
        remaining -= count
        if count <= 0:
            continue
        rng = random.Random(f"{seed}:sql:{folder}")
        service = _SqlService(folder.split("/")[1], rng, uuid_keys=uuid_keys, legacy_types=legacy)
        service.wrapped = layout == "plain"
        _write_sql_service(
            root / folder,
            service,
            count,
            layout=layout,
            start=datetime(2018, 1, 1) + timedelta(days=40 * i),
            written=written,
        )
    return written


# --- Django ----------------------------------------------------------------------------------------

_DJANGO_APPS: dict[str, tuple[str, ...]] = {
    "accounts": ("Profile", "Team", "Membership", "Invitation", "ApiToken", "LoginAttempt"),
    "catalog": ("Product", "Variant", "Category", "Brand", "PriceList", "Attribute"),
    "orders": ("Order", "OrderLine", "Cart", "CartItem", "ReturnRequest", "Discount"),
    "billing": ("Invoice", "Payment", "Refund", "Subscription", "Plan", "TaxRate"),
    "inventory": ("Warehouse", "StockLevel", "StockMove", "Supplier", "PurchaseOrder"),
    "shipping": ("Shipment", "Parcel", "Carrier", "Rate", "TrackingEvent"),
    "notifications": ("Notification", "Template", "Channel", "Delivery", "Preference"),
    "support": ("Ticket", "Comment", "Macro", "Queue", "SatisfactionRating"),
}

#: (field name, field class, keyword arguments as makemigrations writes them)
_DJANGO_FIELDS: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("title", "CharField", ("max_length=200",)),
    ("name", "CharField", ("max_length=100",)),
    ("email", "EmailField", ("max_length=254",)),
    (
        "status",
        "CharField",
        (
            'choices=[("pending", "Pending"), ("active", "Active"), ("closed", "Closed")]',
            'default="pending"',
            "max_length=16",
        ),
    ),
    ("amount", "DecimalField", ("decimal_places=2", "default=0", "max_digits=12")),
    ("quantity", "PositiveIntegerField", ("default=1",)),
    ("is_active", "BooleanField", ("default=True",)),
    ("notes", "TextField", ("blank=True",)),
    ("metadata", "JSONField", ("blank=True", "default=dict")),
    ("external_id", "UUIDField", ("default=uuid.uuid4", "editable=False", "unique=True")),
    ("archived_at", "DateTimeField", ("blank=True", "null=True")),
    ("slug", "SlugField", ("max_length=100",)),
    ("priority", "SmallIntegerField", ("default=0",)),
    ("score", "FloatField", ("blank=True", "null=True")),
    ("position", "PositiveIntegerField", ("default=0",)),
    ("url", "URLField", ("blank=True",)),
    ("phone", "CharField", ("blank=True", "max_length=32")),
    ("country", "CharField", ("blank=True", "max_length=2")),
    ("currency", "CharField", ('default="USD"', "max_length=3")),
    ("expires_at", "DateTimeField", ("blank=True", "null=True")),
    ("reference", "CharField", ("blank=True", "max_length=40", "null=True")),
    ("weight_grams", "IntegerField", ("blank=True", "null=True")),
    ("locale", "CharField", ('default="en"', "max_length=10")),
    ("sent_at", "DateTimeField", ("blank=True", "null=True")),
)


@dataclass
class _DjField:
    cls: str
    kwargs: tuple[str, ...]

    @property
    def null(self) -> bool:
        return "null=True" in self.kwargs

    def get(self, key: str) -> str | None:
        return next((k.split("=", 1)[1] for k in self.kwargs if k.startswith(key + "=")), None)

    def with_kwargs(self, *add: str, drop: Sequence[str] = ()) -> _DjField:
        """A copy with ``drop`` keys removed and ``add`` items set (replacing the same keys)."""
        keys = {a.split("=", 1)[0] for a in add} | set(drop)
        kept = [k for k in self.kwargs if k.split("=", 1)[0] not in keys]
        return _DjField(self.cls, tuple(sorted([*kept, *add])))

    def text(self) -> str:
        # makemigrations writes keyword arguments sorted by name.
        return f"models.{self.cls}({', '.join(sorted(self.kwargs))})"


@dataclass
class _DjModel:
    app: str
    name: str
    fields: dict[str, _DjField] = field(default_factory=dict[str, _DjField])
    indexes: list[str] = field(default_factory=list[str])

    @property
    def table(self) -> str:
        return f"{self.app}_{self.name.lower()}"

    @property
    def label(self) -> str:
        return f"{self.app}.{self.name.lower()}"


@dataclass
class _DjApp:
    name: str
    models: dict[str, _DjModel] = field(default_factory=dict[str, _DjModel])
    migrations: list[str] = field(default_factory=list[str])
    unused: list[str] = field(default_factory=list[str])


def _py_value(f: _DjField) -> str:
    """A value a data migration would store in ``f``."""
    if f.cls in {"CharField", "TextField", "SlugField", "EmailField", "URLField"}:
        return f.get("default") or '""'
    if f.cls == "BooleanField":
        return "True"
    if f.cls == "DateTimeField":
        return 'models.F("created_at")'
    if f.cls == "JSONField":
        return "{}"
    if f.cls == "UUIDField":
        return "uuid.uuid4()"
    if f.cls == "ForeignKey":
        return "None"
    return "0"


class _DjangoWriter:
    """Writes the migrations of several apps in one global timeline."""

    def __init__(self, root: Path, rng: random.Random) -> None:
        self.root = root
        self.rng = rng
        self.apps: dict[str, _DjApp] = {}
        self.when = datetime(2019, 3, 4, 9, 30)
        self.files: list[str] = []

    def _version(self) -> str:
        year = self.when.year
        if year < 2021:
            return "3.1.7"
        if year < 2023:
            return "3.2.16"
        if year < 2025:
            return "4.2.11"
        return "5.0.6"

    def _fk(self, app: _DjApp, deps: set[tuple[str, str]]) -> tuple[str, _DjField]:
        """A foreign key to a model of this or an earlier app (adding the dependency)."""
        targets = [m for a in self.apps.values() for m in a.models.values() if a.migrations or a is app]
        on_delete = self.rng.choice(("CASCADE", "CASCADE", "PROTECT", "SET_NULL"))
        kwargs = [f"on_delete=django.db.models.deletion.{on_delete}"]
        if on_delete == "SET_NULL":
            kwargs += ["blank=True", "null=True"]
        if not targets or self.rng.random() < 0.15:
            deps.add(("__setting__", "AUTH_USER_MODEL"))
            kwargs += ['related_name="+"', "to=settings.AUTH_USER_MODEL"]
            return "owner", _DjField("ForeignKey", tuple(sorted(kwargs)))
        target = self.rng.choice(targets)
        if target.app != app.name:
            other = self.apps[target.app]
            deps.add((other.name, other.migrations[-1]))
        related = self.rng.choice(("items", "entries", "links", "records"))
        kwargs += [f'related_name="{app.name}_{related}"', f'to="{target.label}"']
        return target.name.lower(), _DjField("ForeignKey", tuple(sorted(kwargs)))

    def _create_model(self, app: _DjApp, deps: set[tuple[str, str]]) -> tuple[str, str] | None:
        if not app.unused:
            return None
        name = app.unused.pop(0)
        model = _DjModel(app.name, name)
        model.fields["id"] = _DjField(
            "BigAutoField", ("auto_created=True", "primary_key=True", "serialize=False", 'verbose_name="ID"')
        )
        for fname, cls, kwargs in self.rng.sample(_DJANGO_FIELDS, k=self.rng.randint(2, 5)):
            model.fields[fname] = _DjField(cls, kwargs)
        model.fields["created_at"] = _DjField("DateTimeField", ("auto_now_add=True",))
        if self.rng.random() < 0.6:
            fname, fk = self._fk(app, deps)
            if fname not in model.fields:
                model.fields[fname] = fk
        app.models[name] = model
        lines = ",\n".join(f'                ("{n}", {f.text()})' for n, f in model.fields.items())
        options = ""
        if self.rng.random() < 0.4:
            options = '\n            options={\n                "ordering": ["-created_at"],\n            },'
        op = (
            "        migrations.CreateModel(\n"
            f'            name="{name}",\n'
            f"            fields=[\n{lines},\n            ],{options}\n"
            "        ),"
        )
        return op, name.lower()

    def _pick_model(self, app: _DjApp) -> _DjModel | None:
        return self.rng.choice(list(app.models.values())) if app.models else None

    def _user_fields(self, model: _DjModel) -> list[str]:
        return [n for n in model.fields if n not in {"id", "created_at"}]

    def _add_field(self, app: _DjApp, deps: set[tuple[str, str]]) -> tuple[str, str] | None:
        model = self._pick_model(app)
        if model is None:
            return None
        if self.rng.random() < 0.25:
            fname, f = self._fk(app, deps)
            if fname in model.fields:
                return None
        else:
            free = [x for x in _DJANGO_FIELDS if x[0] not in model.fields]
            if not free:
                return None
            fname, cls, kwargs = self.rng.choice(free)
            f = _DjField(cls, kwargs)
        written = f
        preserve = ""
        if not f.null and f.get("default") is None and f.cls != "ForeignKey" and self.rng.random() < 0.5:
            # The one-off default makemigrations asks for when a NOT NULL column is added.
            stringy = f.cls in {"CharField", "TextField", "SlugField", "EmailField", "URLField"}
            written = f.with_kwargs('default=""' if stringy else "default=0")
            preserve = "\n            preserve_default=False,"
        model.fields[fname] = f
        op = (
            "        migrations.AddField(\n"
            f'            model_name="{model.name.lower()}",\n'
            f'            name="{fname}",\n'
            f"            field={written.text()},{preserve}\n"
            "        ),"
        )
        return op, f"{model.name.lower()}_{fname}"

    def _alter_field(self, app: _DjApp, deps: set[tuple[str, str]]) -> tuple[str, str] | None:
        model = self._pick_model(app)
        if model is None or not self._user_fields(model):
            return None
        fname = self.rng.choice(self._user_fields(model))
        f = model.fields[fname]
        choice = self.rng.random()
        length = f.get("max_length")
        if length is not None and choice < 0.4:
            f = f.with_kwargs(f"max_length={int(length) * 2}")
        elif f.null and choice < 0.6:
            add = ("default=django.utils.timezone.now",) if f.cls == "DateTimeField" else ()
            f = f.with_kwargs(*add, drop=("null", "blank"))
        elif not f.null and f.cls != "ForeignKey" and choice < 0.75:
            f = f.with_kwargs("blank=True", "null=True")
        elif f.cls == "IntegerField" and choice < 0.85:
            f = _DjField("BigIntegerField", f.kwargs)
        elif f.get("db_index") is None:
            f = f.with_kwargs("db_index=True")
        else:
            f = f.with_kwargs(f'help_text="{fname.replace("_", " ")}"')
        model.fields[fname] = f
        op = (
            "        migrations.AlterField(\n"
            f'            model_name="{model.name.lower()}",\n'
            f'            name="{fname}",\n'
            f"            field={f.text()},\n"
            "        ),"
        )
        return op, f"alter_{model.name.lower()}_{fname}"

    def _remove_field(self, app: _DjApp, deps: set[tuple[str, str]]) -> tuple[str, str] | None:
        model = self._pick_model(app)
        if model is None or len(self._user_fields(model)) < 2:
            return None
        fname = self.rng.choice(self._user_fields(model))
        del model.fields[fname]
        op = (
            "        migrations.RemoveField(\n"
            f'            model_name="{model.name.lower()}",\n'
            f'            name="{fname}",\n'
            "        ),"
        )
        return op, f"remove_{model.name.lower()}_{fname}"

    def _rename_field(self, app: _DjApp, deps: set[tuple[str, str]]) -> tuple[str, str] | None:
        model = self._pick_model(app)
        if model is None or not self._user_fields(model):
            return None
        old = self.rng.choice(self._user_fields(model))
        new = f"{old}_old" if not old.endswith("_old") else f"{old[:-4]}_legacy"
        if new in model.fields:
            return None
        model.fields = {new if k == old else k: v for k, v in model.fields.items()}
        op = (
            "        migrations.RenameField(\n"
            f'            model_name="{model.name.lower()}",\n'
            f'            old_name="{old}",\n'
            f'            new_name="{new}",\n'
            "        ),"
        )
        return op, f"rename_{old}_{model.name.lower()}_{new}"

    def _add_index(self, app: _DjApp, deps: set[tuple[str, str]]) -> tuple[str, str] | None:
        model = self._pick_model(app)
        if model is None or not self._user_fields(model):
            return None
        fields = self.rng.sample(
            self._user_fields(model), k=min(2, len(self._user_fields(model)), self.rng.choice((1, 2)))
        )
        digest = f"{self.rng.getrandbits(24):06x}"
        name = f"{model.table[:11]}_{fields[0][:7]}_{digest}_idx"
        model.indexes.append(name)
        field_list = ", ".join(f'"{x}"' for x in fields)
        op = (
            f"        {{op}}(\n"
            f'            model_name="{model.name.lower()}",\n'
            f'            index=models.Index(fields=[{field_list}], name="{name}"),\n'
            "        ),"
        )
        return op, f"{model.name.lower()}_{name}"

    def _add_constraint(self, app: _DjApp, deps: set[tuple[str, str]]) -> tuple[str, str] | None:
        model = self._pick_model(app)
        if model is None or not self._user_fields(model):
            return None
        fname = self.rng.choice(self._user_fields(model))
        f = model.fields[fname]
        if f.cls in {
            "PositiveIntegerField",
            "DecimalField",
            "IntegerField",
            "SmallIntegerField",
            "FloatField",
        }:
            name = f"{model.name.lower()}_{fname}_gte_0"
            cond = self.rng.choice(("check", "condition")) if self._version() >= "5" else "check"
            constraint = f'models.CheckConstraint({cond}=models.Q(("{fname}__gte", 0)), name="{name}")'
        else:
            name = f"unique_{model.name.lower()}_{fname}"
            constraint = f'models.UniqueConstraint(fields=("{fname}",), name="{name}")'
        op = (
            "        migrations.AddConstraint(\n"
            f'            model_name="{model.name.lower()}",\n'
            f"            constraint={constraint},\n"
            "        ),"
        )
        return op, name

    def _run_sql(self, app: _DjApp, deps: set[tuple[str, str]]) -> tuple[str, str] | None:
        model = self._pick_model(app)
        if model is None or not self._user_fields(model):
            return None
        fname = self.rng.choice(self._user_fields(model))
        if self.rng.random() < 0.5:
            sql = f"UPDATE {model.table} SET {fname} = DEFAULT WHERE {fname} IS NULL"
            op = (
                "        migrations.RunSQL(\n"
                f'            sql="{sql}",\n'
                "            reverse_sql=migrations.RunSQL.noop,\n"
                "        ),"
            )
            return op, f"fix_{model.name.lower()}_{fname}"
        index = f"{model.table}_{fname}_trgm"[:63]
        op = (
            "        migrations.RunSQL(\n"
            f'            sql="CREATE INDEX IF NOT EXISTS {index} ON {model.table} ({fname})",\n'
            f'            reverse_sql="DROP INDEX IF EXISTS {index}",\n'
            "        ),"
        )
        return op, f"{model.name.lower()}_{fname}_index"

    def _run_python(self, app: _DjApp, deps: set[tuple[str, str]]) -> tuple[str, str] | None:
        model = self._pick_model(app)
        if model is None or not self._user_fields(model):
            return None
        nullable = [n for n in self._user_fields(model) if model.fields[n].null]
        fname = self.rng.choice(nullable or self._user_fields(model))
        value = _py_value(model.fields[fname])
        if value == "uuid.uuid4()":
            return None
        func = f"backfill_{model.name.lower()}_{fname}"
        var = model.name
        style = self.rng.random()
        if style < 0.4:
            body = (
                f"def {func}(apps, schema_editor):\n"
                f'    {var} = apps.get_model("{app.name}", "{model.name}")\n'
                f"    {var}.objects.filter({fname}__isnull=True).update({fname}={value})\n"
            )
        elif style < 0.8:
            body = (
                f"def {func}(apps, schema_editor):\n"
                f'    {var} = apps.get_model("{app.name}", "{model.name}")\n'
                "    batch = []\n"
                f"    for obj in {var}.objects.filter({fname}__isnull=True).iterator(chunk_size=2000):\n"
                f"        obj.{fname} = {value}\n"
                "        batch.append(obj)\n"
                "        if len(batch) >= 2000:\n"
                f'            {var}.objects.bulk_update(batch, ["{fname}"])\n'
                "            batch.clear()\n"
                "    if batch:\n"
                f'        {var}.objects.bulk_update(batch, ["{fname}"])\n'
            )
        else:
            body = (
                f"def {func}(apps, schema_editor):\n"
                f'    {var} = apps.get_model("{app.name}", "{model.name}")\n'
                f"    for obj in {var}.objects.all():\n"
                f"        obj.{fname} = {value}\n"
                "        obj.save()\n"
            )
        op = f"        migrations.RunPython({func}, migrations.RunPython.noop),"
        return body + "@@OP@@" + op, func

    def _delete_model(self, app: _DjApp, deps: set[tuple[str, str]]) -> tuple[str, str] | None:
        if len(app.models) < 4:
            return None
        referenced = {
            (f.get("to") or "").strip('"')
            for a in self.apps.values()
            for m in a.models.values()
            for f in m.fields.values()
        }
        candidates = [m for m in app.models.values() if m.label not in referenced]
        if not candidates:
            return None
        model = self.rng.choice(candidates)
        del app.models[model.name]
        return (
            f'        migrations.DeleteModel(\n            name="{model.name}",\n        ),',
            f"delete_{model.name.lower()}",
        )

    def step(self, app: _DjApp) -> None:
        """Write the next migration of ``app``."""
        rng = self.rng
        deps: set[tuple[str, str]] = set()
        ops: list[str] = []
        names: list[str] = []
        functions: list[str] = []
        atomic = True
        concurrent_index = False
        initial = not app.migrations
        if initial:
            for _ in range(min(len(app.unused), rng.randint(1, 3))):
                made = self._create_model(app, deps)
                if made is not None:
                    ops.append(made[0])
        else:
            kinds: list[tuple[Callable[[_DjApp, set[tuple[str, str]]], tuple[str, str] | None], int]] = [
                (self._create_model, 4),
                (self._add_field, 22),
                (self._alter_field, 14),
                (self._remove_field, 6),
                (self._rename_field, 2),
                (self._add_index, 8),
                (self._add_constraint, 5),
                (self._run_sql, 4),
                (self._run_python, 5),
                (self._delete_model, 1),
            ]
            makers = [k for k, _ in kinds]
            weights = [w for _, w in kinds]
            wanted = rng.choices((1, 2, 3, 4), (55, 25, 12, 8))[0]
            tries = 0
            while len(ops) < wanted and tries < 30:
                tries += 1
                maker = rng.choices(makers, weights)[0]
                made = maker(app, deps)
                if made is None:
                    continue
                op, name = made
                if name in names:
                    continue
                if maker == self._add_index:
                    if rng.random() < 0.35 and not ops:
                        concurrent_index = True
                        atomic = False
                        op = op.replace("{op}", "AddIndexConcurrently")
                        wanted = 1
                    else:
                        op = op.replace("{op}", "migrations.AddIndex")
                if "@@OP@@" in op:
                    func, op = op.split("@@OP@@")
                    functions.append(func)
                ops.append(op)
                names.append(name)
                if concurrent_index:
                    break
        self.when += timedelta(hours=rng.randint(1, 30), minutes=rng.randint(0, 59))
        number = len(app.migrations) + 1
        if initial:
            slug = "initial"
        elif len(names) == 1:
            slug = names[0]
        elif rng.random() < 0.5:
            slug = f"auto_{self.when:%Y%m%d_%H%M}"
        else:
            slug = "_".join(names[:2])
        mig_name = f"{number:04d}_{slug}"[:80].rstrip("_")
        dep_lines: list[str] = []
        if ("__setting__", "AUTH_USER_MODEL") in deps:
            dep_lines.append("        migrations.swappable_dependency(settings.AUTH_USER_MODEL),")
        if app.migrations:
            dep_lines.append(f'        ("{app.name}", "{app.migrations[-1]}"),')
        for dep_app, dep_name in sorted(d for d in deps if d[0] != "__setting__"):
            dep_lines.append(f'        ("{dep_app}", "{dep_name}"),')
        body = "\n".join(ops)
        imports: list[str] = []
        if "settings." in body or any("swappable" in d for d in dep_lines):
            imports.append("from django.conf import settings")
        if concurrent_index:
            imports.append("from django.contrib.postgres.operations import AddIndexConcurrently")
        imports.append("from django.db import migrations, models")
        head_imports: list[str] = []
        if "django.db.models.deletion" in body:
            head_imports.append("import django.db.models.deletion")
        if "django.utils.timezone" in body:
            head_imports.append("import django.utils.timezone")
        if "uuid.uuid4" in body:
            head_imports.append("import uuid")
        header = f"# Generated by Django {self._version()} on {self.when:%Y-%m-%d %H:%M}\n\n"
        import_block = "\n".join([*head_imports, *imports]) + "\n"
        funcs = "".join(f"\n\n{f}" for f in functions)  # each ends with a newline
        klass = "\n\nclass Migration(migrations.Migration):\n"
        if initial:
            klass += "\n    initial = True\n"
        if not atomic:
            klass += "\n    atomic = False\n"
        klass += "\n    dependencies = [\n" + "".join(f"{d}\n" for d in dep_lines) + "    ]\n"
        if not dep_lines:
            klass = klass.replace("    dependencies = [\n    ]\n", "    dependencies = []\n")
        klass += "\n    operations = [\n" + body + "\n    ]\n"
        text = header + import_block + funcs + klass
        folder = self.root / app.name / "migrations"
        path = folder / f"{mig_name}.py"
        path.write_text(text, encoding="utf-8")
        self.files.append(str(path))
        app.migrations.append(mig_name)

    def run(self, total: int) -> None:
        """Write ``total`` migrations across the apps, in one interleaved timeline."""
        count = min(len(_DJANGO_APPS), max(2, total // 8))
        for name in list(_DJANGO_APPS)[:count]:
            app = _DjApp(name, unused=list(_DJANGO_APPS[name]))
            self.apps[name] = app
            folder = self.root / name / "migrations"
            folder.mkdir(parents=True, exist_ok=True)
            (self.root / name / "__init__.py").write_text("", encoding="utf-8")
            (folder / "__init__.py").write_text("", encoding="utf-8")
        apps = list(self.apps.values())
        weights = [3 if a.name in {"orders", "billing", "catalog"} else 2 for a in apps]
        for i in range(total):
            # Every app gets its initial migration first, in app order, as a new project would.
            app = apps[i] if i < len(apps) else self.rng.choices(apps, weights)[0]
            self.step(app)
        (self.root / "manage.py").write_text(
            '#!/usr/bin/env python\n"""Django\'s command-line utility for administrative tasks."""\n'
            'import os\nimport sys\n\n\nif __name__ == "__main__":\n'
            '    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shop.settings")\n'
            "    from django.core.management import execute_from_command_line\n\n"
            "    execute_from_command_line(sys.argv)\n",
            encoding="utf-8",
        )


def generate_django(root: Path, migrations: int, seed: int) -> list[str]:
    """Write ``migrations`` Django migrations over several apps under ``root``."""
    writer = _DjangoWriter(root, random.Random(f"{seed}:django"))
    writer.run(migrations)
    return writer.files


# --- Alembic ---------------------------------------------------------------------------------------

_SA_TYPES: tuple[tuple[str, str, str], ...] = (
    ("email", "sa.String(length=254)", "varchar"),
    ("status", "sa.String(length=16)", "varchar"),
    ("amount", "sa.Numeric(precision=12, scale=2)", "numeric"),
    ("quantity", "sa.Integer()", "int"),
    ("is_active", "sa.Boolean()", "bool"),
    ("notes", "sa.Text()", "text"),
    ("payload", "postgresql.JSONB(astext_type=sa.Text())", "jsonb"),
    ("external_id", "postgresql.UUID(as_uuid=True)", "uuid"),
    ("archived_at", "sa.DateTime(timezone=True)", "ts"),
    ("title", "sa.String(length=200)", "varchar"),
    ("priority", "sa.SmallInteger()", "int"),
    ("score", "sa.Float()", "float"),
    ("phone", "sa.String(length=32)", "varchar"),
    ("country", "sa.String(length=2)", "varchar"),
    ("reference", "sa.String(length=40)", "varchar"),
    ("expires_at", "sa.DateTime()", "ts"),
    ("retries", "sa.Integer()", "int"),
)


@dataclass
class _AlTable:
    name: str
    columns: dict[str, tuple[str, str]] = field(default_factory=dict[str, tuple[str, str]])
    nullable: set[str] = field(default_factory=set[str])
    indexes: list[str] = field(default_factory=list[str])


class _AlembicWriter:
    """Writes an Alembic ``versions/`` folder: a chain with one branch and one merge."""

    def __init__(self, root: Path, rng: random.Random) -> None:
        self.root = root
        self.rng = rng
        self.tables: dict[str, _AlTable] = {}
        self.when = datetime(2020, 6, 1, 10, 0)
        self.files: list[str] = []
        self.revisions: list[str] = []
        #: On a branch, the tables this arm may touch: the arms of a branch never see each other's work.
        self.scope: set[str] | None = None

    def _rev(self) -> str:
        while True:
            rev = f"{self.rng.getrandbits(48):012x}"
            if rev not in self.revisions:
                return rev

    def _visible(self) -> list[_AlTable]:
        return [t for t in self.tables.values() if self.scope is None or t.name in self.scope]

    def _table(self) -> _AlTable | None:
        visible = self._visible()
        return self.rng.choice(visible) if visible else None

    def _rename(self, old: str, new: str) -> None:
        table = self.tables.pop(old)
        table.name = new
        self.tables[new] = table
        if self.scope is not None:
            self.scope.discard(old)
            self.scope.add(new)

    def _user_cols(self, t: _AlTable) -> list[str]:
        return [c for c in t.columns if c not in {"id", "created_at"}]

    def create_table(self) -> tuple[list[str], list[str], str] | None:
        names = [n for n in _NOUNS if n not in self.tables]
        if not names:
            return None
        name = self.rng.choice(names)
        t = _AlTable(name)
        t.columns["id"] = ("sa.BigInteger()", "int")
        cols = ['        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),']
        parent = self._table() if self.rng.random() < 0.5 else None
        fk_lines: list[str] = []
        if parent is not None:
            col = f"{parent.name.rstrip('s')}_id"
            t.columns[col] = ("sa.BigInteger()", "int")
            cols.append(f'        sa.Column("{col}", sa.BigInteger(), nullable=False),')
            fk_lines.append(
                f'        sa.ForeignKeyConstraint(["{col}"], ["{parent.name}.id"], ondelete="CASCADE"),'
            )
        for cname, sa_type, kind in self.rng.sample(_SA_TYPES, k=self.rng.randint(2, 5)):
            nullable = self.rng.random() < 0.5
            server_default = ""
            if not nullable and kind == "bool":
                server_default = ', server_default=sa.text("true")'
            elif not nullable and kind == "int":
                server_default = ', server_default="0"'
            cols.append(f'        sa.Column("{cname}", {sa_type}, nullable={nullable}{server_default}),')
            t.columns[cname] = (sa_type, kind)
            if nullable:
                t.nullable.add(cname)
        cols.append(
            '        sa.Column("created_at", sa.DateTime(timezone=True), '
            'server_default=sa.text("now()"), nullable=False),'
        )
        t.columns["created_at"] = ("sa.DateTime(timezone=True)", "ts")
        up = [
            "    op.create_table(",
            f'        "{name}",',
            *cols,
            *fk_lines,
            '        sa.PrimaryKeyConstraint("id"),',
            "    )",
        ]
        if parent is not None:
            col = f"{parent.name.rstrip('s')}_id"
            index = f"ix_{name}_{col}"
            t.indexes.append(index)
            up.append(f'    op.create_index(op.f("{index}"), "{name}", ["{col}"], unique=False)')
        self.tables[name] = t
        if self.scope is not None:
            self.scope.add(name)
        down = [f'    op.drop_table("{name}")']
        if parent is not None:
            down.insert(0, f'    op.drop_index(op.f("{t.indexes[0]}"), table_name="{name}")')
        return up, down, f"create {name} table"

    def add_column(self) -> tuple[list[str], list[str], str] | None:
        t = self._table()
        if t is None:
            return None
        free = [c for c in _SA_TYPES if c[0] not in t.columns]
        if not free:
            return None
        cname, sa_type, kind = self.rng.choice(free)
        t.columns[cname] = (sa_type, kind)
        if kind == "bool" and self.rng.random() < 0.6:
            text = f'sa.Column("{cname}", {sa_type}, server_default=sa.false(), nullable=False)'
        else:
            text = f'sa.Column("{cname}", {sa_type}, nullable=True)'
            t.nullable.add(cname)
        return (
            [f'    op.add_column("{t.name}", {text})'],
            [f'    op.drop_column("{t.name}", "{cname}")'],
            f"add {cname} to {t.name}",
        )

    def drop_column(self) -> tuple[list[str], list[str], str] | None:
        t = self._table()
        if t is None or len(self._user_cols(t)) < 2:
            return None
        cname = self.rng.choice(self._user_cols(t))
        sa_type, _ = t.columns.pop(cname)
        t.nullable.discard(cname)
        return (
            [f'    op.drop_column("{t.name}", "{cname}")'],
            [
                f'    op.add_column("{t.name}", '
                f'sa.Column("{cname}", {sa_type}, autoincrement=False, nullable=True))'
            ],
            f"drop {t.name} {cname}",
        )

    def alter_column(self) -> tuple[list[str], list[str], str] | None:
        t = self._table()
        if t is None or not self._user_cols(t):
            return None
        cname = self.rng.choice(self._user_cols(t))
        sa_type, kind = t.columns[cname]
        if cname in t.nullable and self.rng.random() < 0.6:
            t.nullable.discard(cname)
            return (
                [f'    op.alter_column("{t.name}", "{cname}", existing_type={sa_type}, nullable=False)'],
                [f'    op.alter_column("{t.name}", "{cname}", existing_type={sa_type}, nullable=True)'],
                f"make {t.name} {cname} required",
            )
        if kind == "varchar":
            length = int(sa_type.split("length=")[1].rstrip(")"))
            new = f"sa.String(length={length * 2})"
            t.columns[cname] = (new, kind)
            return (
                [
                    f'    op.alter_column(\n        "{t.name}",\n        "{cname}",\n'
                    f"        existing_type={sa_type},\n        type_={new},\n"
                    f"        existing_nullable={cname in t.nullable},\n    )"
                ],
                [f'    op.alter_column("{t.name}", "{cname}", existing_type={new}, type_={sa_type})'],
                f"widen {t.name} {cname}",
            )
        if kind == "int" and sa_type != "sa.BigInteger()":
            t.columns[cname] = ("sa.BigInteger()", kind)
            return (
                [
                    f'    op.alter_column("{t.name}", "{cname}", '
                    f"existing_type={sa_type}, type_=sa.BigInteger())"
                ],
                [
                    f'    op.alter_column("{t.name}", "{cname}", '
                    f"existing_type=sa.BigInteger(), type_={sa_type})"
                ],
                f"{t.name} {cname} to bigint",
            )
        t.nullable.add(cname)
        return (
            [f'    op.alter_column("{t.name}", "{cname}", existing_type={sa_type}, nullable=True)'],
            [f'    op.alter_column("{t.name}", "{cname}", existing_type={sa_type}, nullable=False)'],
            f"make {t.name} {cname} optional",
        )

    def create_index(self) -> tuple[list[str], list[str], str] | None:
        t = self._table()
        if t is None or not self._user_cols(t):
            return None
        cname = self.rng.choice(self._user_cols(t))
        name = f"ix_{t.name}_{cname}"
        if name in t.indexes:
            return None
        t.indexes.append(name)
        if self.rng.random() < 0.5:
            up = [
                "    with op.get_context().autocommit_block():",
                f'        op.create_index("{name}", "{t.name}", ["{cname}"], '
                "unique=False, postgresql_concurrently=True)",
            ]
            down = [
                "    with op.get_context().autocommit_block():",
                f'        op.drop_index("{name}", table_name="{t.name}", postgresql_concurrently=True)',
            ]
        else:
            up = [f'    op.create_index(op.f("{name}"), "{t.name}", ["{cname}"], unique=False)']
            down = [f'    op.drop_index(op.f("{name}"), table_name="{t.name}")']
        return up, down, f"index {t.name} {cname}"

    def foreign_key(self) -> tuple[list[str], list[str], str] | None:
        visible = self._visible()
        if len(visible) < 2:
            return None
        child, parent = self.rng.sample(visible, k=2)
        col = f"{parent.name.rstrip('s')}_id"
        if col in child.columns:
            return None
        child.columns[col] = ("sa.BigInteger()", "int")
        child.nullable.add(col)
        fk = f"fk_{child.name}_{col}_{parent.name}"[:63]
        up = [f'    op.add_column("{child.name}", sa.Column("{col}", sa.BigInteger(), nullable=True))']
        if self.rng.random() < 0.5:
            up += [
                f'    op.create_foreign_key("{fk}", "{child.name}", "{parent.name}", ["{col}"], ["id"], '
                "postgresql_not_valid=True)",
                f'    op.execute("ALTER TABLE {child.name} VALIDATE CONSTRAINT {fk}")',
            ]
        else:
            up.append(
                f'    op.create_foreign_key("{fk}", "{child.name}", "{parent.name}", ["{col}"], ["id"])'
            )
        down = [
            f'    op.drop_constraint("{fk}", "{child.name}", type_="foreignkey")',
            f'    op.drop_column("{child.name}", "{col}")',
        ]
        return up, down, f"link {child.name} to {parent.name}"

    def check(self) -> tuple[list[str], list[str], str] | None:
        t = self._table()
        if t is None:
            return None
        ints = [c for c in self._user_cols(t) if t.columns[c][1] in {"int", "numeric"}]
        if not ints:
            return None
        cname = self.rng.choice(ints)
        name = f"ck_{t.name}_{cname}_positive"
        return (
            [f'    op.create_check_constraint("{name}", "{t.name}", "{cname} >= 0")'],
            [f'    op.drop_constraint("{name}", "{t.name}", type_="check")'],
            f"check {t.name} {cname}",
        )

    def data(self) -> tuple[list[str], list[str], str] | None:
        t = self._table()
        if t is None or not self._user_cols(t):
            return None
        cname = self.rng.choice(self._user_cols(t))
        style = self.rng.random()
        if style < 0.4:
            up = [
                f'    op.execute("UPDATE {t.name} SET {cname} = NULL '
                f"WHERE created_at < now() - interval '1 year'\")"
            ]
        elif style < 0.75:
            up = [
                "    conn = op.get_bind()",
                "    while True:",
                "        result = conn.execute(",
                "            sa.text(",
                f'                "UPDATE {t.name} SET {cname} = DEFAULT "',
                f'                "WHERE id IN (SELECT id FROM {t.name} WHERE {cname} IS NULL LIMIT :n)"',
                "            ),",
                '            {"n": 5000},',
                "        )",
                "        if result.rowcount == 0:",
                "            break",
            ]
        else:
            up = [
                f'    {t.name} = sa.table("{t.name}", sa.column("id", sa.BigInteger()))',
                f"    op.execute({t.name}.delete().where({t.name}.c.id < 0))",
            ]
        return up, ["    pass"], f"backfill {t.name} {cname}"

    def rename_table(self) -> tuple[list[str], list[str], str] | None:
        t = self._table()
        if t is None or t.name.endswith("_archive"):
            return None
        old = t.name
        self._rename(old, f"{old}_archive")
        return (
            [f'    op.rename_table("{old}", "{t.name}")'],
            [f'    op.rename_table("{t.name}", "{old}")'],
            f"archive {old}",
        )

    def next_ops(self) -> tuple[list[str], list[str], str]:
        kinds: list[tuple[Callable[[], tuple[list[str], list[str], str] | None], int]] = [
            (self.create_table, 8 if len(self.tables) < 20 else 2),
            (self.add_column, 16),
            (self.drop_column, 4),
            (self.alter_column, 8),
            (self.create_index, 8),
            (self.foreign_key, 4),
            (self.check, 3),
            (self.data, 4),
            (self.rename_table, 1),
        ]
        makers = [k for k, _ in kinds]
        weights = [w for _, w in kinds]
        while True:
            made = self.rng.choices(makers, weights)[0]()
            if made is not None:
                return made

    def write(self, parents: tuple[str, ...], *, merge: bool = False) -> str:
        rev = self._rev()
        self.when += timedelta(
            days=self.rng.randint(0, 6), hours=self.rng.randint(1, 20), minutes=self.rng.randint(0, 59)
        )
        if merge:
            up, down, message = ["    pass"], ["    pass"], "merge heads"
        elif not self.tables:
            up, down, message = self.create_table() or (["    pass"], ["    pass"], "empty")
        else:
            up, down, message = self.next_ops()
            if self.rng.random() < 0.3:
                up2, down2, _ = self.next_ops()
                up, down = up + up2, down2 + down
                up = [line for line in up if line != "    pass"] or ["    pass"]
                down = [line for line in down if line != "    pass"] or ["    pass"]
        if not parents:
            down_rev = "None"
            revises = ""
        elif len(parents) == 1:
            down_rev = f'"{parents[0]}"'
            revises = parents[0]
        else:
            down_rev = "(" + ", ".join(f'"{p}"' for p in parents) + ")"
            revises = ", ".join(parents)
        needs_pg = "postgresql." in "\n".join(up + down)
        text = (
            f'"""{message}\n\nRevision ID: {rev}\nRevises: {revises}\n'
            f'Create Date: {self.when:%Y-%m-%d %H:%M:%S}.{self.rng.randint(0, 999999):06d}\n\n"""\n'
            "from alembic import op\nimport sqlalchemy as sa\n"
            + ("from sqlalchemy.dialects import postgresql\n" if needs_pg else "")
            + "\n\n# revision identifiers, used by Alembic.\n"
            f'revision = "{rev}"\ndown_revision = {down_rev}\nbranch_labels = None\ndepends_on = None\n\n\n'
            "def upgrade() -> None:\n"
            + "\n".join(up)
            + "\n\n\ndef downgrade() -> None:\n"
            + "\n".join(down)
            + "\n"
        )
        slug = "".join(ch if ch.isalnum() else "_" for ch in message.lower())[:40].strip("_")
        path = self.root / f"{rev}_{slug}.py"
        path.write_text(text, encoding="utf-8")
        self.files.append(str(path))
        self.revisions.append(rev)
        return rev

    def run(self, total: int) -> None:
        """``total`` revisions: a chain, a branch of two heads at the middle, their merge, more chain."""
        self.root.mkdir(parents=True, exist_ok=True)
        branch_at = max(1, total // 2)
        arm = max(1, min(25, (total - branch_at - 1) // 3))
        head: tuple[str, ...] = (self.write(()),)
        written = 1
        while written < branch_at:
            head = (self.write(head),)
            written += 1
        arms: list[str] = []
        names = sorted(self.tables)
        halves = [set(names[0::2]), set(names[1::2])]
        for half in halves:
            self.scope = half
            tip = head
            for _ in range(arm):
                if written >= total - 1:
                    break
                tip = (self.write(tip),)
                written += 1
            arms.append(tip[0])
        self.scope = None
        if written < total and arms[0] != arms[1]:
            head = (self.write((arms[0], arms[1]), merge=True),)
            written += 1
        else:
            head = (arms[-1],)
        while written < total:
            head = (self.write(head),)
            written += 1


def generate_alembic(root: Path, revisions: int, seed: int) -> list[str]:
    """Write an Alembic project (``alembic.ini``, ``env.py``, ``versions/``) under ``root``."""
    root.mkdir(parents=True, exist_ok=True)
    (root / "alembic.ini").write_text(
        "[alembic]\nscript_location = alembic\nsqlalchemy.url = postgresql://localhost/app\n",
        encoding="utf-8",
    )
    env = root / "alembic"  # the layout ``alembic init alembic`` creates
    env.mkdir(exist_ok=True)
    (env / "env.py").write_text(
        "from alembic import context\nfrom sqlalchemy import engine_from_config, pool\n\n"
        "config = context.config\n\n\ndef run_migrations_online() -> None:\n"
        "    connectable = engine_from_config(\n"
        "        config.get_section(config.config_ini_section),\n"
        '        prefix="sqlalchemy.",\n'
        "        poolclass=pool.NullPool,\n"
        "    )\n"
        "    with connectable.connect() as connection:\n"
        "        context.configure(connection=connection, target_metadata=None)\n"
        "        with context.begin_transaction():\n            context.run_migrations()\n\n\n"
        "run_migrations_online()\n",
        encoding="utf-8",
    )
    writer = _AlembicWriter(env / "versions", random.Random(f"{seed}:alembic"))
    writer.run(revisions)
    return writer.files


# --- entry points ------------------------------------------------------------------------------------


def generate(
    outdir: str | Path,
    *,
    sql_migrations: int = DEFAULT_SQL_MIGRATIONS,
    django_migrations: int = DEFAULT_DJANGO_MIGRATIONS,
    alembic_revisions: int = DEFAULT_ALEMBIC_REVISIONS,
    seed: int = DEFAULT_SEED,
) -> dict[str, object]:
    """Write the corpus under ``outdir`` and return its manifest (also written to ``corpus.json``)."""
    out = Path(outdir)
    out.mkdir(parents=True, exist_ok=True)
    sql = generate_sql(out / "sql", sql_migrations, seed) if sql_migrations else _Written()
    django = generate_django(out / "django", django_migrations, seed) if django_migrations else []
    alembic = generate_alembic(out / "alembic", alembic_revisions, seed) if alembic_revisions else []

    def rel(path: str) -> str:
        return str(Path(path).relative_to(out))

    manifest: dict[str, object] = {
        "seed": seed,
        "sql": {
            "dir": "sql",
            "migrations": sql.migrations,
            "files": len(sql.files),
            "statements": sql.statements,
            "down_statements": sql.down_statements,
            "one_file": rel(sql.files[len(sql.files) // 2]) if sql.files else None,
        },
        "django": {
            "dir": "django",
            "migrations": len(django),
            "one_file": rel(django[len(django) // 2]) if django else None,
        },
        "alembic": {
            "dir": "alembic",
            "revisions": len(alembic),
            "one_file": rel(alembic[len(alembic) // 2]) if alembic else None,
        },
    }
    (out / "corpus.json").write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    return manifest


def main(argv: Sequence[str] | None = None) -> int:
    """Command line: ``python benchmarks/corpus.py OUTDIR [--sql N] [--django N] [--alembic N]``."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("outdir")
    parser.add_argument("--sql", type=int, default=DEFAULT_SQL_MIGRATIONS, help="SQL migrations")
    parser.add_argument("--django", type=int, default=DEFAULT_DJANGO_MIGRATIONS, help="Django migrations")
    parser.add_argument("--alembic", type=int, default=DEFAULT_ALEMBIC_REVISIONS, help="Alembic revisions")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    args = parser.parse_args(argv)
    manifest = generate(
        args.outdir,
        sql_migrations=args.sql,
        django_migrations=args.django,
        alembic_revisions=args.alembic,
        seed=args.seed,
    )
    json.dump(manifest, sys.stdout, indent=2)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
