"""MG000 internal-error."""

from __future__ import annotations

from collections.abc import Iterator

from miglint.context import RuleContext
from miglint.findings import Finding, Level
from miglint.ir.ops import InternalFailure
from miglint.rubric import Dimension
from miglint.rules._base import Rule


class InternalError(Rule):
    """A rule or front end of miglint raised an exception on this file.

    ## What it does
    Reports, against the file being linted, an exception raised inside miglint (a rule, a
    parser or a plugin). The other rules and files are still linted.

    ## Why is this bad?
    The file was not fully checked: a hazard in it may have gone unreported. It is a bug in
    miglint or in a plugin rule; please report it with the file that caused it.

    ## Example
    ```text
    migrations/0007.sql:1:1: MG000 rule MG107 failed: KeyError: 'type'
    ```

    ## Use instead
    ```text
    Upgrade miglint or the plugin; meanwhile ignore the failing rule for this file.
    ```
    """

    code = "MG000"
    name = "internal-error"
    level = Level.ERROR
    dimension = Dimension.TESTING
    operations = (InternalFailure,)

    def check(self, ctx: RuleContext) -> Iterator[Finding]:
        """Front-end failures recorded in the IR; rule failures are emitted by the engine itself."""
        for step in ctx.steps_of(InternalFailure):
            if isinstance(step.op, InternalFailure):
                yield self.finding(
                    ctx, step, step.op.message, "this is a bug in miglint; the other files were still linted"
                )
