"""The Rule base class: metadata, checked docstring sections, and finding helpers."""

from __future__ import annotations

import inspect
import re
from collections.abc import Iterator
from typing import ClassVar

from miglint.context import RuleContext, Step
from miglint.findings import Finding, Level, Location
from miglint.frozen import build
from miglint.ir.ops import Operation
from miglint.rubric import Dimension

#: The docstring sections every rule must have, in this order.
SECTIONS = ("What it does", "Why is this bad?", "Example", "Use instead")
_CODE = re.compile(r"^MG\d{3}$|^[A-Z]{2,5}\d{3,4}$")
_NAME = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")
_HEADING = re.compile(r"^## (.+?)\s*$", re.MULTILINE)
_FENCE = re.compile(r"```(\w*)\n(.*?)```", re.DOTALL)

DOCS_URL = "https://github.com/miglint/miglint/blob/main/docs/rules/{code}.md"


class RuleDefinitionError(TypeError):
    """A rule class is missing metadata or docstring sections."""


def parse_sections(doc: str) -> tuple[str, dict[str, str]]:
    """Split a rule docstring into its summary line and ``## Heading`` sections."""
    doc = inspect.cleandoc(doc)
    parts = _HEADING.split(doc)
    summary = parts[0].strip()
    sections = {parts[i].strip(): parts[i + 1].strip() for i in range(1, len(parts) - 1, 2)}
    return summary, sections


def code_blocks(section: str, language: str = "sql") -> list[str]:
    """The fenced code blocks of ``language`` in a docstring section."""
    return [body for lang, body in _FENCE.findall(section) if lang == language]


class Rule:
    """A check over one migration. Subclasses set the metadata and implement :meth:`check`.

    The class docstring is the rule's documentation: a summary line, then the sections
    ``## What it does``, ``## Why is this bad?``, ``## Example`` and ``## Use instead``
    (checked when the class is defined). *Example* must trigger the rule and *Use instead*
    must not; tests run both.
    """

    code: ClassVar[str]
    name: ClassVar[str]
    level: ClassVar[Level]
    dimension: ClassVar[Dimension]
    #: Dialects the rule applies to; None means all.
    dialects: ClassVar[frozenset[str] | None] = None
    #: The upgrade operations the rule reports on (subclasses included); the engine runs it
    #: only on migrations that have one. None means every migration (the rule looks at more,
    #: e.g. the rollback or every statement's lock); an empty tuple, none (MG003).
    operations: ClassVar[tuple[type[Operation], ...] | None] = None
    #: The rollback operations the rule reports on (subclasses included): with ``operations``
    #: not None, the engine also runs it on migrations whose rollback has one.
    rollback_operations: ClassVar[tuple[type[Operation], ...]] = ()
    summary: ClassVar[str] = ""
    sections: ClassVar[dict[str, str]] = {}

    def __init_subclass__(cls, **kwargs: object) -> None:
        super().__init_subclass__(**kwargs)
        if inspect.isabstract(cls) or cls.__dict__.get("abstract", False):
            return
        for attr in ("code", "name", "level", "dimension"):
            if not hasattr(cls, attr):
                raise RuleDefinitionError(f"rule {cls.__name__} has no {attr!r}")
        if not _CODE.match(cls.code):
            raise RuleDefinitionError(f"rule {cls.__name__}: bad code {cls.code!r}")
        if not _NAME.match(cls.name):
            raise RuleDefinitionError(f"rule {cls.code}: name {cls.name!r} is not kebab-case")
        summary, sections = parse_sections(cls.__doc__ or "")
        missing = [s for s in SECTIONS if s not in sections]
        if not summary or missing:
            raise RuleDefinitionError(
                f"rule {cls.code} docstring lacks {'a summary' if not summary else ''}{', '.join(missing)}"
            )
        extra = [s for s in sections if s not in SECTIONS and s != "Fix safety" and s != "Options"]
        if extra:
            raise RuleDefinitionError(f"rule {cls.code} docstring has unknown sections {extra}")
        cls.summary = summary
        cls.sections = sections

    def applies_to(self, ctx: RuleContext) -> bool:
        """Whether the rule runs on this migration (dialect filter)."""
        return self.dialects is None or ctx.dialect in self.dialects

    def check(self, ctx: RuleContext) -> Iterator[Finding]:
        """Yield the findings of this rule on one migration."""
        raise NotImplementedError

    def finding(
        self,
        ctx: RuleContext,
        where: Operation | Step | Location,
        message: str,
        help: str = "",
    ) -> Finding:
        """A finding of this rule at an operation, step or location."""
        if isinstance(where, Step):
            location = where.op.location
        elif isinstance(where, Operation):
            location = where.location
        else:
            location = where
        if location.path == "<unknown>":
            location = Location(ctx.migration.path)
        # Rules make thousands of findings per run: built without the dataclass __init__.
        return build(
            Finding,
            code=self.code,
            name=self.name,
            level=self.level,
            message=message,
            location=location,
            help=help,
            migration=ctx.migration.path,
        )

    @classmethod
    def url(cls) -> str:
        """Where the rule's page is published."""
        return DOCS_URL.format(code=cls.code)
