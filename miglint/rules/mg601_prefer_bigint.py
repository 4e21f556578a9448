"""MG601 prefer-bigint."""

from __future__ import annotations

from collections.abc import Iterator

from miglint.context import RuleContext
from miglint.findings import Finding, Level
from miglint.ir.migration import Framework
from miglint.rubric import Dimension
from miglint.rules._base import Rule
from miglint.rules._column_types import (
    BIG_INTEGERS,
    DECLARING_OPS,
    SMALL_INTEGERS,
    declared_columns,
    is_key_column,
)
from miglint.rules._hints import by_framework


class PreferBigint(Rule):
    """A key column declared int, smallint or serial.

    ## What it does
    Notes a primary-key column, a column named `id`, or one ending in `_id` that `CREATE
    TABLE` or `ADD COLUMN` declares as `integer`/`int`/`int4`, `smallint`/`int2`, `serial`
    or `smallserial`. In Django, a foreign-key column is not reported: its type follows the
    primary key it references, which is reported where that is declared (`AutoField`).

    ## Why is this bad?
    A 4-byte key runs out at 2,147,483,647. Busy tables reach that in a few years, and then
    every insert fails; widening the key afterwards rewrites the table and every table that
    references it, under an ACCESS EXCLUSIVE lock. `bigint` costs 4 more bytes per row.

    ## Example
    ```sql
    CREATE TABLE accounts (id integer PRIMARY KEY, owner_id int NOT NULL, name text);
    ```

    ## Use instead
    ```sql
    CREATE TABLE accounts (
        id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        owner_id bigint NOT NULL,
        name text
    );
    ```
    """

    code = "MG601"
    name = "prefer-bigint"
    level = Level.NOTE
    dimension = Dimension.BACKWARD_COMPATIBILITY
    dialects = frozenset({"postgres"})
    operations = DECLARING_OPS

    def check(self, ctx: RuleContext) -> Iterator[Finding]:
        """Note each 4- or 2-byte integer key column."""
        django = ctx.migration.framework is Framework.DJANGO
        for typed in declared_columns(ctx):
            column = typed.column
            shape = typed.shape
            if shape.base in BIG_INTEGERS or shape.base not in SMALL_INTEGERS:
                continue
            if not is_key_column(column) or shape.array:
                continue
            if django and column.references is not None:
                continue  # follows the referenced key, reported where that is declared
            better = "bigint GENERATED ALWAYS AS IDENTITY" if typed.serial else "bigint"
            yield self.finding(
                ctx,
                typed.step,
                f"key column {typed.table}.{column.name} is {column.type or shape.base}, "
                f"which overflows at 2^31; declare it "
                + by_framework(
                    ctx,
                    sql=better,
                    alembic="sa.BigInteger()" + (", sa.Identity(always=True)" if typed.serial else ""),
                    django="models.BigAutoField"
                    if column.identity or typed.serial
                    else "models.BigIntegerField",
                ),
                by_framework(
                    ctx,
                    sql="use bigint for primary keys and the columns that reference them",
                    alembic="use sa.BigInteger() for primary keys (with sa.Identity()) and the "
                    "columns that reference them",
                    django="use models.BigAutoField for primary keys (DEFAULT_AUTO_FIELD = "
                    '"django.db.models.BigAutoField" in settings, or AppConfig.default_auto_field) '
                    "and models.BigIntegerField for other keys",
                ),
            )
