"""MG107 column-type-change."""

from __future__ import annotations

import re
from collections.abc import Iterator

from miglint.context import RuleContext
from miglint.findings import Finding, Level
from miglint.ir.ops import AddColumn, AlterColumnType, CreateTable, DropColumn, RenameColumn
from miglint.rubric import Dimension
from miglint.rules._base import Rule
from miglint.rules._hints import by_framework

_ALIASES = {
    "character varying": "varchar",
    "char varying": "varchar",
    "character": "bpchar",
    "char": "bpchar",
    "decimal": "numeric",
    "bit varying": "varbit",
    "timestamp without time zone": "timestamp",
    "timestamp with time zone": "timestamptz",
    "time without time zone": "time",
    "time with time zone": "timetz",
    "int": "integer",
    "int4": "integer",
    "int8": "bigint",
    "int2": "smallint",
    "float8": "double precision",
    "float4": "real",
    "bool": "boolean",
}
_TYPE = re.compile(r"^(?P<base>[a-z_][a-z0-9_ ]*[a-z0-9_]|[a-z_])\s*(?:\((?P<args>[^)]*)\))?\s*(?P<rest>.*)$")


def parse_type(text: str) -> tuple[str, tuple[int, ...], str] | None:
    """Split a SQL type into (canonical base name, integer modifiers, trailing text)."""
    t = " ".join(text.strip().strip('"').lower().replace("pg_catalog.", "").split())
    m = _TYPE.match(t)
    if not m:
        return None
    base = m.group("base").strip()
    rest = m.group("rest").strip()
    # "timestamp(3) with time zone" puts the modifier in the middle.
    if base in ("timestamp", "time") and rest in ("with time zone", "without time zone"):
        base, rest = f"{base} {rest}", ""
    base = _ALIASES.get(base, base)
    args: tuple[int, ...] = ()
    if m.group("args") is not None:
        try:
            args = tuple(int(a) for a in m.group("args").split(","))
        except ValueError:
            return None
    return base, args, rest


def binary_compatible(old: str, new: str) -> bool:
    """Whether PostgreSQL changes ``old`` to ``new`` without rewriting or scanning the table.

    Covers the widenings PostgreSQL documents as metadata-only: varchar(n) to a longer
    varchar or text, text to unconstrained varchar, numeric(p,s) to a greater precision with
    the same scale (or unconstrained), varbit(n) to longer, and cidr to inet.
    """
    a, b = parse_type(old), parse_type(new)
    if a is None or b is None or a[2] or b[2]:
        # Arrays and anything we cannot read are not proven safe (identical text aside).
        return a is not None and a == b
    (ob, oa), (nb, na) = a[:2], b[:2]
    if (ob, oa) == (nb, na):
        return True
    if ob in ("varchar", "text") and nb == "text":
        return True
    if ob in ("varchar", "text") and nb == "varchar":
        return not na or (ob == "varchar" and bool(oa) and na[0] >= oa[0])
    if ob == "varbit" and nb == "varbit":
        return not na or (bool(oa) and na[0] >= oa[0])
    if ob == "numeric" and nb == "numeric":
        if len(na) == 0:
            return True  # unconstrained numeric holds any value
        if len(oa) == 0:
            return False
        old_precision, old_scale = oa[0], (oa[1] if len(oa) > 1 else 0)
        new_precision, new_scale = na[0], (na[1] if len(na) > 1 else 0)
        return new_scale == old_scale and new_precision >= old_precision
    return ob == "cidr" and nb == "inet"


class ColumnTypeChange(Rule):
    """ALTER COLUMN TYPE that rewrites the table or breaks readers.

    ## What it does
    Reports `ALTER TABLE … ALTER COLUMN … TYPE …` on a table that already exists, except for
    the binary-compatible widenings PostgreSQL applies without touching the rows:
    `varchar(n)` → `varchar(m)` with m ≥ n, `varchar` → `text`, `text` → `varchar`,
    `numeric(p,s)` → `numeric(q,s)` with q ≥ p or unconstrained `numeric`, `varbit(n)` → a
    longer `varbit`, and `cidr` → `inet`. The old type comes from the migration history
    (or the framework); when it is unknown the change cannot be proven safe and is reported.

    ## Why is this bad?
    Other type changes rewrite the whole table and all its indexes under an ACCESS EXCLUSIVE
    lock: no reads or writes for the duration. Even when the rewrite is quick, code that is
    still running reads and writes the old type and may break. `timestamp` → `timestamptz`
    only skips the rewrite on PostgreSQL 12+ when the session TimeZone is UTC, which a
    migration cannot guarantee, so it is reported too.

    ## Example
    ```sql
    ALTER TABLE orders ALTER COLUMN amount TYPE bigint;
    ```

    ## Use instead
    ```sql
    ALTER TABLE orders ADD COLUMN amount_new bigint;
    -- backfill amount_new in batches, switch the code to read it, then drop amount
    ```
    This is the expand-contract pattern: add the new column, write both, backfill in batches,
    switch reads, then drop the old column in a later migration.
    """

    code = "MG107"
    name = "column-type-change"
    level = Level.ERROR
    dimension = Dimension.BACKWARD_COMPATIBILITY
    dialects = frozenset({"postgres"})
    operations = (AlterColumnType,)

    def check(self, ctx: RuleContext) -> Iterator[Finding]:
        """Flag type changes on existing tables that are not proven binary-compatible."""
        # Column types set earlier in this migration override what the history says.
        local: dict[tuple[str, str], str | None] = {}
        for step in ctx.steps_of(CreateTable, AddColumn, DropColumn, RenameColumn, AlterColumnType):
            op = step.op
            match op:
                case CreateTable():
                    for c in op.columns:
                        local[(op.table, c.name)] = c.type or None
                case AddColumn():
                    local[(op.table, op.column.name)] = op.column.type or None
                case DropColumn():
                    local[(op.table, op.column)] = None
                case RenameColumn():
                    local[(op.table, op.new_name)] = self._old_type(ctx, local, op.table, op.column)
                case AlterColumnType():
                    old = self._old_type(ctx, local, op.table, op.column) or op.old_type
                    local[(op.table, op.column)] = op.new_type
                    if step.is_new(op.table):
                        continue
                    finding = self._judge(ctx, op, old)
                    if finding is not None:
                        yield finding
                case _:
                    pass

    @staticmethod
    def _old_type(
        ctx: RuleContext, local: dict[tuple[str, str], str | None], table: str, column: str
    ) -> str | None:
        if (table, column) in local:
            return local[(table, column)]
        known = ctx.schema.column(table, column)
        return known.type if known is not None and known.type else None

    def _judge(self, ctx: RuleContext, op: AlterColumnType, old: str | None) -> Finding | None:
        where = f"{op.table}.{op.column}"
        trivial_using = op.using is None or op.using.strip().strip('"').lower() == op.column
        if old is not None and trivial_using and binary_compatible(old, op.new_type):
            return None
        if old is None:
            change = f"to {op.new_type} (miglint could not tell the old type, so cannot prove it safe)"
        else:
            change = f"from {old} to {op.new_type}"
        note = ""
        parsed_old, parsed_new = parse_type(old or ""), parse_type(op.new_type)
        if (
            parsed_old is not None
            and parsed_new is not None
            and (parsed_old[0], parsed_new[0]) == ("timestamp", "timestamptz")
        ):
            note = " (timestamp → timestamptz skips the rewrite only on PostgreSQL 12+ with TimeZone UTC)"
        return self.finding(
            ctx,
            op,
            f"changing {where} {change} rewrites the table under an ACCESS EXCLUSIVE lock and "
            f"breaks readers of the old type{note}; use instead: add a new column, backfill in "
            "batches, switch reads, drop the old one (expand-contract)",
            by_framework(
                ctx,
                sql="ADD COLUMN new_col new_type; write both; backfill in batches; switch reads; DROP "
                "the old column in a later release",
                alembic=f'op.add_column("{op.table}", sa.Column("{op.column}_new", ...)); write both '
                "from the code; backfill in batches (autocommit_block() or a revision of its own); "
                f'switch reads; op.drop_column("{op.table}", "{op.column}") in a later revision',
                django="AddField a new field of the new type; write both from the code; backfill "
                "with RunPython in batches (atomic = False); switch reads; remove the old field in a "
                "later release (SeparateDatabaseAndState first, then RemoveField)",
            ),
        )
