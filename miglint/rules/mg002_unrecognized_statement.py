"""MG002 unrecognized-statement."""

from __future__ import annotations

from collections.abc import Iterator

from miglint.context import RuleContext
from miglint.findings import Finding, Level
from miglint.ir.ops import Opaque
from miglint.rubric import Dimension
from miglint.rules._base import Rule


class UnrecognizedStatement(Rule):
    """Valid input that miglint could not model.

    ## What it does
    Notes each statement or call that parses but that miglint has no model for (for example
    SQL built at run time, or a custom framework operation), with the reason.

    ## Why is this bad?
    It is not necessarily wrong, but no rule looked at it: review it by hand.

    ## Example
    ```sql
    CREATE EXTENSION IF NOT EXISTS pgcrypto;
    ```

    ## Use instead
    ```sql
    -- miglint: ignore[MG002] reviewed: extension is already installed on every server
    CREATE EXTENSION IF NOT EXISTS pgcrypto;
    ```
    """

    code = "MG002"
    name = "unrecognized-statement"
    level = Level.NOTE
    dimension = Dimension.TESTING
    operations = (Opaque,)

    def check(self, ctx: RuleContext) -> Iterator[Finding]:
        """One note per operation that could not be modelled."""
        for step in ctx.steps_of(Opaque):
            if isinstance(step.op, Opaque):
                yield self.finding(
                    ctx, step, f"not checked: {step.op.reason}", "review this statement by hand"
                )
