"""Ground truth from a real PostgreSQL 15: the IR's lock model and the rules' claims.

Each case runs SQL against a throwaway cluster and compares what the server did (locks held,
table rewritten, statement refused) with what miglint says about the same SQL.
"""

from __future__ import annotations

from collections.abc import Iterator

import psycopg
import pytest

from miglint.config import Settings
from miglint.engine import lint
from miglint.ir.migration import Framework, Migration
from miglint.ir.ops import LockMode
from miglint.parsers.split import statements
from miglint.parsers.sql import parse_sql
from miglint.rules import rule_by_code
from tests.pgserver import PgServer

SETUP = """
CREATE TABLE u (id bigint PRIMARY KEY);
CREATE TABLE t (id bigint PRIMARY KEY, a int, v varchar(10), n numeric(10,2), u_id bigint);
INSERT INTO u SELECT g FROM generate_series(1, 200) g;
INSERT INTO t SELECT g, g, 'x' || g, g, g FROM generate_series(1, 200) g;
CREATE INDEX t_a ON t (a);
ALTER TABLE t ADD CONSTRAINT t_a_pos CHECK (a > 0) NOT VALID;
CREATE MATERIALIZED VIEW mv AS SELECT id FROM u;
"""

PG_LOCKS = {
    "AccessShareLock": LockMode.ACCESS_SHARE,
    "RowShareLock": LockMode.ACCESS_SHARE,
    "RowExclusiveLock": LockMode.ROW_EXCLUSIVE,
    "ShareUpdateExclusiveLock": LockMode.SHARE_UPDATE_EXCLUSIVE,
    "ShareLock": LockMode.SHARE,
    "ShareRowExclusiveLock": LockMode.SHARE_ROW_EXCLUSIVE,
    "ExclusiveLock": LockMode.EXCLUSIVE,
    "AccessExclusiveLock": LockMode.ACCESS_EXCLUSIVE,
}


@pytest.fixture(scope="module")
def db(pg: PgServer) -> Iterator[psycopg.Connection[tuple[object, ...]]]:
    with psycopg.connect(pg.conninfo(), autocommit=True) as admin:
        admin.execute("DROP DATABASE IF EXISTS truth")
        admin.execute("CREATE DATABASE truth")
    with psycopg.connect(pg.conninfo("truth"), autocommit=True) as conn:
        for piece in statements(SETUP):
            conn.execute(piece.text.encode())
        yield conn


def _rollback(conn: psycopg.Connection[tuple[object, ...]]) -> None:
    conn.execute("ROLLBACK")


LOCK_CASES = [
    ("CREATE INDEX t_v ON t (v)", "t"),
    ("CREATE UNIQUE INDEX t_v ON t (v)", "t"),
    ("ALTER TABLE t ADD COLUMN b int", "t"),
    ("ALTER TABLE t ADD COLUMN b int DEFAULT 0", "t"),
    ("ALTER TABLE t DROP COLUMN v", "t"),
    ("ALTER TABLE t RENAME COLUMN v TO w", "t"),
    ("ALTER TABLE t RENAME TO t2", "t"),
    ("ALTER TABLE t ALTER COLUMN a TYPE bigint", "t"),
    ("ALTER TABLE t ALTER COLUMN a SET NOT NULL", "t"),
    ("ALTER TABLE t ALTER COLUMN a DROP NOT NULL", "t"),
    ("ALTER TABLE t ALTER COLUMN a SET DEFAULT 0", "t"),
    ("ALTER TABLE t ADD CONSTRAINT t_u FOREIGN KEY (u_id) REFERENCES u (id) NOT VALID", "t"),
    ("ALTER TABLE t ADD CONSTRAINT t_u FOREIGN KEY (u_id) REFERENCES u (id)", "t"),
    ("ALTER TABLE t ADD CONSTRAINT t_b CHECK (n > 0) NOT VALID", "t"),
    ("ALTER TABLE t ADD CONSTRAINT t_uv UNIQUE (v)", "t"),
    ("ALTER TABLE t VALIDATE CONSTRAINT t_a_pos", "t"),
    ("ALTER TABLE t DROP CONSTRAINT t_a_pos", "t"),
    ("UPDATE t SET a = a + 1", "t"),
    ("DELETE FROM t WHERE id < 5", "t"),
    ("INSERT INTO t (id, a) SELECT id + 1000, 1 FROM t", "t"),
    ("TRUNCATE t CASCADE", "t"),
    ("LOCK TABLE t", "t"),
    ("CLUSTER t USING t_pkey", "t"),
    ("REINDEX TABLE t", "t"),
    ("REFRESH MATERIALIZED VIEW mv", "mv"),
]


@pytest.mark.parametrize(("sql", "table"), LOCK_CASES, ids=[c[0] for c in LOCK_CASES])
def test_lock_model_matches_pg_locks(
    db: psycopg.Connection[tuple[object, ...]], sql: str, table: str
) -> None:
    ops = parse_sql(sql, "case.sql")
    assert ops, sql
    modelled = max(op.lock() for op in ops)
    db.execute("BEGIN")
    try:
        db.execute(sql.encode())
        rows = db.execute(
            "SELECT mode FROM pg_locks WHERE relation = %s::regclass AND pid = pg_backend_pid()",
            (table if "RENAME TO" not in sql else "t2",),
        ).fetchall()
    finally:
        _rollback(db)
    held = max(PG_LOCKS[str(mode)] for (mode,) in rows)
    assert modelled == held, f"{sql}: miglint models {modelled.name}, PostgreSQL took {held.name}"


def _fires(code: str, sql: str, settings: Settings | None = None) -> bool:
    """Whether ``code`` reports on ``sql`` run against the SETUP history."""
    rule = rule_by_code(code)
    assert rule is not None, code
    settings = settings or Settings()
    history = [
        Migration(
            path="001.sql",
            framework=Framework.SQL,
            key=(1,),
            history="h",
            upgrade=tuple(parse_sql(SETUP, "001.sql")),
        ),
        Migration(
            path="002.sql",
            framework=Framework.SQL,
            key=(2,),
            history="h",
            upgrade=tuple(parse_sql(sql, "002.sql")),
        ),
    ]
    return any(f.code == code for f in lint(history, settings, rules=[rule]).findings)


def _relfilenode(db: psycopg.Connection[tuple[object, ...]]) -> object:
    row = db.execute("SELECT relfilenode FROM pg_class WHERE oid = 't'::regclass").fetchone()
    assert row is not None
    return row[0]


REWRITE_CASES = [
    ("MG108", "ALTER TABLE t ADD COLUMN b int DEFAULT 0"),
    ("MG108", "ALTER TABLE t ADD COLUMN b timestamptz DEFAULT now()"),
    ("MG108", "ALTER TABLE t ADD COLUMN b text DEFAULT 'x'"),
    ("MG108", "ALTER TABLE t ADD COLUMN b double precision DEFAULT random()"),
    ("MG108", "ALTER TABLE t ADD COLUMN b uuid DEFAULT gen_random_uuid()"),
    ("MG108", "ALTER TABLE t ADD COLUMN b bigserial"),
    ("MG108", "ALTER TABLE t ADD COLUMN b bigint GENERATED ALWAYS AS IDENTITY"),
    ("MG108", "ALTER TABLE t ADD COLUMN b int GENERATED ALWAYS AS (a * 2) STORED"),
    ("MG107", "ALTER TABLE t ALTER COLUMN a TYPE bigint"),
    ("MG107", "ALTER TABLE t ALTER COLUMN v TYPE varchar(20)"),
    ("MG107", "ALTER TABLE t ALTER COLUMN v TYPE text"),
    ("MG107", "ALTER TABLE t ALTER COLUMN n TYPE numeric(12,2)"),
    ("MG107", "ALTER TABLE t ALTER COLUMN n TYPE numeric"),
    ("MG107", "ALTER TABLE t ALTER COLUMN u_id TYPE text"),
    ("MG107", "ALTER TABLE t ALTER COLUMN v TYPE varchar(5)"),
]


@pytest.mark.parametrize(("code", "sql"), REWRITE_CASES, ids=[c[1] for c in REWRITE_CASES])
def test_rewrite_rules_fire_exactly_when_postgres_rewrites(
    db: psycopg.Connection[tuple[object, ...]], code: str, sql: str
) -> None:
    db.execute("BEGIN")
    try:
        before = _relfilenode(db)
        db.execute(sql.encode())
        rewrote = _relfilenode(db) != before
    finally:
        _rollback(db)
    assert _fires(code, sql) == rewrote, f"{code} on {sql!r}: PostgreSQL rewrote={rewrote}"


REFUSED_CASES = [
    # (code, migration, whether PostgreSQL refuses it when run statement by statement like psql)
    ("MG103", "BEGIN;\nCREATE INDEX CONCURRENTLY t_v ON t (v);\nCOMMIT;", True),
    ("MG103", "CREATE INDEX CONCURRENTLY t_v ON t (v);", False),
    ("MG103", "BEGIN;\nDROP INDEX CONCURRENTLY t_a;\nCOMMIT;", True),
    ("MG201", "ALTER TABLE t ADD COLUMN b int NOT NULL;", True),
    ("MG201", "ALTER TABLE t ADD COLUMN b int NOT NULL DEFAULT 0;", False),
    ("MG201", "ALTER TABLE t ADD COLUMN b int;", False),
]


@pytest.mark.parametrize(("code", "sql", "refused"), REFUSED_CASES, ids=[c[1] for c in REFUSED_CASES])
def test_rules_that_predict_failure_agree_with_postgres(
    pg: PgServer, code: str, sql: str, refused: bool
) -> None:
    with psycopg.connect(pg.conninfo(), autocommit=True) as admin:
        admin.execute("DROP DATABASE IF EXISTS refused")
        admin.execute("CREATE DATABASE refused")
    with psycopg.connect(pg.conninfo("refused"), autocommit=True) as conn:
        for piece in statements(SETUP):
            conn.execute(piece.text.encode())
        failed = False
        for piece in statements(sql):
            try:
                conn.execute(piece.text.encode())
            except psycopg.Error:
                failed = True
                break
    assert failed == refused
    assert _fires(code, sql) == refused


def _postgres_doc_rules() -> list[tuple[str, str, str]]:
    from miglint.rules import builtin_rules
    from miglint.rules._base import code_blocks

    cases: list[tuple[str, str, str]] = []
    for rule in builtin_rules():
        if rule.dialects is not None and "postgres" not in rule.dialects:
            continue
        for section in ("Example", "Use instead"):
            cases.extend((rule.code, section, sql) for sql in code_blocks(rule.sections[section]))
    return cases


DOC_CASES = _postgres_doc_rules()


@pytest.mark.parametrize(
    ("code", "section", "sql"), DOC_CASES, ids=[f"{c}-{s}-{i}" for i, (c, s, _) in enumerate(DOC_CASES)]
)
def test_rule_docs_sql_is_valid_postgresql(
    db: psycopg.Connection[tuple[object, ...]], code: str, section: str, sql: str
) -> None:
    """Every statement of a rule page's SQL parses on PostgreSQL 15.

    PL/pgSQL checks the syntax of each SQL statement of a function body when the function is
    created, without needing its tables, so each statement is wrapped in a throwaway function.
    Transaction control is left out: it is the wrapper's own syntax inside PL/pgSQL.
    """
    from miglint.ir.ops import TransactionControl

    # MG001's example is broken on purpose: PostgreSQL must reject it too.
    must_fail = (code, section) == ("MG001", "Example")
    rejected = False
    checked = 0
    for piece in statements(sql):
        ops = parse_sql(piece.text, "doc.sql")
        if not piece.text.strip() or piece.text.lstrip().startswith("\\"):
            continue
        if ops and all(isinstance(op, TransactionControl) for op in ops):
            continue
        body = (
            "CREATE OR REPLACE FUNCTION pg_temp.doc_check() RETURNS void LANGUAGE plpgsql"
            f" AS $doc$ BEGIN\n{piece.text};\nEND $doc$"
        )
        try:
            db.execute(body.encode())
        except psycopg.errors.SyntaxError as exc:
            rejected = True
            if not must_fail:
                pytest.fail(f"{code} {section}: PostgreSQL rejects {piece.text!r}: {exc}")
        checked += 1
    assert checked, f"{code} {section} has no statement to check"
    assert rejected == must_fail
