"""SARIF 2.1.0 report, built with ``sarif-om`` (the format GitHub code scanning uploads)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any, cast
from urllib.parse import quote

import attr
import sarif_om  # pyright: ignore[reportMissingTypeStubs]

from miglint import __version__
from miglint.findings import Finding, Level
from miglint.report import display_path, fingerprints, ordered
from miglint.rules._base import Rule

SCHEMA_URI = "https://json.schemastore.org/sarif-2.1.0.json"
INFORMATION_URI = "https://github.com/miglint/miglint"
SRCROOT = "%SRCROOT%"
FINGERPRINT_KEY = "miglintFingerprint/v1"
#: Properties written even when equal to the sarif-om default, for readers that do not apply it.
_ALWAYS = frozenset({"level"})
# sarif-om's classes use the legacy ``attr.s`` API, which type checkers cannot see through.
om: Any = sarif_om
_SARIF_LEVEL = {Level.ERROR: "error", Level.WARNING: "warning", Level.NOTE: "note"}


def to_json(value: Any) -> Any:
    """Plain JSON data from sarif-om objects: schema property names, None and defaults dropped."""
    cls = cast(type[Any], type(value))
    if attr.has(cls):
        out: dict[str, Any] = {}
        for a in attr.fields(cls):
            item = getattr(value, a.name)
            if item is None:
                continue
            default: Any = a.default
            factory = getattr(default, "factory", None)
            if callable(factory):
                default = factory()
            name: str = a.metadata["schema_property_name"]
            if name not in _ALWAYS and default is not attr.NOTHING and item == default:
                continue
            out[name] = to_json(item)
        return out
    if isinstance(value, list | tuple):
        return [to_json(v) for v in cast(Sequence[Any], value)]
    if isinstance(value, dict):
        return {str(k): to_json(v) for k, v in cast(dict[Any, Any], value).items()}
    return value


def _descriptor(rule: type[Rule]) -> Any:
    from miglint.docs import render_rule_page

    page = render_rule_page(rule)
    return om.ReportingDescriptor(
        id=rule.code,
        name=rule.name,
        short_description=om.MultiformatMessageString(text=rule.summary),
        full_description=om.MultiformatMessageString(text=rule.sections.get("What it does", rule.summary)),
        help=om.MultiformatMessageString(text=page, markdown=page),
        help_uri=rule.url(),
        default_configuration=om.ReportingConfiguration(level=_SARIF_LEVEL[rule.level]),
        properties=om.PropertyBag(tags=[rule.dimension.value]),
    )


def _bare_descriptor(finding: Finding) -> Any:
    """A descriptor for a code with no rule class (e.g. a plugin that failed to load)."""
    return om.ReportingDescriptor(
        id=finding.code,
        name=finding.name,
        short_description=om.MultiformatMessageString(text=finding.name),
        default_configuration=om.ReportingConfiguration(level=_SARIF_LEVEL[finding.level]),
    )


def _uri(path: str) -> str:
    return quote(path, safe="/")


def _result(finding: Finding, index: int, fingerprint: str, root: str) -> Any:
    loc = finding.location
    message = finding.message if not finding.help else f"{finding.message}\nhelp: {finding.help}"
    return om.Result(
        rule_id=finding.code,
        rule_index=index,
        level=_SARIF_LEVEL[finding.level],
        message=om.Message(text=message),
        locations=[
            om.Location(
                physical_location=om.PhysicalLocation(
                    artifact_location=om.ArtifactLocation(
                        uri=_uri(display_path(loc.path, root)), uri_base_id=SRCROOT
                    ),
                    region=om.Region(
                        start_line=max(loc.line, 1),
                        start_column=max(loc.column, 1),
                        end_line=max(loc.end_line, loc.line, 1),
                    ),
                )
            )
        ],
        partial_fingerprints={FINGERPRINT_KEY: fingerprint},
    )


def build_log(findings: Sequence[Finding], rules: Sequence[type[Rule]], *, root: str) -> Any:
    """The ``sarif_om.SarifLog`` of one run."""
    descriptors: list[Any] = [_descriptor(r) for r in rules]
    index = {r.code: i for i, r in enumerate(rules)}
    results: list[Any] = []
    findings = ordered(findings)
    for finding, fingerprint in zip(findings, fingerprints(findings, root), strict=True):
        if finding.code not in index:
            index[finding.code] = len(descriptors)
            descriptors.append(_bare_descriptor(finding))
        results.append(_result(finding, index[finding.code], fingerprint, root))
    root_uri = Path(root).resolve().as_uri().rstrip("/") + "/"
    driver = om.ToolComponent(
        name="miglint",
        version=__version__,
        semantic_version=__version__,
        information_uri=INFORMATION_URI,
        rules=descriptors,
    )
    run = om.Run(
        tool=om.Tool(driver=driver),
        results=results,
        original_uri_base_ids={SRCROOT: om.ArtifactLocation(uri=root_uri)},
        column_kind="unicodeCodePoints",
    )
    return om.SarifLog(version="2.1.0", schema_uri=SCHEMA_URI, runs=[run])


def render(
    findings: Sequence[Finding],
    rules: Sequence[type[Rule]],
    *,
    root: str,
    color: bool = False,
) -> str:
    """The SARIF 2.1.0 log as indented JSON."""
    del color
    return json.dumps(to_json(build_log(findings, rules, root=root)), indent=2, ensure_ascii=False) + "\n"
