"""Column-type helpers shared by the type rules (MG601-MG604) and MySQL rules (MG8xx).

Front ends spell types as written or as sqlglot renders them (``INT``, ``integer``,
``CHARACTER VARYING(20)``, ``TIMESTAMP(3) WITHOUT TIME ZONE``); these helpers compare them
case- and spacing-insensitively.
"""

from __future__ import annotations

import re
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
    #: ``type_shape(column.type)``, which every type rule looks at.
    shape: TypeShape

    @property
    def serial(self) -> bool:
        """Whether the column is declared serial/bigserial/smallserial."""
        return self.column.serial or self.shape.base in SERIALS


def declared_columns(ctx: RuleContext) -> tuple[TypedColumn, ...]:
    """Columns declared by the migration's CREATE TABLE and ADD COLUMN steps, in order."""
    return ctx.shared(_declared_columns)


def typed_columns(ctx: RuleContext) -> tuple[TypedColumn, ...]:
    """Declared columns, plus the columns ALTER COLUMN … TYPE retypes, in order."""
    return ctx.shared(_typed_columns)


def _declared_columns(ctx: RuleContext) -> tuple[TypedColumn, ...]:
    return tuple([typed for typed in typed_columns(ctx) if not isinstance(typed.step.op, AlterColumnType)])


def _typed_columns(ctx: RuleContext) -> tuple[TypedColumn, ...]:
    # Up to four type rules look at the same columns: each is read (and its type split) once.
    found: list[TypedColumn] = []
    for step in ctx.steps_of(*TYPING_OPS):
        op = step.op
        if isinstance(op, CreateTable):
            found += [TypedColumn(step, op.table, c, type_shape(c.type)) for c in op.columns]
        elif isinstance(op, AddColumn):
            found.append(TypedColumn(step, op.table, op.column, type_shape(op.column.type)))
        elif isinstance(op, AlterColumnType):
            column = ColumnDef(name=op.column, type=op.new_type)
            found.append(TypedColumn(step, op.table, column, type_shape(op.new_type)))
    return tuple(found)
