"""MG604 prefer-identity."""

from __future__ import annotations

from collections.abc import Iterator

from miglint.context import RuleContext
from miglint.findings import Finding, Level
from miglint.rubric import Dimension
from miglint.rules._base import Rule
from miglint.rules._column_types import DECLARING_OPS, declared_columns
from miglint.rules._hints import by_framework


class PreferIdentity(Rule):
    """A column declared serial, bigserial or smallserial.

    ## What it does
    Notes a column that `CREATE TABLE` or `ADD COLUMN` declares with a serial pseudo-type
    (`serial`, `bigserial`, `smallserial`) on PostgreSQL 10 or later.

    ## Why is this bad?
    A serial column is an integer with a separately owned sequence: permissions, dumps,
    `CREATE TABLE … LIKE` and changing the column's type all have to deal with the sequence
    by hand, and nothing stops inserts from bypassing it and colliding later. An identity
    column (SQL standard, PostgreSQL 10+) ties the sequence to the column, and
    `GENERATED ALWAYS` rejects explicit values.

    ## Example
    ```sql
    CREATE TABLE tags (id bigserial PRIMARY KEY, label text NOT NULL);
    ```

    ## Use instead
    ```sql
    CREATE TABLE tags (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, label text NOT NULL);
    ```
    """

    code = "MG604"
    name = "prefer-identity"
    level = Level.NOTE
    dimension = Dimension.BACKWARD_COMPATIBILITY
    dialects = frozenset({"postgres"})
    operations = DECLARING_OPS

    def check(self, ctx: RuleContext) -> Iterator[Finding]:
        """Note each serial column (PostgreSQL 10+)."""
        if ctx.pg_version < 10:
            return
        for typed in declared_columns(ctx):
            if not typed.serial:
                continue
            yield self.finding(
                ctx,
                typed.step,
                f"column {typed.table}.{typed.column.name} is a serial; use "
                + by_framework(
                    ctx,
                    sql="bigint GENERATED ALWAYS AS IDENTITY",
                    alembic="sa.BigInteger() with sa.Identity(always=True)",
                    django="models.BigAutoField (an identity column from Django 4.1)",
                ),
                "identity columns own their sequence and reject accidental explicit ids",
            )
