"""MG109 constraint-builds-index."""

from __future__ import annotations

from collections.abc import Iterator

from miglint.context import RuleContext
from miglint.findings import Finding, Level
from miglint.ir.ops import AddConstraint, ConstraintKind
from miglint.rubric import Dimension
from miglint.rules._base import Rule
from miglint.rules._hints import AUTOCOMMIT, by_framework, py_list

_LABEL = {ConstraintKind.UNIQUE: "UNIQUE", ConstraintKind.PRIMARY_KEY: "PRIMARY KEY"}


class ConstraintBuildsIndex(Rule):
    """ADD UNIQUE or PRIMARY KEY on an existing table without USING INDEX.

    ## What it does
    Reports `ALTER TABLE … ADD [CONSTRAINT …] UNIQUE (…)` and `… PRIMARY KEY (…)` on a table
    that already exists unless the constraint adopts an index built beforehand with
    `USING INDEX`.

    ## Why is this bad?
    Without `USING INDEX`, PostgreSQL builds the unique index inside the `ALTER TABLE`, holding
    an ACCESS EXCLUSIVE lock for the whole build: the table can be neither read nor written
    for as long as the index takes. Building the index with `CREATE UNIQUE INDEX
    CONCURRENTLY` first and attaching it is a metadata change.

    ## Example
    ```sql
    ALTER TABLE users ADD CONSTRAINT users_email_key UNIQUE (email);
    ```

    ## Use instead
    ```sql
    -- miglint: no-transaction
    CREATE UNIQUE INDEX CONCURRENTLY users_email_key ON users (email);
    ALTER TABLE users ADD CONSTRAINT users_email_key UNIQUE USING INDEX users_email_key;
    ```
    For a primary key, the columns must also be NOT NULL already (see MG106), or `ADD PRIMARY
    KEY USING INDEX` scans the table to set them. In Alembic, build the index with
    `op.create_index(..., unique=True, postgresql_concurrently=True)` inside
    `autocommit_block()`, then `op.execute("ALTER TABLE … ADD CONSTRAINT … UNIQUE USING INDEX
    …")`. In Django (`unique=True`, `UniqueConstraint`), do both with `RunSQL` in an
    `atomic = False` migration, passing the field or constraint change as `state_operations`.
    """

    code = "MG109"
    name = "constraint-builds-index"
    level = Level.ERROR
    dimension = Dimension.ZERO_DOWNTIME
    dialects = frozenset({"postgres"})
    operations = (AddConstraint,)

    def check(self, ctx: RuleContext) -> Iterator[Finding]:
        """Flag UNIQUE / PRIMARY KEY constraints that build their index under the ALTER."""
        for step in ctx.steps_of(AddConstraint):
            op = step.op
            if (
                not isinstance(op, AddConstraint)
                or op.constraint not in _LABEL
                or op.using_index
                or step.is_new(op.table)
            ):
                continue
            label = _LABEL[op.constraint]
            constraint = op.name or "constraint_name"
            index = op.name or "index_name"
            cols_sql = ", ".join(op.columns) or "…"
            name = f" {op.name}" if op.name else ""
            cols = f" ({', '.join(op.columns)})" if op.columns else ""
            yield self.finding(
                ctx,
                step,
                f"{label} constraint{name}{cols} on {op.table} builds its index under an ACCESS "
                f"EXCLUSIVE lock; use CREATE UNIQUE INDEX CONCURRENTLY, then ADD CONSTRAINT … "
                f"{label} USING INDEX",
                by_framework(
                    ctx,
                    sql="build the index CONCURRENTLY in a migration without a transaction, then "
                    f"attach it with ADD CONSTRAINT name {label} USING INDEX index_name",
                    alembic=f'{AUTOCOMMIT} op.create_index("{index}", "{op.table}", '
                    f"{py_list(op.columns)}, unique=True, postgresql_concurrently=True); then "
                    f'op.execute("ALTER TABLE {op.table} ADD CONSTRAINT {constraint} {label} USING '
                    f'INDEX {index}")',
                    django='in a migration with atomic = False: RunSQL("CREATE UNIQUE INDEX '
                    f'CONCURRENTLY {index} ON {op.table} ({cols_sql})"), then RunSQL("ALTER TABLE '
                    f'{op.table} ADD CONSTRAINT {constraint} {label} USING INDEX {index}", '
                    "state_operations=[the AlterField / AddConstraint]) so Django's state still "
                    "knows the constraint",
                ),
            )
