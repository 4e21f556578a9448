"""MG401 missing-rollback."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import PurePath

from miglint.context import RuleContext
from miglint.findings import Finding, Level, Location
from miglint.ir.migration import Framework, Migration
from miglint.ir.ops import Harmless, Irreversible, Operation, SetTimeout, TransactionControl
from miglint.rubric import Dimension
from miglint.rules._base import Rule

_HELP = {
    Framework.SQL: "write a down migration that drops what the up migration adds and re-creates "
    "what it drops, and run it once against a copy of the database",
    Framework.ALEMBIC: "write downgrade() with the op.* calls that undo upgrade() (op.drop_column "
    "for op.add_column, op.drop_index for op.create_index, …), or document why the revision is "
    "one-way",
    Framework.DJANGO: "pass reverse_code= to RunPython / reverse_sql= to RunSQL "
    "(migrations.RunPython.noop or migrations.RunSQL.noop when nothing needs undoing)",
}


#: Harmless statements that do nothing a rollback could be made of.
_IDLE = frozenset({"empty", "select", "set", "reset"})


def _idle(op: Operation) -> bool:
    if isinstance(op, (TransactionControl, SetTimeout)):
        return True
    return isinstance(op, Harmless) and (op.statement in _IDLE or op.statement.startswith("psql"))


def effective(ops: tuple[Operation, ...]) -> list[Operation]:
    """The operations of a rollback that do something (not BEGIN/COMMIT, SET, SELECT, …)."""
    return [op for op in ops if not _idle(op)]


def effective_rollback(ctx: RuleContext) -> list[Operation]:
    """:func:`effective` of the migration's rollback (none: empty), worked out once for MG401/MG402."""
    return ctx.shared(_effective_rollback)


def _effective_rollback(ctx: RuleContext) -> list[Operation]:
    return effective(ctx.migration.rollback or ())


def _changed_tables(migration: Migration) -> str:
    tables = dict.fromkeys(t for op in migration.upgrade if op.needs_undo for t in op.tables())
    return f" (it changes {', '.join(tables)})" if tables else ""


class MissingRollback(Rule):
    """No rollback where the framework or file convention has one.

    ## What it does
    Reports a migration whose convention pairs it with a rollback (a golang-migrate
    `.down.sql`, a dbmate `-- migrate:down` section, an Alembic `downgrade()`) when that
    rollback is missing, empty, or only says the migration is irreversible; and each Django
    `RunPython` without `reverse_code` or `RunSQL` without `reverse_sql`. A lone `.sql` file
    in a folder with no up/down convention is not reported. An empty rollback is accepted
    when the upgrade changes no schema (a settings- or data-only migration).

    ## Why is this bad?
    When a deploy goes wrong, the rollback is the plan. Without one, undoing the change means
    writing DDL by hand under pressure, and an irreversible migration blocks rolling back
    every migration before it too.

    ## Example
    ```sql
    -- migrate:up
    ALTER TABLE users ADD COLUMN email text;

    -- migrate:down
    ```

    ## Use instead
    ```sql
    -- migrate:up
    ALTER TABLE users ADD COLUMN email text;

    -- migrate:down
    ALTER TABLE users DROP COLUMN email;
    ```
    Test the rollback: apply up, down and up again on a copy of the database.
    """

    code = "MG401"
    name = "missing-rollback"
    level = Level.ERROR
    dimension = Dimension.ROLLBACK_PLAN

    def check(self, ctx: RuleContext) -> Iterator[Finding]:
        """Report a missing, empty or irreversible rollback, and each irreversible operation."""
        migration = ctx.migration
        help_ = _HELP.get(migration.framework, _HELP[Framework.SQL])
        markers = [op for op in migration.upgrade if isinstance(op, Irreversible)]
        if migration.rollback:
            markers += [op for op in migration.rollback if isinstance(op, Irreversible)]
        if markers:
            seen: set[tuple[Location, str]] = set()
            for op in markers:
                message = f"cannot be rolled back: {op.reason}{_changed_tables(migration)}"
                finding = self.finding(ctx, op, message, help_)
                if (finding.location, message) not in seen:
                    seen.add((finding.location, message))
                    yield finding
            return
        if not migration.rollback_expected:
            return
        if migration.rollback is None:
            top, name = Location(migration.path), PurePath(migration.path).name
            what = {
                Framework.ALEMBIC: f"revision {name} has no downgrade()",
                Framework.DJANGO: f"migration {name} cannot be reversed",
            }.get(migration.framework, f"no down migration for {name}")
            yield self.finding(ctx, top, f"{what}{_changed_tables(migration)}", help_)
        elif not effective_rollback(ctx) and any(op.needs_undo for op in migration.upgrade):
            top, name = Location(migration.path), PurePath(migration.path).name
            what = {
                Framework.ALEMBIC: f"downgrade() of {name} is empty",
            }.get(migration.framework, f"the rollback of {name} is empty")
            yield self.finding(
                ctx, top, f"{what}: rolling back changes nothing{_changed_tables(migration)}", help_
            )
