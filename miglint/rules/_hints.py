"""Fix hints that speak the migration's framework (raw SQL, Alembic or Django).

A rule's safe alternative is the same change everywhere, but the way to write it differs: a
SQL file says ``CREATE INDEX CONCURRENTLY``, an Alembic revision
``op.create_index(..., postgresql_concurrently=True)`` inside ``autocommit_block()``, a Django
migration ``AddIndexConcurrently`` with ``atomic = False``. Rules pick the wording with
:func:`by_framework`.
"""

from __future__ import annotations

from miglint.context import RuleContext
from miglint.ir.migration import Framework

#: The Alembic spelling of "outside the revision's transaction".
AUTOCOMMIT = "with op.get_context().autocommit_block():"
#: Where Django's PostgreSQL-only operations live.
PG_OPERATIONS = "django.contrib.postgres.operations"


def by_framework(ctx: RuleContext, *, sql: str, alembic: str | None = None, django: str | None = None) -> str:
    """The text for the framework of ``ctx``'s migration; ``sql`` when none is given for it."""
    match ctx.migration.framework:
        case Framework.ALEMBIC if alembic is not None:
            return alembic
        case Framework.DJANGO if django is not None:
            return django
        case _:
            return sql


def py_list(items: tuple[str, ...] | list[str], placeholder: str = "...") -> str:
    """A Python list literal of strings for hints: ``["a", "b"]`` (``[...]`` when empty)."""
    return "[" + ", ".join(f'"{i}"' for i in items) + "]" if items else f"[{placeholder}]"
