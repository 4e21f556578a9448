"""MG004 broken-migration-graph."""

from __future__ import annotations

from collections.abc import Iterator

from miglint.context import RuleContext
from miglint.findings import Finding, Level
from miglint.ir.migration import Framework
from miglint.ir.ops import GraphProblem
from miglint.rubric import Dimension
from miglint.rules._base import Rule

_HELP = {
    Framework.ALEMBIC: "point down_revision (and depends_on) at revisions that exist, without cycles; "
    "`alembic heads` and `alembic history` show the graph",
    Framework.DJANGO: "make `dependencies` name migrations that exist, without cycles; "
    "`manage.py showmigrations --plan` shows the order",
}


class BrokenMigrationGraph(Rule):
    """A migration whose place in the history cannot be determined.

    ## What it does
    Reports a migration whose parent (Alembic `down_revision` / `depends_on`, Django
    `dependencies`) names a migration that does not exist, that is part of a cycle, or that
    reuses another migration's identifier. The framework refuses to run such a history.

    ## Why is this bad?
    The deploy fails at migration time (Alembic: "Can't locate revision", "cycle is detected"),
    and miglint cannot tell which schema the migration runs against, so its other checks see
    the wrong history.

    ## Example
    ```python
    revision = "b2"
    down_revision = "a0"  # no revision "a0" exists


    def upgrade():
        pass


    def downgrade():
        pass
    ```

    ## Use instead
    ```python
    revision = "b2"
    down_revision = None


    def upgrade():
        pass


    def downgrade():
        pass
    ```
    """

    code = "MG004"
    name = "broken-migration-graph"
    level = Level.ERROR
    dimension = Dimension.TESTING
    operations = (GraphProblem,)

    def check(self, ctx: RuleContext) -> Iterator[Finding]:
        """One finding per graph problem the front end found for this migration."""
        help_ = _HELP.get(ctx.migration.framework, "make every migration name existing parents")
        for step in ctx.steps_of(GraphProblem):
            if isinstance(step.op, GraphProblem):
                yield self.finding(ctx, step, step.op.problem, help_)
