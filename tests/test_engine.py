"""The engine: history replay, new vs existing tables, MG000, suppressions, selection."""

from __future__ import annotations

from collections.abc import Iterator

from miglint.config import Settings
from miglint.context import RuleContext, build_steps
from miglint.engine import lint
from miglint.findings import Finding, Level, Location
from miglint.ir.migration import Framework, Migration, Suppression, Transaction
from miglint.ir.ops import (
    ColumnDef,
    CreateIndex,
    CreateTable,
    SetTimeout,
    TimeoutKind,
    TransactionAction,
    TransactionControl,
)
from miglint.rubric import Dimension
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
