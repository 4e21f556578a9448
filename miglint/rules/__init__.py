"""The rule catalogue: one reviewable table from stable code to rule module.

Codes are never reused or renumbered. A new rule is one module in this package, one line
here, and its fixtures under ``fixtures/<framework>/<CODE>/``.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from functools import cache

from miglint.entry_points import PLUGIN_GROUP, no_plugin_entry_point
from miglint.rules._base import Rule

ENTRY_POINT_GROUP = PLUGIN_GROUP

#: code -> module (in this package) that defines the rule.
CODE_TABLE: dict[str, str] = {
    "MG000": "mg000_internal_error",
    "MG001": "mg001_parse_error",
    "MG002": "mg002_unrecognized_statement",
    "MG003": "mg003_unused_suppression",
    "MG004": "mg004_broken_migration_graph",
    "MG101": "mg101_index_not_concurrent",
    "MG102": "mg102_drop_index_not_concurrent",
    "MG103": "mg103_concurrent_in_transaction",
    "MG104": "mg104_foreign_key_validates",
    "MG105": "mg105_check_validates",
    "MG106": "mg106_set_not_null_scans",
    "MG107": "mg107_column_type_change",
    "MG108": "mg108_rewriting_default",
    "MG109": "mg109_constraint_builds_index",
    "MG110": "mg110_missing_lock_timeout",
    "MG111": "mg111_table_rewrite_command",
    "MG112": "mg112_long_lock_transaction",
    "MG201": "mg201_add_required_column",
    "MG202": "mg202_drop_column",
    "MG203": "mg203_rename_column",
    "MG204": "mg204_rename_table",
    "MG205": "mg205_drop_table",
    "MG206": "mg206_truncate_table",
    "MG301": "mg301_unbatched_backfill",
    "MG302": "mg302_backfill_in_ddl_transaction",
    "MG303": "mg303_backfill_without_progress",
    "MG401": "mg401_missing_rollback",
    "MG402": "mg402_incomplete_rollback",
    "MG501": "mg501_non_idempotent_statement",
    "MG601": "mg601_prefer_bigint",
    "MG602": "mg602_prefer_text",
    "MG603": "mg603_prefer_timestamptz",
    "MG604": "mg604_prefer_identity",
    "MG701": "mg701_undocumented_migration",
    "MG801": "mg801_mysql_copy_algorithm",
    "MG802": "mg802_mysql_missing_lock_wait_timeout",
}


def _rule_in(module_name: str, code: str) -> type[Rule]:
    module = importlib.import_module(f"{__name__}.{module_name}")
    found = [
        obj
        for obj in vars(module).values()
        if isinstance(obj, type) and issubclass(obj, Rule) and getattr(obj, "code", None) == code
    ]
    if len(found) != 1:
        raise LookupError(f"module {module_name} defines {len(found)} rules with code {code}")
    return found[0]


@cache
def builtin_rules() -> tuple[type[Rule], ...]:
    """Every built-in rule class, in code order."""
    return tuple(_rule_in(module, code) for code, module in sorted(CODE_TABLE.items()))


@dataclass(frozen=True)
class PluginError:
    """A third-party rule entry point that failed to load."""

    entry_point: str
    message: str


def plugin_rules() -> tuple[tuple[type[Rule], ...], tuple[PluginError, ...]]:
    """Rules from the ``miglint.rules`` entry-point group, loaded one by one.

    An entry point names a Rule subclass or a module whose Rule subclasses are taken. Entry
    points are sorted by name so the order is deterministic; one that fails to load is
    returned as a :class:`PluginError` instead of stopping the others.
    """
    if no_plugin_entry_point():
        return (), ()
    import importlib.metadata

    rules: list[type[Rule]] = []
    errors: list[PluginError] = []
    builtin_codes = {r.code for r in builtin_rules()}
    for ep in sorted(importlib.metadata.entry_points(group=ENTRY_POINT_GROUP), key=lambda e: e.name):
        try:
            loaded: object = ep.load()
            if isinstance(loaded, type) and issubclass(loaded, Rule):
                found: list[type[Rule]] = [loaded]
            else:
                found = [
                    obj
                    for obj in vars(loaded).values()
                    if isinstance(obj, type)
                    and issubclass(obj, Rule)
                    and obj is not Rule
                    and hasattr(obj, "code")
                ]
            if not found:
                raise LookupError("no Rule subclass found")
            for rule in found:
                if rule.code in builtin_codes:
                    raise LookupError(f"code {rule.code} is taken by a built-in rule")
            rules.extend(found)
        except Exception as exc:  # a broken plugin is reported, never fatal
            errors.append(PluginError(f"{ep.name} = {ep.value}", f"{type(exc).__name__}: {exc}"))
    return tuple(rules), tuple(errors)


def rule_by_code(code: str) -> type[Rule] | None:
    """The built-in or plugin rule with ``code``, or None."""
    for rule in (*builtin_rules(), *plugin_rules()[0]):
        if rule.code == code.upper():
            return rule
    return None
