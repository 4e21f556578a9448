"""The engine: history replay, new vs existing tables, MG000, suppressions, selection."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import fields
from pathlib import Path

from miglint.config import Settings
from miglint.context import RuleContext, Step, build_steps, new_context
from miglint.discover import load
from miglint.engine import lint, lint_history
from miglint.findings import Finding, Level, Location
from miglint.ir.migration import Framework, Migration, Suppression, Transaction
from miglint.ir.ops import (
    ColumnDef,
    CreateIndex,
    CreateTable,
    DropIndex,
    DropTable,
    Opaque,
    Operation,
    RawCode,
    SetTimeout,
    TimeoutKind,
    TransactionAction,
    TransactionControl,
)
from miglint.ir.state import SchemaState
from miglint.rubric import Dimension
from miglint.rules import builtin_rules
from miglint.rules._base import Rule

DOC = """{summary}

## What it does
Test rule.

## Why is this bad?
Test.

## Example
```sql
SELECT 1;
```

## Use instead
```sql
SELECT 2;
```
"""


class IndexOnExisting(Rule):
    __doc__ = DOC.format(summary="Index on an existing table.")
    code = "XT101"
    name = "index-on-existing"
    level = Level.ERROR
    dimension = Dimension.ZERO_DOWNTIME

    def check(self, ctx: RuleContext) -> Iterator[Finding]:
        for step in ctx:
            if isinstance(step.op, CreateIndex) and not step.is_new(step.op.table):
                yield self.finding(ctx, step, f"index on existing {step.op.table}")


class Exploding(Rule):
    __doc__ = DOC.format(summary="Always raises.")
    code = "XT999"
    name = "exploding"
    level = Level.WARNING
    dimension = Dimension.TESTING

    def check(self, ctx: RuleContext) -> Iterator[Finding]:
        raise KeyError("boom")


def _loc(path: str, line: int) -> Location:
    return Location(path, line, 1)


def _mig(path: str, *ops: object, key: int = 0, **kw: object) -> Migration:
    return Migration(path=path, framework=Framework.SQL, key=(key,), history="h", upgrade=tuple(ops), **kw)  # type: ignore[arg-type]


CREATE = CreateTable(table="t", columns=(ColumnDef(name="a"),), location=_loc("1.sql", 1))


def test_table_created_in_same_migration_is_new_but_older_one_is_existing() -> None:
    same = _mig("1.sql", CREATE, CreateIndex(name="i", table="t", location=_loc("1.sql", 2)), key=1)
    later = _mig("2.sql", CreateIndex(name="j", table="t", location=_loc("2.sql", 1)), key=2)
    result = lint([later, same], Settings(), rules=[IndexOnExisting])
    assert [(f.location.path, f.code) for f in result.findings] == [("2.sql", "XT101")]


def test_unreleased_tables_are_new_for_the_other_unreleased_migrations() -> None:
    first = Migration(
        path="1.sql", framework=Framework.SQL, key=(1,), history="h", upgrade=(CREATE,), unreleased=True
    )
    second = Migration(
        path="2.sql",
        framework=Framework.SQL,
        key=(2,),
        history="h",
        upgrade=(CreateIndex(name="j", table="t", location=_loc("2.sql", 1)),),
        unreleased=True,
    )
    assert lint([first, second], Settings(), rules=[IndexOnExisting]).findings == []
    released_first = Migration(
        path="1.sql", framework=Framework.SQL, key=(1,), history="h", upgrade=(CREATE,)
    )
    assert len(lint([released_first, second], Settings(), rules=[IndexOnExisting]).findings) == 1


def test_targets_limit_reports_but_history_still_replays() -> None:
    a = _mig("1.sql", CREATE, key=1)
    b = _mig("2.sql", CreateIndex(name="j", table="t", location=_loc("2.sql", 1)), key=2)
    assert lint([a, b], Settings(), targets=["1.sql"], rules=[IndexOnExisting]).findings == []
    assert len(lint([a, b], Settings(), targets=["2.sql"], rules=[IndexOnExisting]).findings) == 1


def test_a_failing_rule_is_mg000_naming_the_file_and_others_still_run() -> None:
    m = _mig("2.sql", CreateIndex(name="j", table="t", location=_loc("2.sql", 4)))
    findings = lint([m], Settings(), rules=[Exploding, IndexOnExisting]).findings
    codes = sorted(f.code for f in findings)
    assert codes == ["MG000", "XT101"]
    internal = next(f for f in findings if f.code == "MG000")
    assert "2.sql" in internal.message and "XT999" in internal.message and "KeyError" in internal.message
    assert internal.level is Level.ERROR


def test_suppression_silences_and_unused_one_is_mg003() -> None:
    index = CreateIndex(name="j", table="t", location=_loc("2.sql", 3))
    used = Suppression("2.sql", 2, 1, frozenset({"XT101"}), 2, 3)
    unused = Suppression("2.sql", 7, 1, frozenset({"XT101"}), 7, 8)
    m = _mig("2.sql", index, suppressions=(used, unused))
    findings = lint([m], Settings(), rules=[IndexOnExisting]).findings
    assert [(f.code, f.location.line) for f in findings] == [("MG003", 7)]
    # An ignore of a disabled code is inert, not "unused".
    quiet = lint([m], Settings(ignore=("XT1",)), rules=[IndexOnExisting]).findings
    assert quiet == []


def test_file_wide_suppression() -> None:
    index = CreateIndex(name="j", table="t", location=_loc("2.sql", 30))
    m = _mig(
        "2.sql", index, suppressions=(Suppression("2.sql", 1, 1, frozenset({"XT101"}), 1, 1, file_wide=True),)
    )
    assert lint([m], Settings(), rules=[IndexOnExisting]).findings == []


def test_select_ignore_per_path_and_levels() -> None:
    m = _mig("db/2.sql", CreateIndex(name="j", table="t", location=_loc("db/2.sql", 1)))
    assert lint([m], Settings(select=("MG1",)), rules=[IndexOnExisting]).findings == []
    assert len(lint([m], Settings(select=("XT",)), rules=[IndexOnExisting]).findings) == 1
    assert lint([m], Settings(per_path_ignores={"db/*": ("XT101",)}), rules=[IndexOnExisting]).findings == []
    (f,) = lint([m], Settings(levels={"XT101": Level.NOTE}), rules=[IndexOnExisting]).findings
    assert f.level is Level.NOTE


def test_steps_track_transactions_and_timeouts() -> None:
    ops = (
        SetTimeout(timeout=TimeoutKind.LOCK, value="'2s'", local=True),
        TransactionControl(action=TransactionAction.COMMIT),
        CreateIndex(name="i", table="t", concurrently=True),
        TransactionControl(action=TransactionAction.BEGIN),
        SetTimeout(timeout=TimeoutKind.LOCK, value="0"),
        CreateIndex(name="j", table="t"),
    )
    m = Migration(path="m.sql", framework=Framework.SQL, upgrade=ops, transaction=Transaction.WRAPPED)
    steps = build_steps(m, Settings())
    assert [s.in_transaction for s in steps] == [True, True, False, False, True, True]
    assert [s.lock_timeout for s in steps] == [False, True, False, False, False, False]


def test_transaction_blocks_end_only_at_commit_or_rollback() -> None:
    from miglint.context import RuleContext
    from miglint.ir.state import SchemaState

    a, b, c, d = (CreateIndex(name=n, table="t") for n in "abcd")
    ops = (
        a,
        TransactionControl(action=TransactionAction.SAVEPOINT),
        b,
        TransactionControl(action=TransactionAction.BEGIN),  # already inside: no new block
        c,
        TransactionControl(action=TransactionAction.COMMIT),
        CreateIndex(name="autocommit", table="t"),
        TransactionControl(action=TransactionAction.BEGIN),
        d,
    )
    m = Migration(path="m.sql", framework=Framework.SQL, upgrade=ops, transaction=Transaction.WRAPPED)
    ctx = RuleContext(
        migration=m, settings=Settings(), schema=SchemaState(), steps=build_steps(m, Settings())
    )
    assert [[s.op for s in block] for block in ctx.transaction_blocks()] == [[a, b, c], [d]]


class CountingIndexRule(IndexOnExisting):
    __doc__ = DOC.format(summary="Counts the migrations it runs on.")
    code = "XT102"
    name = "counting-index-rule"
    operations = (CreateIndex,)
    dialects = frozenset({"postgres"})

    def __init__(self) -> None:
        self.seen: list[str] = []

    def check(self, ctx: RuleContext) -> Iterator[Finding]:
        self.seen.append(ctx.migration.path)
        return super().check(ctx)


class AskingRule(Rule):
    __doc__ = DOC.format(summary="Decides per migration.")
    code = "XT103"
    name = "asking-rule"
    level = Level.NOTE
    dimension = Dimension.TESTING
    operations = (CreateIndex,)

    def applies_to(self, ctx: RuleContext) -> bool:
        return ctx.migration.path.startswith("yes")

    def check(self, ctx: RuleContext) -> Iterator[Finding]:
        yield self.finding(ctx, ctx.steps[0], "asked")


def test_rules_run_only_on_migrations_with_their_operations_and_dialect() -> None:
    rule = CountingIndexRule()
    migrations = [
        _mig("a.sql", CreateIndex(name="i", table="t"), key=1),
        _mig("b.sql", SetTimeout(timeout=TimeoutKind.LOCK, value="'1s'"), key=2),
        _mig("c.sql", CreateIndex(name="j", table="t"), key=3, dialect="mysql"),
        _mig(
            "d.sql",
            SetTimeout(timeout=TimeoutKind.LOCK, value="'1s'"),
            CreateIndex(name="k", table="t"),
            key=4,
        ),
    ]
    found = lint_history("h", migrations, Settings(), [rule])
    assert rule.seen == ["a.sql", "d.sql"]
    assert [f.location.path for f in found] == ["a.sql", "d.sql"]


class RollbackCountingRule(CountingIndexRule):
    __doc__ = DOC.format(summary="Counts the migrations it runs on, rollbacks included.")
    code = "XT104"
    name = "rollback-counting-rule"
    rollback_operations = (DropIndex,)


def test_rules_also_run_on_migrations_whose_rollback_has_their_rollback_operations() -> None:
    rule = RollbackCountingRule()
    timeout = SetTimeout(timeout=TimeoutKind.LOCK, value="'1s'")
    migrations = [
        _mig("a.sql", CreateIndex(name="i", table="t"), key=1),
        _mig("b.sql", timeout, key=2, rollback=(DropIndex(name="i"),)),
        _mig("c.sql", timeout, key=3, rollback=(timeout,)),
        _mig("d.sql", timeout, key=4),
        _mig("e.sql", DropIndex(name="i"), key=5),  # rollback_operations say nothing of the upgrade
    ]
    lint_history("h", migrations, Settings(), [rule])
    assert rule.seen == ["a.sql", "b.sql"]


def test_new_context_is_the_object_the_constructor_makes() -> None:
    m = _mig("1.sql", CREATE)
    steps = build_steps(m, Settings())
    made = RuleContext(migration=m, settings=Settings(), schema=SchemaState(), steps=steps)
    fast = new_context(m, made.settings, made.schema, steps)
    assert vars(fast) == vars(made) and list(vars(fast)) == list(vars(made)) and fast == made


def test_operations_include_subclasses_and_a_custom_applies_to_is_still_asked() -> None:
    class RawIndex(CreateIndex):
        pass

    migrations = [
        _mig("yes1.sql", RawIndex(name="i", table="t"), key=1),
        _mig("no.sql", CreateIndex(name="j", table="t"), key=2),
        _mig("yes2.sql", SetTimeout(timeout=TimeoutKind.LOCK, value="'1s'"), key=3),
    ]
    found = lint_history("h", migrations, Settings(), [AskingRule()])
    assert [f.location.path for f in found] == ["yes1.sql"]


def test_steps_of_keeps_order_and_subclasses_and_shared_computes_once() -> None:
    opaque, raw = Opaque(reason="x"), RawCode(reason="y")
    index = CreateIndex(name="i", table="t")
    m = _mig("m.sql", opaque, index, raw)
    ctx = RuleContext(
        migration=m, settings=Settings(), schema=SchemaState(), steps=build_steps(m, Settings())
    )
    assert [s.op for s in ctx.steps_of(Opaque)] == [opaque, raw]
    assert [s.index for s in ctx.steps_of(CreateIndex, RawCode)] == [1, 2]
    assert ctx.steps_of(DropTable) == ()
    calls: list[int] = []

    def count(c: RuleContext) -> int:
        calls.append(1)
        return len(c.steps)

    assert ctx.shared(count) == ctx.shared(count) == 3
    assert calls == [1]


def test_steps_and_findings_are_the_objects_their_constructors_make() -> None:
    # build_steps and Rule.finding fill the fields directly (for speed): nothing may differ.
    ops = (
        CREATE,
        SetTimeout(timeout=TimeoutKind.LOCK, value="'2s'", local=True),
        CreateIndex(name="i", table="t", location=_loc("1.sql", 3)),
        DropTable(table="t"),
        TransactionControl(action=TransactionAction.COMMIT),
    )
    m = Migration(path="1.sql", framework=Framework.SQL, upgrade=ops, transaction=Transaction.WRAPPED)
    steps = build_steps(m, Settings(), frozenset({"old"}))
    for step in steps:
        made = Step(**{f.name: getattr(step, f.name) for f in fields(Step)})
        assert vars(step) == vars(made) and step == made and hash(step) == hash(made)
    assert [sorted(s.new_tables) for s in steps] == [
        ["old"],
        ["old", "t"],
        ["old", "t"],
        ["old", "t"],
        ["old"],
    ]
    assert [s.lock_timeout for s in steps] == [False, False, True, True, True]
    ctx = RuleContext(migration=m, settings=Settings(), schema=SchemaState(), steps=steps)
    rule = IndexOnExisting()
    for where in (steps[2], ops[3], Location("other.sql", 4)):
        finding = rule.finding(ctx, where, "message", "help")
        location = where.op.location if isinstance(where, Step) else where
        if isinstance(location, Operation):
            location = location.location
        if location.path == "<unknown>":
            location = Location("1.sql")
        made = Finding(
            code="XT101",
            name="index-on-existing",
            level=Level.ERROR,
            message="message",
            location=location,
            help="help",
            migration="1.sql",
        )
        assert vars(finding) == vars(made) and finding == made and hash(finding) == hash(made)


def test_declared_operations_cover_every_finding_on_the_fixtures() -> None:
    # A rule's `operations` lets the engine skip migrations without them: run every built-in
    # rule on every fixture migration regardless, and check that it never reports without one.
    loaded = load([str(Path(__file__).parent.parent / "fixtures")], Settings())
    checked = 0
    for migration in loaded.migrations:
        ctx = RuleContext(
            migration=migration,
            settings=Settings(),
            schema=SchemaState(),
            steps=build_steps(migration, Settings()),
        )
        kinds = {type(op) for op in migration.upgrade}
        rollback_kinds = {type(op) for op in migration.rollback or ()}
        for rule_class in builtin_rules():
            if rule_class.operations is None:
                continue
            rule = rule_class()
            try:
                found = list(rule.check(ctx))
            except Exception:  # a rule may assume what the engine's filters guarantee
                continue
            if found:
                checked += 1
                assert any(issubclass(k, rule_class.operations) for k in kinds) or any(
                    issubclass(k, rule_class.rollback_operations) for k in rollback_kinds
                ), (rule.code, migration.path)
    assert checked > 100
