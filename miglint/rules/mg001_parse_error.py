"""MG001 parse-error."""

from __future__ import annotations

from collections.abc import Iterator

from miglint.context import RuleContext
from miglint.findings import Finding, Level
from miglint.ir.ops import ParseError as ParseErrorOp
from miglint.rubric import Dimension
from miglint.rules._base import Rule


class ParseError(Rule):
    """A statement or Python file that does not parse.

    ## What it does
    Reports each SQL statement, or Python migration file, that miglint cannot parse. Only
    that statement is lost: the other statements of the file are still linted.

    ## Why is this bad?
    The database will most likely reject it too, and nothing in it was checked for hazards.

    ## Example
    ```sql
    ALTER TABLE accounts ADD COLUMN;
    ```

    ## Use instead
    ```sql
    ALTER TABLE accounts ADD COLUMN note text;
    ```
    """

    code = "MG001"
    name = "parse-error"
    level = Level.ERROR
    dimension = Dimension.TESTING
    operations = (ParseErrorOp,)
    rollback_operations = (ParseErrorOp,)

    def check(self, ctx: RuleContext) -> Iterator[Finding]:
        """One finding per unparseable statement."""
        for step in ctx.steps_of(ParseErrorOp):
            if isinstance(step.op, ParseErrorOp):
                yield self.finding(
                    ctx, step, step.op.message, "fix the syntax; nothing in this statement was checked"
                )
        for op in ctx.migration.rollback or ():
            if isinstance(op, ParseErrorOp):
                yield self.finding(ctx, op, op.message, "fix the syntax of the rollback")
