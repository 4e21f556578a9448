"""MG603 prefer-timestamptz."""

from __future__ import annotations

from collections.abc import Iterator

from miglint.context import RuleContext
from miglint.findings import Finding, Level
from miglint.rubric import Dimension
from miglint.rules._base import Rule
from miglint.rules._column_types import TYPING_OPS, typed_columns
from miglint.rules._hints import by_framework


class PreferTimestamptz(Rule):
    """A column declared timestamp without time zone.

    ## What it does
    Notes a column that `CREATE TABLE`, `ADD COLUMN` or `ALTER COLUMN … TYPE` declares as
    `timestamp` or `timestamp without time zone` (with or without a precision).

    ## Why is this bad?
    A `timestamp` stores wall-clock time with no zone: the same instant is stored
    differently by clients in different time zones, and comparisons across a DST change go
    wrong. `timestamptz` stores an absolute instant (in UTC) and converts on display, at the
    same 8 bytes.

    ## Example
    ```sql
    ALTER TABLE events ADD COLUMN happened_at timestamp;
    ```

    ## Use instead
    ```sql
    ALTER TABLE events ADD COLUMN happened_at timestamptz;
    ```
    """

    code = "MG603"
    name = "prefer-timestamptz"
    level = Level.NOTE
    dimension = Dimension.DATA_VALIDATION
    dialects = frozenset({"postgres"})
    operations = TYPING_OPS

    def check(self, ctx: RuleContext) -> Iterator[Finding]:
        """Note each timestamp column without a time zone."""
        for typed in typed_columns(ctx):
            shape = typed.shape
            if shape.base != "timestamp" or shape.rest not in ("", "without time zone"):
                continue
            yield self.finding(
                ctx,
                typed.step,
                f"column {typed.table}.{typed.column.name} is timestamp without time zone; "
                + by_framework(
                    ctx,
                    sql="use timestamptz",
                    alembic="use sa.DateTime(timezone=True)",
                    django="use timestamptz (models.DateTimeField is timestamptz on PostgreSQL)",
                ),
                "timestamptz stores an absolute instant; timestamp depends on the client's zone",
            )
