"""MG110 missing-lock-timeout."""

from __future__ import annotations

from collections.abc import Iterator

from miglint.context import RuleContext, Step
from miglint.findings import Finding, Level
from miglint.ir.ops import DropIndex, LockMode, RenameTable
from miglint.rubric import Dimension
from miglint.rules._base import Rule
from miglint.rules._hints import by_framework
from miglint.rules.mg102_drop_index_not_concurrent import dropped_index_table


def locked_tables(ctx: RuleContext, step: Step) -> tuple[str, ...]:
    """The tables ``step`` locks SHARE or stronger, as they are named before it runs."""
    op = step.op
    if op.lock() < LockMode.SHARE:
        return ()
    if isinstance(op, DropIndex):
        # An index whose table nothing tells is on a table that exists (not one made here).
        return (dropped_index_table(ctx, step, op) or f"the table of index {op.name}",)
    if isinstance(op, RenameTable):
        return (op.table,)
    tables = op.tables()
    return tables if all(tables) else tuple(t for t in tables if t)


class MissingLockTimeout(Rule):
    """A lock on an existing table taken with no lock_timeout set.

    ## What it does
    Reports the first statement of a migration that takes a SHARE or stronger lock on an
    existing table (any `ALTER TABLE`, a plain `CREATE INDEX`, `DROP INDEX`, `TRUNCATE`, …)
    while no non-zero `lock_timeout` is in force. It is reported once per migration. Set
    `lock_timeout_via = "connection"` when the migration runner sets the timeout for every
    connection.

    ## Why is this bad?
    Even an instant `ALTER TABLE` must wait for its lock behind every running query on the
    table. While it waits, every new query on the table queues behind it: one slow report
    query turns a millisecond migration into an outage. A `lock_timeout` makes the migration
    give up (and be retried) instead of stalling all traffic.

    ## Example
    ```sql
    ALTER TABLE orders ADD COLUMN note text;
    ```

    ## Use instead
    ```sql
    SET lock_timeout = '5s';
    ALTER TABLE orders ADD COLUMN note text;
    ```
    Inside a transaction, `SET LOCAL lock_timeout = '5s';` keeps the setting to it. Retry
    the migration when it times out. In Alembic, `op.execute("SET lock_timeout = '5s'")` first
    in `upgrade()` (or set it in `env.py` and `lock_timeout_via = "connection"`); in Django,
    `migrations.RunSQL("SET lock_timeout = '5s'")` as the first operation (or set it in the
    database `OPTIONS` and `lock_timeout_via = "connection"`).
    """

    code = "MG110"
    name = "missing-lock-timeout"
    level = Level.WARNING
    dimension = Dimension.ZERO_DOWNTIME
    dialects = frozenset({"postgres"})

    def check(self, ctx: RuleContext) -> Iterator[Finding]:
        """Flag the first table lock on an existing table taken without a lock_timeout."""
        if ctx.settings.lock_timeout_via == "connection":
            return
        for step in ctx.steps:
            if step.lock_timeout:
                continue
            existing = [t for t in locked_tables(ctx, step) if t not in step.new_tables]
            if not existing:
                continue
            lock = step.op.lock().name.replace("_", " ")
            article = "an" if lock[0] in "AEIOU" else "a"
            tables = ", ".join(existing)
            yield self.finding(
                ctx,
                step,
                f"{step.op.kind_name} takes {article} {lock} lock on {tables} with no lock_timeout "
                "set: while it waits, every query on the table queues behind it; "
                + by_framework(
                    ctx,
                    sql="run SET lock_timeout = '5s' first",
                    alembic="call op.execute(\"SET lock_timeout = '5s'\") first in upgrade()",
                    django="make RunSQL(\"SET lock_timeout = '5s'\") the first operation",
                ),
                by_framework(
                    ctx,
                    sql="start the migration with SET lock_timeout (SET LOCAL inside a transaction) "
                    'and retry on timeout, or set lock_timeout_via = "connection" if the runner '
                    "sets it",
                    alembic="op.execute(\"SET lock_timeout = '5s'\") as the first line of upgrade() "
                    "and retry on timeout; or set it for every connection in env.py and configure "
                    'lock_timeout_via = "connection"',
                    django="migrations.RunSQL(\"SET lock_timeout = '5s'\", "
                    "reverse_sql=migrations.RunSQL.noop) as the first operation and retry on "
                    "timeout; or set it in the database OPTIONS ('options': '-c lock_timeout=5s') "
                    'and configure lock_timeout_via = "connection"',
                ),
            )
            return
