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
from miglint.context import build_steps, new_context
from miglint.findings import Finding, Level, Location
from miglint.ir.migration import Migration, Suppression
from miglint.ir.ops import CreateTable, Operation
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
    if not select and not ignore:
        return True  # the default (no lists) enables everything

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
    start: HistoryStart | None = None,
) -> list[Finding]:
    """The findings of one history's migrations (``members``, any order), unsorted.

    What :func:`lint` does for each history, in ``key`` order: histories are independent, so
    they may be linted in any order or process. ``run_key`` (:func:`run_fingerprint`) turns
    the findings cache on, given a ``cache`` and the migrations' ``fingerprints``. ``members``
    may be the later part of a history, given the ``start`` that :func:`replay_history`
    made of the part before it (which ``members`` then continue; ``start.state`` is changed
    in place).
    """
    caching = run_key is not None and cache is not None and fingerprints is not None
    begin = _begin(history, caching) if start is None else start
    state = begin.state
    unreleased_tables = set(begin.unreleased_tables)
    pending: list[Migration] = []  # read, but not yet applied to ``state``
    link = begin.link
    found: list[Finding] = []
    pick = _RulePicker(rules)
    for migration in sorted(members, key=lambda m: (m.key, m.path)):
        fingerprint = fingerprints.get(migration.path) if fingerprints is not None else None
        link = chain(link, fingerprint, migration.unreleased) if link and fingerprint else None
        if targets is None or migration.path in targets:
            key = findings_key(run_key, link) if link and run_key is not None else None
            stored = cache.get("findings", key) if cache is not None and key else None
            if stored is not None and _findings_list(stored):
                found.extend(stored)
            else:
                for earlier in pending:
                    _replay(earlier, state, unreleased_tables)
                pending.clear()
                fresh = _lint_one(migration, settings, state, frozenset(unreleased_tables), pick(migration))
                found.extend(fresh)
                if cache is not None and key:
                    cache.put("findings", key, fresh)
        pending.append(migration)
    return found


@dataclass
class HistoryStart:
    """Where linting the rest of a history starts: what its earlier migrations left behind.

    The schema they built, the tables created by unreleased ones among them, and the link of
    the findings-cache chain (None when not caching).
    """

    state: SchemaState
    unreleased_tables: frozenset[str]
    link: str | None


def _begin(history: str, caching: bool) -> HistoryStart:
    return HistoryStart(SchemaState(), frozenset(), digest("history", history) if caching else None)


def replay_history(
    history: str,
    members: Sequence[Migration],
    *,
    start: HistoryStart | None = None,
    fingerprints: Mapping[str, str] | None = None,
    caching: bool = False,
) -> HistoryStart:
    """Replay ``members`` (a history, or its part after ``start``) without linting them.

    The result is the ``start`` of :func:`lint_history` for the migrations that follow, as
    if they were linted together with ``members`` (``caching`` as there: a run key, a cache
    and ``fingerprints`` given). ``start.state`` is changed in place.
    """
    begin = _begin(history, caching) if start is None else start
    state, unreleased_tables, link = begin.state, set(begin.unreleased_tables), begin.link
    for migration in sorted(members, key=lambda m: (m.key, m.path)):
        fingerprint = fingerprints.get(migration.path) if fingerprints is not None else None
        link = chain(link, fingerprint, migration.unreleased) if link and fingerprint else None
        _replay(migration, state, unreleased_tables)
    return HistoryStart(state, frozenset(unreleased_tables), link)


def _findings_list(value: object) -> TypeGuard[list[Finding]]:
    """Whether a cached value is a list of findings (a damaged entry is not)."""
    return isinstance(value, list) and all(isinstance(f, Finding) for f in value)  # pyright: ignore[reportUnknownVariableType]


def _replay(migration: Migration, state: SchemaState, unreleased_tables: set[str]) -> None:
    """Apply a migration's upgrade to the schema state (and the unreleased tables)."""
    path, unreleased = migration.path, migration.unreleased
    for op in migration.upgrade:
        try:
            state.apply(op, path)
        except Exception:  # state replay must never stop the run
            continue
        if unreleased and isinstance(op, CreateTable):
            unreleased_tables.add(op.table)


class _RulePicker:
    """Chooses the rules that may run on a migration, each with whether to ask ``applies_to``.

    The default ``applies_to`` (a dialect filter), ``Rule.operations`` and
    ``Rule.rollback_operations`` depend only on the migration's dialect and the types of its
    operations: the choice is made once per dialect and set of rules reporting on those types
    (from what is worked out once per dialect and once per operation type), not asked of every
    rule on every migration. A rule that overrides ``applies_to`` is still asked every time.
    """

    def __init__(self, rules: Sequence[Rule]) -> None:
        self._rules = rules
        #: (dialect, rules reporting on the operations as a bit set) -> the rules to run
        self._picked: dict[tuple[str, int], list[tuple[Rule, bool]]] = {}
        #: dialect -> (position, rule, custom applies_to, runs whatever the operations)
        self._by_dialect: dict[str, list[tuple[int, Rule, bool, bool]]] = {}
        #: operation type -> the positions of the rules that report on it, as a bit set
        self._reporting_on: dict[type[Operation], int] = {}
        #: the same for rollback operations (``Rule.rollback_operations``)
        self._rollback_reporting_on: dict[type[Operation], int] = {}

    def __call__(self, migration: Migration) -> list[tuple[Rule, bool]]:
        # Migrations have many different sets of operation types but far fewer sets of rules
        # reporting on them: the choice is kept by the latter.
        reporting_on = self._reporting_on
        wanted = 0
        for op in migration.upgrade:
            bits = reporting_on.get(type(op))
            if bits is None:
                bits = reporting_on[type(op)] = self._reporting(type(op), rollback=False)
            wanted |= bits
        if migration.rollback:
            reporting_on = self._rollback_reporting_on
            for op in migration.rollback:
                bits = reporting_on.get(type(op))
                if bits is None:
                    bits = reporting_on[type(op)] = self._reporting(type(op), rollback=True)
                wanted |= bits
        key = (migration.dialect, wanted)
        picked = self._picked.get(key)
        if picked is None:
            picked = self._picked[key] = self._pick(*key)
        return picked

    def _reporting(self, kind: type[Operation], *, rollback: bool) -> int:
        bits = 0
        for i, rule in enumerate(self._rules):
            operations = rule.rollback_operations if rollback else rule.operations
            if operations and issubclass(kind, operations):
                bits |= 1 << i
        return bits

    def _pick(self, dialect: str, wanted: int) -> list[tuple[Rule, bool]]:
        candidates = self._by_dialect.get(dialect)
        if candidates is None:
            candidates = self._by_dialect[dialect] = self._for_dialect(dialect)
        return [(rule, custom) for i, rule, custom, always in candidates if always or wanted >> i & 1]

    def _for_dialect(self, dialect: str) -> list[tuple[int, Rule, bool, bool]]:
        candidates: list[tuple[int, Rule, bool, bool]] = []
        for i, rule in enumerate(self._rules):
            custom = type(rule).applies_to is not Rule.applies_to
            if custom or rule.dialects is None or dialect in rule.dialects:
                candidates.append((i, rule, custom, rule.operations is None))
        return candidates


def _lint_one(
    migration: Migration,
    settings: Settings,
    state: SchemaState,
    unreleased_tables: frozenset[str],
    rules: Sequence[tuple[Rule, bool]],
) -> list[Finding]:
    """The findings of one migration; ``rules`` from :class:`_RulePicker`."""
    try:
        steps = build_steps(migration, settings, unreleased_tables if migration.unreleased else frozenset())
    except Exception as exc:
        return [_internal(migration, "context", exc)]
    ctx = new_context(migration, settings, state, steps)
    raw: list[Finding] = []
    for rule, ask in rules:
        try:
            if not ask or rule.applies_to(ctx):
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
    if not migration.suppressions:
        return findings  # most migrations have none: nothing to match, nothing unused
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
    if not (settings.select or settings.ignore or settings.per_path_ignores or settings.levels):
        return findings  # nothing configured: every finding stays as it is
    out: list[Finding] = []
    for f in findings:
        if not code_selected(f.code, settings.select, settings.ignore):
            continue
        if settings.per_path_ignores and f.code != INTERNAL and _ignored_by_path(f, migration, settings):
            continue
        level = settings.levels.get(f.code)
        out.append(replace(f, level=level) if level is not None else f)
    return out


def _ignored_by_path(f: Finding, migration: Migration, settings: Settings) -> bool:
    """Whether a ``per_path_ignores`` glob matching the finding's or the migration's path drops it."""
    return any(
        not code_selected(f.code, (), codes)
        for pattern, codes in settings.per_path_ignores.items()
        if fnmatch.fnmatch(f.location.path, pattern) or fnmatch.fnmatch(migration.path, pattern)
    )
