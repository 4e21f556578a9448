"""Column-type helpers shared by the type rules (MG601-MG604) and MySQL rules (MG8xx).

Front ends spell types as written or as sqlglot renders them (``INT``, ``integer``,
``CHARACTER VARYING(20)``, ``TIMESTAMP(3) WITHOUT TIME ZONE``); these helpers compare them
case- and spacing-insensitively.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import lru_cache
from typing import NamedTuple

from miglint.context import RuleContext, Step
from miglint.ir.ops import AddColumn, AlterColumnType, ColumnDef, CreateTable

_SPACES = re.compile(r"\s+")
#: Words that qualify a base type without parentheses (``timestamp without time zone``).
_QUALIFIERS = re.compile(r"\s+((?:with|without) time zone|unsigned|signed|zerofill)(?=\s|$).*$")

#: 4-byte and smaller integer types, serials included (PostgreSQL spellings).
SMALL_INTEGERS = frozenset(
    {"int", "integer", "int4", "smallint", "int2", "serial", "serial4", "smallserial", "serial2"}
)
#: Types that create an implicit sequence.
SERIALS = frozenset({"serial", "serial4", "smallserial", "serial2", "bigserial", "serial8"})
BIG_INTEGERS = frozenset({"bigint", "int8", "bigserial", "serial8"})


@lru_cache(maxsize=1024)
def norm_type(type_: str) -> str:
    """Lower-case, quote-free, single-spaced spelling of a type (``VARCHAR (20)`` -> ``varchar(20)``)."""
    text = _SPACES.sub(" ", type_.replace('"', "").strip().lower())
    return re.sub(r"\s*\(\s*", "(", re.sub(r"\s*\)", ")", re.sub(r"\s*,\s*", ",", text)))


@dataclass(frozen=True)
class TypeShape:
    """A type split into base name, arguments, trailing words and array-ness."""

    base: str
    args: tuple[str, ...]
    rest: str
    array: bool


@lru_cache(maxsize=1024)
def type_shape(type_: str) -> TypeShape:
    """Split ``type_`` (``timestamp(3) without time zone[]``) into its parts (cached: a run has few types)."""
    text = norm_type(type_)
    array = text.endswith("[]")
    text = text.removesuffix("[]").strip()
    base, args_text, rest = text, "", ""
    if "(" in text and ")" in text:
        open_at, close_at = text.find("("), text.rfind(")")
        base, args_text, rest = text[:open_at], text[open_at + 1 : close_at], text[close_at + 1 :]
    base, rest = base.strip(), rest.strip()
    if not rest and (q := _QUALIFIERS.search(base)):
        base, rest = base[: q.start()], q.group(0).strip()
    args = tuple(a.strip() for a in args_text.split(",") if a.strip())
    return TypeShape(base, args, rest, array)


def is_serial(column: ColumnDef) -> bool:
    """Whether the column is declared serial/bigserial/smallserial."""
    return column.serial or type_shape(column.type).base in SERIALS


def is_key_column(column: ColumnDef) -> bool:
    """A primary key, a column named ``id``, or one ending in ``_id``."""
    name = column.name.lower()
    return column.primary_key or name == "id" or name.endswith("_id")


#: The operations that declare (or retype) columns, for ``Rule.operations``.
DECLARING_OPS = (CreateTable, AddColumn)
TYPING_OPS = (CreateTable, AddColumn, AlterColumnType)


class TypedColumn(NamedTuple):
    """A column given a type by a step (a light record: one is made per column per migration)."""

    step: Step
    table: str
    column: ColumnDef


def declared_columns(ctx: RuleContext) -> tuple[TypedColumn, ...]:
    """Columns declared by the migration's CREATE TABLE and ADD COLUMN steps, in order."""
    return ctx.shared(_declared_columns)


def typed_columns(ctx: RuleContext) -> tuple[TypedColumn, ...]:
    """Declared columns, plus the columns ALTER COLUMN … TYPE retypes, in order."""
    return ctx.shared(_typed_columns)


def _declared_columns(ctx: RuleContext) -> tuple[TypedColumn, ...]:
    return tuple(_columns_of(ctx.steps_of(*DECLARING_OPS)))


def _typed_columns(ctx: RuleContext) -> tuple[TypedColumn, ...]:
    return tuple(_columns_of(ctx.steps_of(*TYPING_OPS)))


def _columns_of(steps: Iterable[Step]) -> Iterator[TypedColumn]:
    for step in steps:
        op = step.op
        match op:
            case CreateTable():
                for column in op.columns:
                    yield TypedColumn(step, op.table, column)
            case AddColumn():
                yield TypedColumn(step, op.table, op.column)
            case AlterColumnType():
                yield TypedColumn(step, op.table, ColumnDef(name=op.column, type=op.new_type))
            case _:
                pass
