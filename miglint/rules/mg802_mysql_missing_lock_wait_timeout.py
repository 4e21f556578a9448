"""MG802 mysql-missing-lock-wait-timeout."""

from __future__ import annotations

from collections.abc import Iterator

from miglint.context import RuleContext
from miglint.findings import Finding, Level
from miglint.ir.ops import (
    AddColumn,
    AddConstraint,
    AlterColumnType,
    CreateIndex,
    DropColumn,
    DropConstraint,
    DropIndex,
    DropNotNull,
    DropTable,
    MaintenanceCommand,
    Operation,
    RenameColumn,
    RenameTable,
    SetDefault,
    SetNotNull,
    TruncateTable,
)
from miglint.rubric import Dimension
from miglint.rules._base import Rule

#: Statements that take an exclusive metadata lock on their table, however briefly.
_DDL = (
    DropTable,
    RenameTable,
    AddColumn,
    DropColumn,
    RenameColumn,
    AlterColumnType,
    SetNotNull,
    DropNotNull,
    SetDefault,
    AddConstraint,
    DropConstraint,
    CreateIndex,
    DropIndex,
    TruncateTable,
    MaintenanceCommand,
)


def _ddl_table(op: Operation) -> str | None:
    """The table whose metadata lock a DDL statement waits for."""
    if not isinstance(op, _DDL):
        return None
    tables = op.tables()
    return tables[0] if tables else None


class MysqlMissingLockWaitTimeout(Rule):
    """DDL on an existing MySQL table with no lock_wait_timeout set first.

    ## What it does
    On MySQL, reports the first ALTER, CREATE/DROP INDEX, RENAME, DROP or TRUNCATE of an
    existing table in a migration that runs before any `SET [SESSION] lock_wait_timeout = N`.
    Once per migration. Turned off by `lock_timeout_via = "connection"` when the migration
    runner sets the timeout on its connection.

    ## Why is this bad?
    Every DDL statement, even an `ALGORITHM=INSTANT` one, needs an exclusive metadata lock on
    the table. If a long transaction holds the table, the ALTER waits, and every query that
    arrives after it queues behind it: the table is unavailable. The default
    `lock_wait_timeout` is one year. A short timeout makes the migration fail and retry
    instead of taking the site down.

    ## Example
    ```sql
    ALTER TABLE orders ADD COLUMN note TEXT, ALGORITHM=INSTANT;
    ```

    ## Use instead
    ```sql
    SET SESSION lock_wait_timeout = 5;
    ALTER TABLE orders ADD COLUMN note TEXT, ALGORITHM=INSTANT;
    ```
    """

    code = "MG802"
    name = "mysql-missing-lock-wait-timeout"
    level = Level.WARNING
    dimension = Dimension.ZERO_DOWNTIME
    dialects = frozenset({"mysql"})

    def check(self, ctx: RuleContext) -> Iterator[Finding]:
        """Report the first DDL on an existing table taken without a lock wait timeout."""
        if ctx.settings.lock_timeout_via == "connection":
            return
        for step in ctx:
            table = _ddl_table(step.op)
            if table is None or step.is_new(table) or step.lock_timeout:
                continue
            yield self.finding(
                ctx,
                step,
                f"DDL on existing table {table} waits for its metadata lock with no "
                "lock_wait_timeout, queueing every query behind it; run SET SESSION "
                "lock_wait_timeout = 5 first",
                "set a short lock_wait_timeout (seconds) before the first DDL and retry on timeout",
            )
            return
