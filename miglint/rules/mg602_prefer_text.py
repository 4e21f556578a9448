"""MG602 prefer-text."""

from __future__ import annotations

from collections.abc import Iterator

from miglint.context import RuleContext
from miglint.findings import Finding, Level
from miglint.ir.migration import Framework
from miglint.rubric import Dimension
from miglint.rules._base import Rule
from miglint.rules._column_types import TYPING_OPS, typed_columns
from miglint.rules._hints import by_framework

_BOUNDED = frozenset({"varchar", "character varying", "char", "character", "bpchar", "nchar"})


class PreferText(Rule):
    """A column declared varchar(n) or char(n).

    ## What it does
    Notes a column that `CREATE TABLE`, `ADD COLUMN` or `ALTER COLUMN … TYPE` declares as
    `varchar(n)`, `character varying(n)`, `char(n)` or `character(n)`. Django migrations are
    not checked: Django requires `max_length` on every `CharField` (and gives `SlugField`,
    `EmailField`, … one by default), so the note would fire on nearly every model; use
    `TextField` where no limit is wanted.

    ## Why is this bad?
    In PostgreSQL `text` and `varchar(n)` are stored alike; the length limit is only a
    check. When the limit has to grow, shrinking or changing it is an `ALTER COLUMN TYPE`
    under an ACCESS EXCLUSIVE lock, and `char(n)` pads values with spaces. A `CHECK`
    constraint enforces the same limit and can be replaced with `NOT VALID` and `VALIDATE`
    without blocking anyone.

    ## Example
    ```sql
    ALTER TABLE users ADD COLUMN nickname varchar(50);
    ```

    ## Use instead
    ```sql
    ALTER TABLE users ADD COLUMN nickname text;
    ALTER TABLE users ADD CONSTRAINT users_nickname_length
        CHECK (length(nickname) <= 50) NOT VALID;
    ```
    """

    code = "MG602"
    name = "prefer-text"
    level = Level.NOTE
    dimension = Dimension.BACKWARD_COMPATIBILITY
    dialects = frozenset({"postgres"})
    operations = TYPING_OPS

    def check(self, ctx: RuleContext) -> Iterator[Finding]:
        """Note each length-limited character column (not in Django migrations)."""
        if ctx.migration.framework is Framework.DJANGO:
            return
        for typed in typed_columns(ctx):
            shape = typed.shape
            if shape.base not in _BOUNDED or not shape.args:
                continue
            limit = shape.args[0]
            name = typed.column.name
            yield self.finding(
                ctx,
                typed.step,
                f"column {typed.table}.{name} is {shape.base}({limit}); use text with "
                f"CHECK (length({name}) <= {limit})",
                by_framework(
                    ctx,
                    sql="a CHECK constraint can later be changed with NOT VALID + VALIDATE; "
                    "a varchar limit only with ALTER COLUMN TYPE",
                    alembic=f'declare it sa.Text() with sa.CheckConstraint("length({name}) <= '
                    f'{limit}"); a CHECK can later be changed with postgresql_not_valid=True '
                    "+ VALIDATE, a String(n) limit only with alter_column(type_=...)",
                ),
            )
