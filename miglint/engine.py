"""The engine: replays each history, runs every rule on each target migration, and filters.

The engine knows nothing of output formats or files on disk: migrations in, findings out.
"""

from __future__ import annotations

import fnmatch
import traceback
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence, Set
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, TypeGuard

from miglint.cache import chain, digest, findings_key, run_fingerprint
from miglint.config import Settings
from miglint.context import RuleContext, build_steps
from miglint.findings import Finding, Level, Location
from miglint.ir.migration import Migration, Suppression
from miglint.ir.ops import CreateTable
from miglint.ir.state import SchemaState
from miglint.rules import builtin_rules, plugin_rules
from miglint.rules._base import Rule

if TYPE_CHECKING:
    from miglint.cache import Cache

INTERNAL = "MG000"
UNUSED_SUPPRESSION = "MG003"


@dataclass
class LintResult:
    """Findings of a run, in report order, and the rules that ran."""

    findings: list[Finding] = field(default_factory=list[Finding])
    rules: tuple[type[Rule], ...] = ()


def code_selected(code: str, select: Sequence[str], ignore: Sequence[str]) -> bool:
    """Whether ``code`` is enabled by prefix lists (``MG1`` selects MG101…MG199; ``ALL`` all)."""

    def match(prefixes: Sequence[str]) -> int:
        best = -1
        for p in prefixes:
            p = p.upper()
            if p == "ALL":
                best = max(best, 0)
            elif code.startswith(p):
                best = max(best, len(p))
        return best

    chosen = match(select) if select else 0
    dropped = match(ignore)
    # The more specific prefix wins, as in ruff (a tie goes to ignore); MG000 is always on.
    return code == INTERNAL or chosen > dropped


def all_rules() -> tuple[type[Rule], ...]:
    """Built-in and plugin rules, in code order."""
    plugins, _errors = plugin_rules()
    return (*builtin_rules(), *plugins)


def lint(
    migrations: Sequence[Migration],
    settings: Settings,
    *,
    targets: Iterable[str] | None = None,
    rules: Sequence[type[Rule]] | None = None,
    cache: Cache | None = None,
    fingerprints: Mapping[str, str] | None = None,
) -> LintResult:
    """Lint ``targets`` (paths; default all) among ``migrations``, the others giving history.

    Each history (``Migration.history``) is replayed in ``key`` order so that every migration
    is checked against the schema its predecessors built. With a ``cache`` and the
    ``fingerprints`` of the migrations (from :func:`miglint.discover.load`), a migration whose
    fingerprint, predecessors (and their fingerprints and ``unreleased`` flags), settings and
    rules were all seen before gets its stored findings; the schema is replayed only as far as
    a migration that must be checked afresh.
    """
    rule_classes = tuple(rules) if rules is not None else all_rules()
    active = [r() for r in rule_classes if code_selected(r.code, settings.select, settings.ignore)]
    target_set = None if targets is None else set(targets)
    histories: dict[str, list[Migration]] = defaultdict(list)
    for m in migrations:
        histories[m.history].append(m)

    caching = cache is not None and cache.enabled and fingerprints is not None
    run_key = run_fingerprint(settings, rule_classes) if caching else None
    findings: list[Finding] = []
    for history in sorted(histories):
        findings.extend(
            lint_history(
                history,
                histories[history],
                settings,
                active,
                targets=target_set,
                cache=cache,
                fingerprints=fingerprints,
                run_key=run_key,
            )
        )
    findings.sort(key=Finding.sort_key)
    return LintResult(findings=findings, rules=rule_classes)


def lint_history(
    history: str,
    members: Sequence[Migration],
    settings: Settings,
    rules: Sequence[Rule],
    *,
    targets: Set[str] | None = None,
    cache: Cache | None = None,
    fingerprints: Mapping[str, str] | None = None,
    run_key: str | None = None,
) -> list[Finding]:
    """The findings of one history's migrations (``members``, any order), unsorted.

    What :func:`lint` does for each history, in ``key`` order: histories are independent, so
    they may be linted in any order or process. ``run_key`` (:func:`run_fingerprint`) turns
    the findings cache on, given a ``cache`` and the migrations' ``fingerprints``.
    """
    caching = run_key is not None and cache is not None and fingerprints is not None
    state = SchemaState()
    unreleased_tables: set[str] = set()
    pending: list[Migration] = []  # read, but not yet applied to ``state``
    link = digest("history", history) if caching else None
    found: list[Finding] = []
    for migration in sorted(members, key=lambda m: (m.key, m.path)):
        fingerprint = fingerprints.get(migration.path) if fingerprints is not None else None
        link = chain(link, fingerprint, migration.unreleased) if link and fingerprint else None
        if targets is None or migration.path in targets:
            key = findings_key(run_key, link) if link and run_key is not None else None
            stored = cache.get("findings", key) if cache is not None and key else None
            if _findings_list(stored):
                found.extend(stored)
            else:
                for earlier in pending:
                    _replay(earlier, state, unreleased_tables)
                pending.clear()
                fresh = _lint_one(migration, settings, state, frozenset(unreleased_tables), rules)
                found.extend(fresh)
                if cache is not None and key:
                    cache.put("findings", key, fresh)
        pending.append(migration)
    return found


def _findings_list(value: object) -> TypeGuard[list[Finding]]:
    """Whether a cached value is a list of findings (a damaged entry is not)."""
    return isinstance(value, list) and all(isinstance(f, Finding) for f in value)  # pyright: ignore[reportUnknownVariableType]


def _replay(migration: Migration, state: SchemaState, unreleased_tables: set[str]) -> None:
    """Apply a migration's upgrade to the schema state (and the unreleased tables)."""
    for op in migration.upgrade:
        try:
            state.apply(op, migration.path)
        except Exception:  # state replay must never stop the run
            continue
        if migration.unreleased and isinstance(op, CreateTable):
            unreleased_tables.add(op.table)


def _lint_one(
    migration: Migration,
    settings: Settings,
    state: SchemaState,
    unreleased_tables: frozenset[str],
    rules: Sequence[Rule],
) -> list[Finding]:
    try:
        steps = build_steps(migration, settings, unreleased_tables if migration.unreleased else frozenset())
    except Exception as exc:
        return [_internal(migration, "context", exc)]
    ctx = RuleContext(migration=migration, settings=settings, schema=state, steps=steps)
    raw: list[Finding] = []
    for rule in rules:
        try:
            if rule.applies_to(ctx):
                raw.extend(rule.check(ctx))
        except Exception as exc:
            raw.append(_internal(migration, f"rule {rule.code}", exc))
    return _apply_settings(_suppress(migration, raw, settings), migration, settings)


def _internal(migration: Migration, what: str, exc: BaseException) -> Finding:
    frame = traceback.extract_tb(exc.__traceback__)[-1] if exc.__traceback__ else None
    where = f" ({frame.filename.rsplit('/', 1)[-1]}:{frame.lineno})" if frame else ""
    return Finding(
        code=INTERNAL,
        name="internal-error",
        level=Level.ERROR,
        message=f"{what} failed on {migration.path}: {type(exc).__name__}: {exc}{where}",
        location=Location(migration.path),
        help="this is a bug in miglint or a plugin; the rest of the run went on",
        migration=migration.path,
    )


def _covers(s: Suppression, f: Finding) -> bool:
    if s.path != f.location.path:
        return False
    if s.codes and f.code not in s.codes:
        return False
    return s.file_wide or s.first <= f.location.line <= s.last


def _suppress(migration: Migration, findings: list[Finding], settings: Settings) -> list[Finding]:
    used: set[Suppression] = set()
    kept: list[Finding] = []
    for f in findings:
        if f.code == INTERNAL:
            kept.append(f)
            continue
        covering = [s for s in migration.suppressions if _covers(s, f)]
        if covering:
            used.update(covering)
        else:
            kept.append(f)
    for s in migration.suppressions:
        if s in used:
            continue
        # Only codes that are enabled can be "unused"; a suppression of a disabled rule is inert.
        live = sorted(c for c in s.codes if code_selected(c, settings.select, settings.ignore))
        if s.codes and not live:
            continue
        what = f"ignore{'-file' if s.file_wide else ''}[{', '.join(live)}]" if s.codes else "ignore"
        kept.append(
            Finding(
                code=UNUSED_SUPPRESSION,
                name="unused-suppression",
                level=Level.NOTE,
                message=f"suppression `{what}` matched no finding",
                location=Location(s.path, s.line, s.column),
                help="remove the comment, or name the code that is reported here",
                migration=migration.path,
            )
        )
    return kept


def _apply_settings(findings: list[Finding], migration: Migration, settings: Settings) -> list[Finding]:
    out: list[Finding] = []
    for f in findings:
        if not code_selected(f.code, settings.select, settings.ignore):
            continue
        ignored = [
            codes
            for pattern, codes in settings.per_path_ignores.items()
            if fnmatch.fnmatch(f.location.path, pattern) or fnmatch.fnmatch(migration.path, pattern)
        ]
        if any(f.code != INTERNAL and not code_selected(f.code, (), c) for c in ignored):
            continue
        level = settings.levels.get(f.code)
        out.append(replace(f, level=level) if level is not None else f)
    return out
