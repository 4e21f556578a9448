"""MG111 table-rewrite-command."""

from __future__ import annotations

from collections.abc import Iterator

from miglint.context import RuleContext
from miglint.findings import Finding, Level
from miglint.ir.ops import MaintenanceCommand, MaintenanceKind
from miglint.rubric import Dimension
from miglint.rules._base import Rule
from miglint.rules._hints import by_framework

#: The first PostgreSQL release with REINDEX CONCURRENTLY.
REINDEX_CONCURRENTLY_FROM = 12


def _judge(op: MaintenanceCommand, target: str, pg_version: int) -> tuple[str, str] | None:
    """(what the command does, what to use instead), or None when it is harmless."""
    match op.command:
        case MaintenanceKind.VACUUM_FULL:
            return (
                f"VACUUM FULL rewrites {target} under an ACCESS EXCLUSIVE lock",
                "use plain VACUUM, or pg_repack to reclaim space online",
            )
        case MaintenanceKind.CLUSTER:
            return (
                f"CLUSTER rewrites {target} under an ACCESS EXCLUSIVE lock",
                "use pg_repack --order-by to reorder the table online",
            )
        case MaintenanceKind.SET_TABLESPACE:
            return (
                f"SET TABLESPACE copies {target} under an ACCESS EXCLUSIVE lock",
                "use pg_repack --tablespace, or move it in a maintenance window",
            )
        case MaintenanceKind.LOCK_TABLE:
            return (
                f"LOCK TABLE {target} blocks other sessions until the transaction ends",
                "drop the explicit lock and let each statement take the lock it needs, with a lock_timeout",
            )
        case MaintenanceKind.REINDEX if not op.concurrently:
            instead = (
                "use REINDEX CONCURRENTLY outside a transaction"
                if pg_version >= REINDEX_CONCURRENTLY_FROM
                else "build a replacement with CREATE INDEX CONCURRENTLY, then drop the old one "
                f"(REINDEX CONCURRENTLY needs PostgreSQL {REINDEX_CONCURRENTLY_FROM})"
            )
            return (f"REINDEX of {target} blocks writes (and reads that use the index)", instead)
        case MaintenanceKind.REFRESH_MATERIALIZED_VIEW if not op.concurrently:
            return (
                f"REFRESH MATERIALIZED VIEW {target} blocks every read of it until the refresh ends",
                "use REFRESH MATERIALIZED VIEW CONCURRENTLY (it needs a unique index on the view)",
            )
        case _:
            return None


class TableRewriteCommand(Rule):
    """VACUUM FULL, CLUSTER, SET TABLESPACE, LOCK TABLE, or REINDEX / REFRESH without CONCURRENTLY.

    ## What it does
    Reports maintenance commands that lock a table for as long as they run: `VACUUM FULL`,
    `CLUSTER`, `ALTER TABLE … SET TABLESPACE`, an explicit `LOCK TABLE`, `REINDEX` without
    `CONCURRENTLY` and `REFRESH MATERIALIZED VIEW` without `CONCURRENTLY`. Plain `VACUUM` and
    `ANALYZE` are fine.

    ## Why is this bad?
    These commands rewrite the table or its indexes, or hold a lock on purpose, blocking
    reads and/or writes for the whole duration, which grows with the table. They belong in
    a maintenance window or an online tool such as pg_repack, not in a deploy migration.

    ## Example
    ```sql
    VACUUM FULL orders;
    ```

    ## Use instead
    ```sql
    VACUUM orders;
    ```
    To reclaim space online use pg_repack; to rebuild an index use `REINDEX INDEX
    CONCURRENTLY` (PostgreSQL 12+); to refresh a view use `REFRESH MATERIALIZED VIEW
    CONCURRENTLY`.
    """

    code = "MG111"
    name = "table-rewrite-command"
    level = Level.ERROR
    dimension = Dimension.ZERO_DOWNTIME
    dialects = frozenset({"postgres"})
    operations = (MaintenanceCommand,)

    def check(self, ctx: RuleContext) -> Iterator[Finding]:
        """Flag each locking maintenance command on a table that is not new."""
        for step in ctx.steps_of(MaintenanceCommand):
            op = step.op
            if not isinstance(op, MaintenanceCommand) or (op.table and step.is_new(op.table)):
                continue
            target = op.table or "the target"
            judged = _judge(op, target, ctx.pg_version)
            if judged is None:
                continue
            what, instead = judged
            yield self.finding(
                ctx,
                step,
                f"{what}; {instead}",
                by_framework(
                    ctx,
                    sql="run table maintenance outside deploy migrations: pg_repack, or the "
                    "CONCURRENTLY form of the command",
                    alembic="take the op.execute(...) out of the revision and run table maintenance "
                    "outside deploys (pg_repack); the CONCURRENTLY form of a command needs "
                    "op.get_context().autocommit_block()",
                    django="take the RunSQL out of the migration and run table maintenance outside "
                    "deploys (pg_repack); the CONCURRENTLY form of a command needs a migration with "
                    "atomic = False",
                ),
            )
