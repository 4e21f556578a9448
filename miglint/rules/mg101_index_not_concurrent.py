"""MG101 index-not-concurrent."""

from __future__ import annotations

from collections.abc import Iterator

from miglint.context import RuleContext
from miglint.findings import Finding, Level
from miglint.ir.ops import CreateIndex
from miglint.rubric import Dimension
from miglint.rules._base import Rule
from miglint.rules._hints import AUTOCOMMIT, PG_OPERATIONS, by_framework, py_list


class IndexNotConcurrent(Rule):
    """CREATE INDEX on an existing table without CONCURRENTLY.

    ## What it does
    Reports `CREATE INDEX` (and `CREATE UNIQUE INDEX`) on a table that already exists when
    the statement does not use `CONCURRENTLY`. Tables created earlier in the same migration
    are new and empty, so indexing them is fine.

    ## Why is this bad?
    A plain `CREATE INDEX` holds a SHARE lock for the whole index build: every INSERT, UPDATE
    and DELETE on the table waits until the index is built, which takes minutes or hours on a
    large table. `CREATE INDEX CONCURRENTLY` builds the index while writes go on.

    ## Example
    ```sql
    CREATE INDEX orders_customer_id_idx ON orders (customer_id);
    ```

    ## Use instead
    ```sql
    -- miglint: no-transaction
    CREATE INDEX CONCURRENTLY orders_customer_id_idx ON orders (customer_id);
    ```
    `CONCURRENTLY` cannot run inside a transaction block: run it in a migration of its own
    without a transaction (see MG103). If the build fails it leaves an INVALID index behind;
    drop it and retry. In Alembic, call `op.create_index(..., postgresql_concurrently=True)`
    inside `with op.get_context().autocommit_block():`; in Django, use `AddIndexConcurrently`
    (`django.contrib.postgres.operations`) in a migration with `atomic = False` (for a
    `ForeignKey` or `db_index=True` field, add it with `db_index=False` first).
    """

    code = "MG101"
    name = "index-not-concurrent"
    level = Level.ERROR
    dimension = Dimension.ZERO_DOWNTIME
    dialects = frozenset({"postgres"})
    operations = (CreateIndex,)

    def check(self, ctx: RuleContext) -> Iterator[Finding]:
        """Flag each non-concurrent CREATE INDEX on a table that is not new."""
        for step in ctx.steps_of(CreateIndex):
            op = step.op
            if not isinstance(op, CreateIndex) or op.concurrently or step.is_new(op.table):
                continue
            what = f"index {op.name}" if op.name else "an index"
            unique = "UNIQUE " if op.unique else ""
            instead = by_framework(
                ctx,
                sql=f"use CREATE {unique}INDEX CONCURRENTLY instead",
                alembic="build it with postgresql_concurrently=True inside autocommit_block()",
                django="use AddIndexConcurrently in a migration with atomic = False",
            )
            unique_kw = ", unique=True" if op.unique else ""
            yield self.finding(
                ctx,
                step,
                f"CREATE {unique}INDEX builds {what} on existing table {op.table} under a SHARE "
                f"lock that blocks all writes until it finishes; {instead}",
                by_framework(
                    ctx,
                    sql="run CREATE INDEX CONCURRENTLY in its own migration, outside a transaction "
                    "(-- miglint: no-transaction, Alembic autocommit_block(), Django atomic = False)",
                    alembic=f'{AUTOCOMMIT} op.create_index("{op.name or "ix_name"}", "{op.table}", '
                    f"{py_list(op.columns)}{unique_kw}, postgresql_concurrently=True) — in a revision "
                    "of its own, since the block commits what ran before it",
                    django=f"from {PG_OPERATIONS} import AddIndexConcurrently; put "
                    "AddIndexConcurrently(model_name=..., index=models.Index(...)) in a migration "
                    "with atomic = False (for a ForeignKey or db_index=True field: add the field with "
                    "db_index=False, then AddIndexConcurrently)",
                ),
            )
