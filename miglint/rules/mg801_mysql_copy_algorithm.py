"""MG801 mysql-copy-algorithm."""

from __future__ import annotations

import re
from collections.abc import Iterator

from miglint.context import RuleContext, Step
from miglint.findings import Finding, Level, Location
from miglint.ir.ops import (
    AddColumn,
    AddConstraint,
    AlterColumnType,
    ConstraintKind,
    DropConstraint,
    DropIndex,
    Operation,
    RenameColumn,
    norm_name,
)
from miglint.rubric import Dimension
from miglint.rules._base import Rule
from miglint.rules._column_types import norm_type, type_shape

_CONVERT_CHARSET = re.compile(
    r"\bALTER\s+TABLE\s+(?P<table>\S+)\s.*?\bCONVERT\s+TO\s+(?:CHARACTER\s+SET|CHARSET)\b",
    re.IGNORECASE | re.DOTALL,
)
_COLUMN_CHARSET = re.compile(r"\b(?:CHARACTER\s+SET|CHARSET)\b", re.IGNORECASE)
# The column attribute, not the table option AUTO_INCREMENT = N.
_AUTO_INCREMENT = re.compile(r"\bAUTO_INCREMENT\b(?!\s*=)", re.IGNORECASE)
_INTEGER_WIDTH = re.compile(r"^(tinyint|smallint|mediumint|int|integer|bigint)\(\d+\)")
_BIG_TABLE = "run it with gh-ost or pt-online-schema-change, which copy in the background"
#: Clauses that make MySQL refuse (rather than run) a table copy.
_NO_COPY = frozenset({"ALGORITHM=INSTANT", "ALGORITHM=INPLACE", "LOCK=NONE"})
#: An auto-increment column blocks writes even in place; only LOCK=NONE refuses that.
_NO_BLOCK = frozenset({"ALGORITHM=INSTANT", "LOCK=NONE"})


def clauses(op: Operation) -> frozenset[str]:
    """The operation's clauses, upper-case and without spaces (``ALGORITHM = INPLACE`` -> …)."""
    return frozenset(re.sub(r"\s+", "", c.upper()) for c in op.clauses)


def _mysql_type(type_: str) -> str:
    text = norm_type(type_).replace("integer", "int")
    return _INTEGER_WIDTH.sub(r"\1", text)


def _varchar_extends_in_place(old: str, new: str) -> bool:
    """VARCHAR(n) -> VARCHAR(m >= n) without crossing the 1-byte length prefix (any charset)."""
    a, b = type_shape(old), type_shape(new)
    if not (a.base == b.base == "varchar" and a.args and b.args and a.rest == b.rest):
        return False
    if not (a.args[0].isdigit() and b.args[0].isdigit()):
        return False
    n, m = int(a.args[0]), int(b.args[0])
    # 255 bytes is the 1-byte length limit; utf8mb4 uses up to 4 bytes per character.
    return m >= n and (m <= 63 or n >= 256)


def _hazard(ctx: RuleContext, step: Step, same_statement: list[Operation]) -> tuple[str, str] | None:
    """Why MySQL copies the table for this operation (or blocks writes) and the way out."""
    op = step.op
    found = clauses(op)
    tables = op.tables()
    charset = _CONVERT_CHARSET.search(op.text)
    if not tables and charset:
        # Front ends may leave CONVERT TO CHARACTER SET unmodelled (Opaque): read the text.
        tables = (norm_name(charset.group("table").strip("`")),)
    if not tables or step.is_new(tables[0]):
        return None
    if charset and not found & _NO_COPY:
        return f"converting the character set of {tables[0]} copies the table", _BIG_TABLE
    match op:
        case AlterColumnType():
            if found & _NO_COPY:
                return None
            old = op.old_type
            if old is None:
                # CHANGE old new TYPE: the type is known under the old name.
                renamed = [
                    o.column
                    for o in same_statement
                    if isinstance(o, RenameColumn) and o.table == op.table and o.new_name == op.column
                ]
                known = ctx.schema.column(op.table, renamed[0] if renamed else op.column)
                old = known.type if known and known.type else None
            # The front end keeps no column CHARACTER SET in new_type: read it from the text.
            if (
                old is not None
                and not _COLUMN_CHARSET.search(op.text)
                and (
                    _mysql_type(old) == _mysql_type(op.new_type)
                    or _varchar_extends_in_place(old, op.new_type)
                )
            ):
                return None
            was = f" from {old}" if old else ""
            return (
                f"changing the type of {op.table}.{op.column}{was} to {op.new_type} copies the table",
                "add a new column, backfill it in batches, switch readers, then drop the old one; "
                "or run the change with gh-ost / pt-online-schema-change",
            )
        case AddColumn() if _auto_increment(op):
            if found & _NO_BLOCK:
                return None
            return (
                f"adding AUTO_INCREMENT column {op.table}.{op.column.name} rebuilds the table",
                _BIG_TABLE,
            )
        case DropConstraint() | DropIndex() if _drops_primary_key(op):
            adds_pk = any(
                isinstance(o, AddConstraint) and o.constraint is ConstraintKind.PRIMARY_KEY
                for o in same_statement
            )
            if adds_pk or found & _NO_COPY:
                return None
            return (
                f"dropping the primary key of {tables[0]} copies the table",
                "drop and add the new primary key in one ALTER TABLE (done in place)",
            )
        case AddConstraint(constraint=ConstraintKind.FOREIGN_KEY):
            if found & _NO_COPY:
                return None
            name = f" {op.name}" if op.name else ""
            return (
                f"adding foreign key{name} on {op.table} copies the table (foreign_key_checks=1)",
                "SET foreign_key_checks = 0 for the session and add ALGORITHM=INPLACE (MySQL then "
                "builds it in place; existing rows are not checked)",
            )
        case _:
            return None


def _auto_increment(op: AddColumn) -> bool:
    column = op.column
    return (
        column.identity
        or column.serial
        or bool(_AUTO_INCREMENT.search(column.type))
        or bool(_AUTO_INCREMENT.search(op.text))
    )


def _drops_primary_key(op: DropConstraint | DropIndex) -> bool:
    if isinstance(op, DropConstraint) and op.definition is not None:
        return op.definition.constraint is ConstraintKind.PRIMARY_KEY
    return op.name.strip("`").lower() in ("primary", "primary key")


class MysqlCopyAlgorithm(Rule):
    """An ALTER that MySQL 8 runs by copying the table (or with writes blocked).

    ## What it does
    On MySQL, reports ALTERs of an existing table that InnoDB cannot do in place or
    instantly: changing a column's type (`MODIFY` / `CHANGE` to another type; extending a
    `VARCHAR` within its length-byte range is exempt), dropping the primary key without
    adding another in the same statement, converting the character set, adding a foreign
    key with `foreign_key_checks` on, and adding an `AUTO_INCREMENT` column (in place, but
    concurrent writes are blocked). A statement with `ALGORITHM=INSTANT`, `ALGORITHM=INPLACE`
    or `LOCK=NONE` is exempt: MySQL then fails fast instead of copying.

    ## Why is this bad?
    With `ALGORITHM=COPY` MySQL builds a new copy of the table row by row while writes to it
    are blocked, for minutes or hours on a big table; replicas replay the same copy and lag
    behind.

    ## Example
    ```sql
    ALTER TABLE orders MODIFY amount DECIMAL(14,2) NOT NULL;
    ```

    ## Use instead
    ```sql
    ALTER TABLE orders ADD COLUMN amount_v2 DECIMAL(14,2) NULL, ALGORITHM=INSTANT;
    ```
    Add a new column, backfill it in batches and switch readers over (expand/contract); or
    run the type change with gh-ost or pt-online-schema-change, which copy in the background
    without blocking writes.
    """

    code = "MG801"
    name = "mysql-copy-algorithm"
    level = Level.ERROR
    dimension = Dimension.ZERO_DOWNTIME
    dialects = frozenset({"mysql"})

    def check(self, ctx: RuleContext) -> Iterator[Finding]:
        """One finding per ALTER statement that copies an existing table."""
        by_statement: dict[Location, list[Operation]] = {}
        for step in ctx:
            by_statement.setdefault(step.op.location, []).append(step.op)
        reported: set[Location] = set()
        for step in ctx:
            location = step.op.location
            if location in reported and location.path != "<unknown>":
                continue
            hazard = _hazard(ctx, step, by_statement[location])
            if hazard is None:
                continue
            reported.add(location)
            reason, help_ = hazard
            yield self.finding(
                ctx,
                step,
                f"{reason}, blocking writes until it finishes; add ALGORITHM=INPLACE, LOCK=NONE "
                "(or INSTANT) so MySQL refuses to copy, or use gh-ost / pt-online-schema-change",
                help_,
            )
