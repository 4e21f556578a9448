"""The Alembic front end: revision files read statically into the change IR."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from miglint.config import Settings
from miglint.context import build_steps
from miglint.discover import load
from miglint.engine import lint
from miglint.ir.migration import Framework, Migration, Transaction
from miglint.ir.ops import (
    AddColumn,
    AddConstraint,
    AlterColumnType,
    ColumnDef,
    ConstraintKind,
    CreateIndex,
    CreateTable,
    DataChange,
    DataChangeKind,
    DropColumn,
    DropConstraint,
    DropIndex,
    DropNotNull,
    DropTable,
    EnumChange,
    GraphProblem,
    Harmless,
    Irreversible,
    Opaque,
    Operation,
    ParseError,
    RenameColumn,
    RenameTable,
    SetDefault,
    SetNotNull,
    TransactionAction,
    TransactionControl,
)
from miglint.parsers.alembic import order_alembic, read_alembic

PATH = "app/versions/r1_test.py"


def revision(
    upgrade: str, downgrade: str | None = "pass", *, prelude: str = "", rev: str = "r1", down: str = "None"
) -> str:
    """An Alembic revision file with the given function bodies (indented by this helper)."""
    text = textwrap.dedent(
        f'''\
        """add things

        Revision ID: {rev}
        Revises:
        Create Date: 2024-01-01 00:00:00
        """
        from alembic import op
        import sqlalchemy as sa
        from sqlalchemy.dialects import postgresql

        revision = "{rev}"
        down_revision = {down}
        branch_labels = None
        depends_on = None
        '''
    )
    text += textwrap.dedent(prelude)
    text += (
        "\n\ndef upgrade():\n" + textwrap.indent(textwrap.dedent(upgrade).strip() or "pass", "    ") + "\n"
    )
    if downgrade is not None:
        text += "\n\ndef downgrade():\n" + textwrap.indent(
            textwrap.dedent(downgrade).strip() or "pass", "    "
        )
        text += "\n"
    return text


def line_of(text: str, needle: str) -> int:
    """The 1-based line of the first occurrence of ``needle`` in ``text``."""
    return text[: text.index(needle)].count("\n") + 1


def read(upgrade: str, downgrade: str | None = "pass", *, dialect: str = "postgres", **kw: str) -> Migration:
    m = read_alembic(PATH, revision(upgrade, downgrade, **kw), Settings(dialect=dialect))
    assert m is not None
    return m


def ops(upgrade: str, **kw: str) -> list[Operation]:
    return list(read(upgrade, **kw).upgrade)


# --- recognition and header -------------------------------------------------------------------


def test_recognises_revision_and_reads_header() -> None:
    m = read("op.drop_table('t')")
    assert m.framework is Framework.ALEMBIC
    assert m.revision == "r1"
    assert m.parents == ()
    assert m.description == "add things"
    assert m.history == "app/versions"
    assert m.transaction is Transaction.WRAPPED
    assert m.rollback_expected and m.rollback_path == PATH


def test_not_a_revision_returns_none() -> None:
    settings = Settings()
    assert read_alembic("x.py", "down_revision = None\n", settings) is None
    assert read_alembic("x.py", "revision = 'a'\ndown_revision = None\n", settings) is None
    assert read_alembic("x.py", "def upgrade():\n    pass\n", settings) is None


def test_parents_from_tuple_down_revision_and_depends_on() -> None:
    text = revision("pass", down='("a1", "b1")').replace("depends_on = None", 'depends_on = "c1"')
    m = read_alembic(PATH, text, Settings())
    assert m is not None
    assert m.parents == ("a1", "b1", "c1")


def test_empty_message_is_no_description() -> None:
    text = revision("pass").replace('"""add things', '"""empty message')
    m = read_alembic(PATH, text, Settings())
    assert m is not None and m.description is None


def test_not_wrapped_on_mysql() -> None:
    assert read("pass", dialect="mysql").transaction is Transaction.NONE


# --- operations -------------------------------------------------------------------------------


def test_add_column_with_default_and_not_null() -> None:
    got = ops(
        "op.add_column('accounts', sa.Column('plan', sa.String(length=20), nullable=False, "
        "server_default='free'))"
    )
    assert got == [
        AddColumn(
            table="accounts",
            column=ColumnDef(name="plan", type="varchar(20)", nullable=False, default="'free'"),
        )
    ]


def test_add_column_volatile_default_identity_computed() -> None:
    got = ops(
        """
        op.add_column("t", sa.Column("u", postgresql.UUID(), server_default=sa.text("gen_random_uuid()")))
        op.add_column("t", sa.Column("n", sa.BigInteger(), sa.Identity()))
        op.add_column("t", sa.Column("g", sa.Integer(), sa.Computed("a + 1", persisted=True)))
        op.add_column("t", sa.Column("c", sa.DateTime(timezone=True), server_default=sa.func.now()))
        """
    )
    cols = [op.column for op in got if isinstance(op, AddColumn)]
    assert cols[0].type == "uuid" and cols[0].default_volatile and cols[0].default
    assert cols[1].identity and cols[1].type == "bigint"
    assert cols[2].generated_stored
    assert cols[3].type == "timestamptz" and cols[3].default == "CURRENT_TIMESTAMP"
    assert not cols[3].default_volatile


def test_add_column_foreign_key_unique_and_index_become_their_own_operations() -> None:
    got = ops(
        "op.add_column('orders', sa.Column('user_id', sa.BigInteger(), sa.ForeignKey('users.id'), "
        "index=True))"
    )
    assert got == [
        AddColumn(table="orders", column=ColumnDef(name="user_id", type="bigint")),
        AddConstraint(
            table="orders",
            name=None,
            constraint=ConstraintKind.FOREIGN_KEY,
            columns=("user_id",),
            references="users",
        ),
        CreateIndex(name="ix_orders_user_id", table="orders", columns=("user_id",)),
    ]
    got = ops("op.add_column('orders', sa.Column('code', sa.Text(), unique=True))")
    assert got[1] == AddConstraint(
        table="orders", name=None, constraint=ConstraintKind.UNIQUE, columns=("code",)
    )


def test_drop_column_and_rename_table() -> None:
    assert ops("op.drop_column('t', 'c')\nop.rename_table('t', 'u')") == [
        DropColumn(table="t", column="c"),
        RenameTable(table="t", new_name="u"),
    ]


def test_alter_column_maps_each_change() -> None:
    got = ops(
        """
        op.alter_column(
            "t", "c",
            type_=sa.BigInteger(), existing_type=sa.Integer(), postgresql_using="c::bigint",
            nullable=False, server_default="0", new_column_name="d",
        )
        op.alter_column("t", "e", nullable=True, server_default=None)
        op.alter_column("t", "f", comment="hello")
        """
    )
    assert got == [
        AlterColumnType(table="t", column="c", new_type="bigint", using="c::bigint"),
        SetNotNull(table="t", column="c"),
        SetDefault(table="t", column="c", default="'0'"),
        RenameColumn(table="t", column="c", new_name="d"),
        DropNotNull(table="t", column="e"),
        SetDefault(table="t", column="e", default=None),
        Harmless(statement="comment"),
    ]
    retype = got[0]
    assert isinstance(retype, AlterColumnType) and retype.old_type == "int"


def test_create_and_drop_index() -> None:
    got = ops(
        """
        op.create_index(op.f("ix_t_a"), "t", ["a", sa.text("lower(b)")], unique=True,
                        postgresql_where=sa.text("a > 0"), if_not_exists=True)
        op.create_index("ix_t_c", "t", ["c"], postgresql_concurrently=True)
        op.drop_index("ix_t_a", table_name="t", postgresql_concurrently=True, if_exists=True)
        op.drop_index(op.f("ix_t_c"))
        """
    )
    assert got == [
        CreateIndex(name="ix_t_a", table="t", columns=("a", "lower(b)"), unique=True),
        CreateIndex(name="ix_t_c", table="t", columns=("c",), concurrently=True),
        DropIndex(name="ix_t_a"),
        DropIndex(name="ix_t_c"),
    ]
    first, _, dropped, plain = got
    assert isinstance(first, CreateIndex) and first.where == "a > 0" and first.if_not_exists
    assert isinstance(dropped, DropIndex) and dropped.concurrently and dropped.if_exists
    assert dropped.table == "t"
    assert isinstance(plain, DropIndex) and not plain.concurrently


def test_postgresql_flags_are_ignored_on_other_dialects() -> None:
    got = ops('op.create_index("ix", "t", ["c"], postgresql_concurrently=True)', dialect="mysql")
    assert got == [CreateIndex(name="ix", table="t", columns=("c",), concurrently=False)]


def test_constraints() -> None:
    got = ops(
        """
        op.create_foreign_key("fk_o_u", "orders", "users", ["user_id"], ["id"], postgresql_not_valid=True)
        op.create_foreign_key("fk_o_s", "orders", "shops", ["shop_id"], ["id"])
        op.create_check_constraint("ck_pos", "orders", "amount > 0")
        op.create_check_constraint("ck_txt", "orders", sa.text("qty >= 0"), postgresql_not_valid=True)
        op.create_unique_constraint("uq_o", "orders", ["code"])
        op.create_primary_key("pk_o", "orders", ["id"])
        op.drop_constraint("fk_o_s", "orders", type_="foreignkey")
        """
    )
    assert got == [
        AddConstraint(
            table="orders",
            name="fk_o_u",
            constraint=ConstraintKind.FOREIGN_KEY,
            columns=("user_id",),
            references="users",
            not_valid=True,
        ),
        AddConstraint(
            table="orders",
            name="fk_o_s",
            constraint=ConstraintKind.FOREIGN_KEY,
            columns=("shop_id",),
            references="shops",
        ),
        AddConstraint(table="orders", name="ck_pos", constraint=ConstraintKind.CHECK),
        AddConstraint(table="orders", name="ck_txt", constraint=ConstraintKind.CHECK, not_valid=True),
        AddConstraint(table="orders", name="uq_o", constraint=ConstraintKind.UNIQUE, columns=("code",)),
        AddConstraint(table="orders", name="pk_o", constraint=ConstraintKind.PRIMARY_KEY, columns=("id",)),
        DropConstraint(table="orders", name="fk_o_s"),
    ]
    check = got[2]
    assert isinstance(check, AddConstraint) and check.expression == "amount > 0"
    text_check = got[3]
    assert isinstance(text_check, AddConstraint) and text_check.expression == "qty >= 0"


def test_create_table_with_inline_constraints_and_indexes() -> None:
    got = ops(
        """
        op.create_table(
            "orders",
            sa.Column("id", sa.Integer(), nullable=False),
            sa.Column("user_id", sa.BigInteger(), nullable=False),
            sa.Column("code", sa.String(10), index=True),
            sa.Column("status", sa.Enum("new", "paid", name="order_status")),
            sa.ForeignKeyConstraint(["user_id"], ["users.id"]),
            sa.PrimaryKeyConstraint("id"),
            sa.UniqueConstraint("code"),
            sa.Index("ix_orders_user_status", "user_id", "status"),
        )
        op.drop_table("orders")
        """
    )
    assert got == [
        EnumChange(type_name="order_status", action="create"),
        CreateTable(
            table="orders",
            columns=(
                ColumnDef(name="id", type="int", nullable=False, primary_key=True, serial=True),
                ColumnDef(name="user_id", type="bigint", nullable=False, references="users"),
                ColumnDef(name="code", type="varchar(10)", unique=True),
                ColumnDef(name="status", type="order_status"),
            ),
        ),
        CreateIndex(name="ix_orders_code", table="orders", columns=("code",)),
        CreateIndex(name="ix_orders_user_status", table="orders", columns=("user_id", "status")),
        DropTable(table="orders"),
    ]


def test_composite_or_identity_keys_are_not_serial() -> None:
    got = ops(
        """
        op.create_table(
            "pairs",
            sa.Column("a", sa.Integer(), primary_key=True),
            sa.Column("b", sa.Integer(), primary_key=True),
        )
        op.create_table("ids", sa.Column("id", sa.BigInteger(), sa.Identity(), primary_key=True))
        """
    )
    tables = [op for op in got if isinstance(op, CreateTable)]
    assert [c.serial for c in tables[0].columns] == [False, False]
    assert tables[1].columns[0].identity and not tables[1].columns[0].serial


def test_batch_alter_table_uses_the_batch_table() -> None:
    got = ops(
        """
        with op.batch_alter_table("users", schema=None) as batch_op:
            batch_op.add_column(sa.Column("age", sa.Integer(), nullable=True))
            batch_op.alter_column("name", nullable=False)
            batch_op.create_index("ix_users_age", ["age"], unique=False)
            batch_op.create_foreign_key("fk_users_org", "orgs", ["org_id"], ["id"])
            batch_op.drop_constraint("uq_users_email", type_="unique")
            batch_op.drop_column("legacy")
        op.drop_column("other", "x")
        """
    )
    assert got == [
        AddColumn(table="users", column=ColumnDef(name="age", type="int")),
        SetNotNull(table="users", column="name"),
        CreateIndex(name="ix_users_age", table="users", columns=("age",)),
        AddConstraint(
            table="users",
            name="fk_users_org",
            constraint=ConstraintKind.FOREIGN_KEY,
            columns=("org_id",),
            references="orgs",
        ),
        DropConstraint(table="users", name="uq_users_email"),
        DropColumn(table="users", column="legacy"),
        DropColumn(table="other", column="x"),
    ]


def test_bulk_insert_and_core_data_changes() -> None:
    got = ops(
        """
        accounts = sa.table("accounts", sa.column("id"), sa.column("plan"))
        op.bulk_insert(accounts, [{"id": 1, "plan": "free"}])
        op.execute(accounts.update().where(accounts.c.plan.is_(None)).values(plan="free"))
        op.execute(sa.update(accounts).values(plan="free"))
        op.execute(sa.delete(accounts).where(accounts.c.id == 1))
        op.execute(accounts.delete())
        """
    )
    assert got == [
        DataChange(change=DataChangeKind.INSERT_VALUES, table="accounts"),
        DataChange(change=DataChangeKind.UPDATE, table="accounts", has_where=True),
        DataChange(change=DataChangeKind.UPDATE, table="accounts", has_where=False),
        DataChange(change=DataChangeKind.DELETE, table="accounts", has_where=True),
        DataChange(change=DataChangeKind.DELETE, table="accounts", has_where=False),
    ]


def test_module_level_table_variable_is_resolved() -> None:
    got = ops(
        "op.execute(users.update().values(active=True))",
        prelude='users = sa.table("users", sa.column("active"))\n',
    )
    assert got == [DataChange(change=DataChangeKind.UPDATE, table="users")]


def test_comments_are_harmless_and_unknown_op_calls_are_opaque() -> None:
    got = ops("op.create_table_comment('t', 'x')\nop.invoke(something)\nop.get_bind()")
    assert got[0] == Harmless(statement="comment")
    assert isinstance(got[1], Opaque) and "op.invoke()" in got[1].reason
    assert len(got) == 2


# --- SQL through the SQL front end ------------------------------------------------------------


def test_execute_literal_sql_is_located_in_the_python_file() -> None:
    body = '''
        op.execute("UPDATE accounts SET plan = 'free'")
        op.execute(
            """
            CREATE INDEX ix_a ON accounts (plan);
            DELETE FROM accounts WHERE id = 1;
            """
        )
        '''
    text = revision(body)
    m = read(body)
    first, index, delete = m.upgrade
    assert first == DataChange(change=DataChangeKind.UPDATE, table="accounts")
    # Inside the quotes: 4 spaces of indentation + `op.execute("` = 16 characters.
    assert (first.location.path, first.location.line, first.location.column) == (
        PATH,
        line_of(text, "UPDATE accounts"),
        17,
    )
    assert index == CreateIndex(name="ix_a", table="accounts", columns=("plan",))
    assert (index.location.line, index.location.column) == (line_of(text, "CREATE INDEX"), 9)
    assert delete == DataChange(change=DataChangeKind.DELETE, table="accounts", has_where=True)
    assert delete.location.line == line_of(text, "DELETE FROM")
    assert index.text.startswith("CREATE INDEX ix_a")


def test_execute_through_the_connection_and_text() -> None:
    got = ops(
        """
        conn = op.get_bind()
        conn.execute(sa.text("UPDATE a SET x = 1"))
        op.get_bind().execute(sa.text("DELETE FROM b"))
        bind = op.get_bind()
        rows = bind.execute(sa.text("SELECT id FROM c")).fetchall()
        op.execute(sa.text("UPDATE d SET y = :v").bindparams(v=1))
        """
    )
    assert got[:2] == [
        DataChange(change=DataChangeKind.UPDATE, table="a"),
        DataChange(change=DataChangeKind.DELETE, table="b"),
    ]
    assert isinstance(got[2], Harmless)
    assert got[3] == DataChange(change=DataChangeKind.UPDATE, table="d")


def test_constants_and_constant_fstrings_are_resolved() -> None:
    body = """
        sql = "UPDATE " + TABLE + " SET x = 1"
        op.execute(sql)
        op.execute(f"DELETE FROM {TABLE}")
        op.execute(STATEMENT)
        """
    prelude = 'TABLE = "events"\nSTATEMENT = "TRUNCATE events"\n'
    m = read(body, prelude=prelude)
    assert [type(op).__name__ for op in m.upgrade] == ["DataChange", "DataChange", "TruncateTable"]
    text = revision(body, prelude=prelude)
    # Built SQL is located at the call; a module-level constant where its string is written.
    assert m.upgrade[0].location.line == line_of(text, "op.execute(sql)")
    assert m.upgrade[2].location.line == line_of(text, "TRUNCATE events")


def test_sql_built_at_run_time_is_opaque_with_the_reason() -> None:
    got = ops(
        """
        for name in get_tables():
            op.execute(f"UPDATE {name} SET x = 1")
        op.execute("UPDATE " + compute())
        op.execute(f"DELETE FROM {unknown}")
        """
    )
    assert len(got) == 3 and all(isinstance(op, Opaque) for op in got)
    reasons = [op.reason for op in got if isinstance(op, Opaque)]
    assert "loop" in reasons[0]
    assert "SQL built at run time" in reasons[1] and "SQL built at run time" in reasons[2]


def test_loops_over_literal_lists_are_unrolled() -> None:
    got = ops(
        """
        for table in ("a", "b"):
            op.add_column(table, sa.Column("flag", sa.Boolean(), nullable=True))
        """
    )
    assert [op.table for op in got if isinstance(op, AddColumn)] == ["a", "b"]


def test_helper_functions_with_operations_are_opaque() -> None:
    got = ops(
        "_add('t')\n_log('x')",
        prelude=(
            "\ndef _add(t):\n    op.add_column(t, sa.Column('x', sa.Integer()))\n"
            "\n\ndef _log(m):\n    print(m)\n"
        ),
    )
    assert len(got) == 1
    assert isinstance(got[0], Opaque) and "_add()" in got[0].reason


def test_dialect_branches_are_decided_by_the_configured_dialect() -> None:
    body = """
        if op.get_bind().dialect.name == "postgresql":
            op.create_index("ix", "t", ["c"], postgresql_concurrently=True)
        else:
            op.drop_table("t")
        """
    assert ops(body) == [CreateIndex(name="ix", table="t", columns=("c",), concurrently=True)]
    assert ops(body, dialect="sqlite") == [DropTable(table="t")]


def test_enum_create_and_drop() -> None:
    got = ops(
        """
        mood = postgresql.ENUM("a", "b", name="mood", create_type=False)
        mood.create(op.get_bind(), checkfirst=True)
        sa.Enum(name="old_mood").drop(op.get_bind())
        """
    )
    assert got == [
        EnumChange(type_name="mood", action="create"),
        EnumChange(type_name="old_mood", action="drop"),
    ]


# --- transactions -----------------------------------------------------------------------------


def test_autocommit_block_leaves_the_transaction_inside_it() -> None:
    m = read(
        """
        op.add_column("t", sa.Column("c", sa.Integer()))
        with op.get_context().autocommit_block():
            op.create_index("ix_t_c", "t", ["c"], postgresql_concurrently=True)
        op.drop_column("t", "old")
        """
    )
    assert [type(op) for op in m.upgrade] == [
        AddColumn,
        TransactionControl,
        CreateIndex,
        TransactionControl,
        DropColumn,
    ]
    start, end = m.upgrade[1], m.upgrade[3]
    assert isinstance(start, TransactionControl) and start.action is TransactionAction.COMMIT
    assert isinstance(end, TransactionControl) and end.action is TransactionAction.BEGIN
    steps = build_steps(m, Settings())
    assert [s.in_transaction for s in steps] == [True, True, False, False, True]


def test_no_transaction_control_when_not_wrapped() -> None:
    m = read(
        """
        with op.get_context().autocommit_block():
            op.create_index("ix", "t", ["c"], postgresql_concurrently=True)
        """,
        dialect="mysql",
    )
    assert not any(isinstance(op, TransactionControl) for op in m.upgrade)


# --- downgrade --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("downgrade", "expected"),
    [
        (None, None),
        ("pass", ()),
        ('"""Nothing to undo."""', ()),
        ("...", ()),
        ("op.drop_column('t', 'c')", (DropColumn(table="t", column="c"),)),
    ],
)
def test_downgrade_shapes(downgrade: str | None, expected: tuple[Operation, ...] | None) -> None:
    m = read("op.add_column('t', sa.Column('c', sa.Integer()))\nop.create_index('ix', 't', ['c'])", downgrade)
    assert m.rollback == expected


def test_downgrade_that_only_raises_is_irreversible() -> None:
    m = read("pass", '"""Irreversible."""\nraise NotImplementedError("no way back")')
    assert m.rollback is not None and len(m.rollback) == 1
    marker = m.rollback[0]
    assert isinstance(marker, Irreversible)
    assert "NotImplementedError" in marker.reason


def test_rules_see_missing_empty_raising_and_partial_downgrades(tmp_path: Path) -> None:
    up = "op.add_column('t', sa.Column('c', sa.Integer()))\nop.create_index('ix_t_c', 't', ['c'])"
    cases = {
        "missing": (None, "MG401"),
        "empty": ("pass", "MG401"),
        "raising": ("raise NotImplementedError()", "MG401"),
        "partial": ("op.drop_index('ix_t_c')", "MG402"),
        "complete": ("op.drop_index('ix_t_c')\nop.drop_column('t', 'c')", None),
    }
    for name, (down, code) in cases.items():
        folder = tmp_path / name
        folder.mkdir()
        (folder / "r1.py").write_text(revision(up, down))
        codes = _codes(folder)
        for rollback_code in ("MG401", "MG402"):
            assert (rollback_code in codes) == (rollback_code == code), (name, codes)


# --- revision graph ---------------------------------------------------------------------------


def _m(rev: str, *parents: str, path: str | None = None, history: str = "/nowhere/versions") -> Migration:
    return Migration(
        path=path or f"{history}/{rev}.py",
        framework=Framework.ALEMBIC,
        history=history,
        revision=rev,
        parents=parents,
    )


def test_order_follows_the_graph_with_a_branch_and_a_merge() -> None:
    # base -> (left, right) -> merge -> tip; file names sort against the graph order.
    migrations = [
        _m("tip", "merge", path="/nowhere/versions/a_tip.py"),
        _m("merge", "left", "right", path="/nowhere/versions/b_merge.py"),
        _m("right", "base", path="/nowhere/versions/c_right.py"),
        _m("left", "base", path="/nowhere/versions/d_left.py"),
        _m("base", path="/nowhere/versions/z_base.py"),
    ]
    ordered, findings = order_alembic(migrations)
    assert findings == []
    assert [m.revision for m in ordered] == ["base", "right", "left", "merge", "tip"]
    assert [m.key for m in ordered] == [(0,), (1,), (2,), (3,), (4,)]
    assert not any(isinstance(op, GraphProblem) for m in ordered for op in m.upgrade)


def test_cycle_and_unknown_parent_are_graph_problems_not_crashes() -> None:
    migrations = [
        _m("base"),
        _m("a", "b"),
        _m("b", "a"),
        _m("child", "a"),
        _m("orphan", "missing"),
    ]
    ordered, _ = order_alembic(migrations)
    problems = {m.revision: [op.problem for op in m.upgrade if isinstance(op, GraphProblem)] for m in ordered}
    assert problems["base"] == []
    assert any("cycle" in p and "a" in p and "b" in p for p in problems["a"])
    assert any("cycle" in p for p in problems["b"])
    assert any("descends from a cycle" in p for p in problems["child"])
    assert any("'missing'" in p for p in problems["orphan"])
    assert sorted(m.revision or "" for m in ordered) == ["a", "b", "base", "child", "orphan"]


def test_duplicate_revision_ids_are_reported() -> None:
    ordered, _ = order_alembic(
        [_m("a", path="/n/v/1.py", history="/n/v"), _m("a", path="/n/v/2.py", history="/n/v")]
    )
    second = next(m for m in ordered if m.path.endswith("2.py"))
    assert isinstance(second.upgrade[0], GraphProblem)
    assert "also declared by 1.py" in second.upgrade[0].problem


def test_histories_are_ordered_separately() -> None:
    ordered, _ = order_alembic([_m("x", history="/h2"), _m("y", "x", history="/h2"), _m("x", history="/h1")])
    assert [(m.history, m.key) for m in ordered] == [("/h1", (0,)), ("/h2", (0,)), ("/h2", (1,))]


def test_unknown_parent_present_on_disk_is_not_a_problem(tmp_path: Path) -> None:
    (tmp_path / "r0.py").write_text(revision("pass", rev="r0"))
    (tmp_path / "r1.py").write_text(revision("pass", rev="r1", down='"r0"'))
    only = read_alembic(str(tmp_path / "r1.py"), (tmp_path / "r1.py").read_text(), Settings())
    assert only is not None
    ordered, _ = order_alembic([only])
    assert not any(isinstance(op, GraphProblem) for op in ordered[0].upgrade)


def test_mg004_reports_at_the_down_revision_line(tmp_path: Path) -> None:
    path = tmp_path / "r1.py"
    path.write_text(revision("pass", down='"ghost"'))
    m = read_alembic(str(path), path.read_text(), Settings())
    assert m is not None
    ordered, _ = order_alembic([m])
    findings = [f for f in lint(ordered, Settings()).findings if f.code == "MG004"]
    assert len(findings) == 1
    assert findings[0].location.line == line_of(path.read_text(), 'down_revision = "ghost"')
    assert "ghost" in findings[0].message


# --- safety and robustness --------------------------------------------------------------------


def _codes(folder: Path) -> list[str]:
    settings = Settings()
    loaded = load([str(folder)], settings)
    assert loaded.migrations
    return [f.code for f in lint(loaded.migrations, settings).findings]


def test_linting_never_executes_migration_code(tmp_path: Path) -> None:
    marker = tmp_path / "executed"
    text = revision(
        f"open({str(marker)!r}, 'w').write('upgrade ran')\nop.drop_column('t', 'c')",
        f"open({str(marker)!r}, 'w').write('downgrade ran')",
        prelude=f"open({str(marker)!r}, 'w').write('imported')\n",
    )
    (tmp_path / "r1.py").write_text(text)
    codes = _codes(tmp_path)
    assert not marker.exists()
    assert "MG202" in codes and "MG000" not in codes


def test_syntax_error_is_one_parse_error_not_a_crash(tmp_path: Path) -> None:
    text = revision("op.add_column('t', sa.Column('c', sa.Integer())\n")  # missing ")"
    m = read_alembic(PATH, text, Settings())
    assert m is not None
    assert m.revision == "r1"
    assert len(m.upgrade) == 1 and isinstance(m.upgrade[0], ParseError)
    assert m.upgrade[0].location.line > 1
    (tmp_path / "r1.py").write_text(text)
    codes = _codes(tmp_path)
    assert "MG001" in codes and "MG000" not in codes and "MG401" not in codes


def test_suppression_covers_the_whole_statement(tmp_path: Path) -> None:
    text = revision(
        '''
        # miglint: ignore[MG101] built off-hours
        op.execute(
            """
            CREATE INDEX ix_a ON accounts (plan);
            """
        )
        op.create_index("ix_b", "accounts", ["b"])  # miglint: ignore[MG101]
        op.create_index("ix_c", "accounts", ["c"])
        '''
    )
    (tmp_path / "r1.py").write_text(text)
    settings = Settings()
    loaded = load([str(tmp_path)], settings)
    findings = lint(loaded.migrations, settings).findings
    flagged = [f.location.line for f in findings if f.code == "MG101"]
    assert flagged == [line_of(text, 'op.create_index("ix_c"')]
    assert not [f for f in findings if f.code == "MG003"]


def test_non_ascii_columns_are_characters() -> None:
    m = read('x = "é"; op.drop_column("t", "c")')
    # 4 spaces + `x = "é"; ` is 13 characters (14 UTF-8 bytes): the call starts at column 14.
    assert m.upgrade[0].location.column == 14
