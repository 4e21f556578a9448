"""MG003 unused-suppression."""

from __future__ import annotations

from collections.abc import Iterator

from miglint.context import RuleContext
from miglint.findings import Finding, Level
from miglint.rubric import Dimension
from miglint.rules._base import Rule


class UnusedSuppression(Rule):
    """A suppression comment that matched no finding.

    ## What it does
    Notes a `miglint: ignore[...]` or `ignore-file[...]` comment when none of the codes it
    names was reported where it applies.

    ## Why is this bad?
    Stale suppressions hide future findings and mislead reviewers about what is risky.

    ## Example
    ```sql
    -- miglint: ignore[MG101]
    CREATE TABLE notes (id bigint PRIMARY KEY);
    ```

    ## Use instead
    ```sql
    CREATE TABLE notes (id bigint PRIMARY KEY);
    ```
    """

    code = "MG003"
    name = "unused-suppression"
    level = Level.NOTE
    dimension = Dimension.DOCUMENTATION
    operations = ()  # the engine reports MG003 itself: the rule never needs to run

    def check(self, ctx: RuleContext) -> Iterator[Finding]:
        """Emitted by the engine once suppressions are matched; never reports on its own."""
        return iter(())
