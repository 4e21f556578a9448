"""The Alembic front end: revision files read as syntax (stdlib ``ast``) into the change IR.

Nothing here imports or runs a revision file. ``upgrade()`` and ``downgrade()`` are walked
statement by statement: ``op.*`` calls (and ``batch_op.*`` inside ``batch_alter_table``) map
to IR operations, literal SQL handed to ``op.execute`` or ``connection.execute`` goes through
the SQL front end with its locations mapped back into the Python file, and whatever cannot be
known without running the code (SQL built at run time, loops, helper functions) becomes an
:class:`~miglint.ir.ops.Opaque` with the reason. :func:`order_alembic` places each revision
in its revision graph.
"""

from __future__ import annotations

import ast
import heapq
import os
import re
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace

import sqlglot
from sqlglot import exp
from sqlglot.errors import SqlglotError

from miglint.config import Settings
from miglint.findings import Finding, Location
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
    norm_name,
)
from miglint.parsers.directives import python_directives
from miglint.parsers.pyutil import (
    Source,
    argument,
    call_name,
    dotted_name,
    has_keyword,
    items,
    last_name,
    literal,
    simple_assignments,
    statement_spans,
    string,
)
from miglint.parsers.sql import VOLATILE_FUNCTIONS, is_volatile, parse_sql

__all__ = ["order_alembic", "read_alembic"]

# --- positional parameters of the op.* calls (the batch form drops the table argument) -----

_PARAMS: dict[str, tuple[str, ...]] = {
    "add_column": ("table_name", "column"),
    "drop_column": ("table_name", "column_name"),
    "alter_column": ("table_name", "column_name"),
    "create_index": ("index_name", "table_name", "columns"),
    "drop_index": ("index_name", "table_name"),
    "create_foreign_key": (
        "constraint_name",
        "source_table",
        "referent_table",
        "local_cols",
        "remote_cols",
    ),
    "create_check_constraint": ("constraint_name", "table_name", "condition"),
    "create_unique_constraint": ("constraint_name", "table_name", "columns"),
    "create_primary_key": ("constraint_name", "table_name", "columns"),
    "create_exclude_constraint": ("constraint_name", "table_name"),
    "drop_constraint": ("constraint_name", "table_name", "type_"),
    "create_table": ("table_name",),
    "drop_table": ("table_name",),
    "rename_table": ("old_table_name", "new_table_name"),
    "bulk_insert": ("table", "rows"),
    "execute": ("sqltext",),
    "create_table_comment": ("table_name", "comment"),
    "drop_table_comment": ("table_name",),
}
_TABLE_PARAMS = frozenset({"table_name", "source_table"})
#: op.* helpers that build values rather than change the database.
_VALUE_HELPERS = frozenset(
    {"f", "get_bind", "get_context", "inline_literal", "batch_alter_table", "implementation_for"}
)
_EXECUTE_METHODS = frozenset({"execute", "exec_driver_sql"})
_TEXT_CONSTRUCTORS = frozenset({"text", "DDL", "literal_column"})
_TEXT_MODIFIERS = frozenset({"bindparams", "columns", "execution_options"})
_TABLE_CONSTRUCTORS = frozenset({"table", "Table"})
_ENUM_TYPES = frozenset({"Enum", "ENUM"})
_DIALECT_NAMES = {"postgres": ("postgresql", "postgres"), "mysql": ("mysql", "mariadb")}
_INTEGER_TYPES = frozenset({"int", "integer", "smallint", "bigint"})

#: SQLAlchemy type names -> SQL type names (arguments are appended when given).
_TYPE_NAMES: dict[str, str] = {
    "Integer": "integer",
    "INTEGER": "integer",
    "INT": "integer",
    "SmallInteger": "smallint",
    "SMALLINT": "smallint",
    "BigInteger": "bigint",
    "BIGINT": "bigint",
    "String": "varchar",
    "VARCHAR": "varchar",
    "NVARCHAR": "varchar",
    "Unicode": "varchar",
    "CHAR": "char",
    "NCHAR": "char",
    "Text": "text",
    "TEXT": "text",
    "UnicodeText": "text",
    "CITEXT": "citext",
    "Boolean": "boolean",
    "BOOLEAN": "boolean",
    "DateTime": "timestamp",
    "DATETIME": "timestamp",
    "TIMESTAMP": "timestamp",
    "Date": "date",
    "DATE": "date",
    "Time": "time",
    "TIME": "time",
    "Interval": "interval",
    "INTERVAL": "interval",
    "Numeric": "numeric",
    "NUMERIC": "numeric",
    "DECIMAL": "numeric",
    "Float": "float",
    "FLOAT": "float",
    "REAL": "real",
    "Double": "double precision",
    "DOUBLE_PRECISION": "double precision",
    "DOUBLE": "double precision",
    "LargeBinary": "bytea",
    "BYTEA": "bytea",
    "BLOB": "blob",
    "JSON": "json",
    "JSONB": "jsonb",
    "UUID": "uuid",
    "Uuid": "uuid",
    "INET": "inet",
    "CIDR": "cidr",
    "MACADDR": "macaddr",
    "TSVECTOR": "tsvector",
    "HSTORE": "hstore",
    "MONEY": "money",
    "BIT": "bit",
    "OID": "oid",
    "XML": "xml",
}
_MYSQL_TYPE_NAMES = {"DateTime": "datetime", "DATETIME": "datetime", "LargeBinary": "blob"}
_LENGTH_ARGS = ("length", "precision", "scale")


# --- entry points -------------------------------------------------------------------------


def read_alembic(path: str, text: str, settings: Settings) -> Migration | None:
    """Read an Alembic revision file into a :class:`Migration`, or None if it is not one.

    A revision has module-level ``revision`` and ``down_revision`` assignments and a
    ``def upgrade``. The file is parsed, never imported: a file that does not parse but looks
    like a revision gives a migration holding one :class:`ParseError` (MG001).
    """
    try:
        tree = ast.parse(text, filename=path)
    except (SyntaxError, ValueError) as exc:
        return _unparseable(path, text, exc, settings)
    header = _Header.of(tree)
    if header is None:
        return None
    source = Source(path, text)
    functions = {s.name: s for s in tree.body if isinstance(s, ast.FunctionDef | ast.AsyncFunctionDef)}
    reader = _Reader(source, settings, tree)
    upgrade = reader.run(functions["upgrade"])
    downgrade = functions.get("downgrade")
    rollback = None if downgrade is None else reader.rollback(downgrade)
    op_lines = [op.location.line for op in (*upgrade, *(rollback or ()))]
    directives = python_directives(path, text, op_lines)
    spans = statement_spans(tree)
    # A comment above (or trailing) a statement covers all of it: a multi-line op.execute
    # string holds statements located on later lines.
    covered = tuple(
        s if s.file_wide else replace(s, last=max(s.last, spans.get(s.last, s.last)))
        for s in directives.suppressions
    )
    wrapped = settings.dialect == "postgres" and not directives.no_transaction
    return Migration(
        path=path,
        framework=Framework.ALEMBIC,
        dialect=settings.dialect,
        history=os.path.dirname(path),
        description=_description(ast.get_docstring(tree)),
        transaction=Transaction.WRAPPED if wrapped else Transaction.NONE,
        upgrade=tuple(upgrade),
        rollback=rollback,
        rollback_path=path,
        rollback_expected=True,
        revision=header.revision,
        parents=header.parents,
        suppressions=covered,
    )


def order_alembic(migrations: Sequence[Migration]) -> tuple[list[Migration], list[Finding]]:
    """Order Alembic revisions by their revision graph, each history (folder) on its own.

    Every revision comes after its parents (``down_revision`` and ``depends_on``); branches are
    ordered by path. ``key`` is set to the position. Cycles, unknown parents and duplicate
    revision ids are put into the affected migration as a leading :class:`GraphProblem`
    operation, so MG004 reports them through the engine (suppressions and ``select`` apply);
    the returned finding list is therefore empty and kept for callers that merge problems.
    """
    groups: dict[str, list[Migration]] = defaultdict(list)
    for m in migrations:
        groups[m.history].append(m)
    ordered: list[Migration] = []
    for history in sorted(groups):
        ordered.extend(_order_history(groups[history]))
    return ordered, []


# --- the revision header --------------------------------------------------------------------


@dataclass(frozen=True)
class _Header:
    revision: str | None
    parents: tuple[str, ...]

    @classmethod
    def of(cls, tree: ast.Module) -> _Header | None:
        names = simple_assignments(tree.body)
        has_upgrade = any(
            isinstance(s, ast.FunctionDef | ast.AsyncFunctionDef) and s.name == "upgrade" for s in tree.body
        )
        if "revision" not in names or "down_revision" not in names or not has_upgrade:
            return None
        revision = string(names["revision"])
        parents = (*_ids(literal(names["down_revision"])), *_ids(literal(names.get("depends_on"))))
        return cls(revision, tuple(dict.fromkeys(parents)))


def _ids(value: object) -> tuple[str, ...]:
    if isinstance(value, str):
        return (value,) if value else ()
    return tuple(v for v in items(value) or () if isinstance(v, str) and v)


_HEADER_LINE = re.compile(r"^\s*(Revision ID|Revises|Create Date)\s*:", re.IGNORECASE)


def _description(doc: str | None) -> str | None:
    """The revision message: the docstring without Alembic's generated header lines."""
    if not doc:
        return None
    kept = [ln for ln in doc.splitlines() if not _HEADER_LINE.match(ln)]
    text = "\n".join(kept).strip()
    return None if not text or text.lower() == "empty message" else text


_REVISION_RE = re.compile(r"^revision\s*(?::[^=\n]*)?=\s*['\"]([^'\"]+)['\"]", re.MULTILINE)
_DOWN_RE = re.compile(r"^down_revision\s*(?::[^=\n]*)?=\s*(.+)$", re.MULTILINE)


def _unparseable(path: str, text: str, exc: SyntaxError | ValueError, settings: Settings) -> Migration | None:
    if not (_REVISION_RE.search(text) and _DOWN_RE.search(text) and re.search(r"^def upgrade", text, re.M)):
        return None
    line = getattr(exc, "lineno", None) or 1
    col = getattr(exc, "offset", None) or 1
    message = getattr(exc, "msg", None) or str(exc)
    revision = m.group(1) if (m := _REVISION_RE.search(text)) else None
    down = _DOWN_RE.search(text)
    parents = tuple(re.findall(r"['\"]([^'\"]+)['\"]", down.group(1))) if down else ()
    return Migration(
        path=path,
        framework=Framework.ALEMBIC,
        dialect=settings.dialect,
        history=os.path.dirname(path),
        upgrade=(ParseError(message=f"Python syntax error: {message}", location=Location(path, line, col)),),
        rollback=None,
        rollback_path=path,
        rollback_expected=False,
        revision=revision,
        parents=parents,
    )


# --- the revision graph -------------------------------------------------------------------


def _order_history(migrations: list[Migration]) -> list[Migration]:
    by_id: dict[str, Migration] = {}
    problems: dict[str, list[GraphProblem]] = defaultdict(list)
    for m in sorted(migrations, key=lambda m: m.path):
        if m.revision is None:
            problems[m.path].append(
                _problem(
                    m, "revision", "the revision id is not a string literal; it has no place in the graph"
                )
            )
        elif m.revision in by_id:
            other = os.path.basename(by_id[m.revision].path)
            problems[m.path].append(
                _problem(m, "revision", f"revision id {m.revision!r} is also declared by {other}")
            )
        else:
            by_id[m.revision] = m
    children: dict[str, list[Migration]] = defaultdict(list)
    waiting: dict[str, int] = {}
    for m in migrations:
        known = [p for p in m.parents if p in by_id]
        for parent in m.parents:
            if parent not in by_id and not _present_on_disk(m.history, parent):
                problems[m.path].append(
                    _problem(
                        m,
                        parent,
                        f"parent revision {parent!r} (down_revision / depends_on) does not exist "
                        f"in {m.history or '.'}",
                    )
                )
        for parent in known:
            children[parent].append(m)
        waiting[m.path] = len(known)
    ready = [(m.path, m) for m in migrations if waiting[m.path] == 0]
    heapq.heapify(ready)
    order: list[Migration] = []
    while ready:
        _, m = heapq.heappop(ready)
        order.append(m)
        if m.revision is None or by_id.get(m.revision) is not m:
            continue
        for child in children[m.revision]:
            waiting[child.path] -= 1
            if waiting[child.path] == 0:
                heapq.heappush(ready, (child.path, child))
    placed = {m.path for m in order}
    stuck = sorted((m for m in migrations if m.path not in placed), key=lambda m: m.path)
    for m in stuck:
        cycle = _cycle_from(m, by_id, {s.path for s in stuck})
        if cycle and m.revision in cycle:
            message = "revision graph has a cycle: " + " -> ".join([*cycle, cycle[0]])
        else:
            message = "revision descends from a cycle in the revision graph"
        problems[m.path].append(_problem(m, "down_revision", message))
    result: list[Migration] = []
    for index, m in enumerate([*order, *stuck]):
        markers = tuple(problems.get(m.path, ()))
        result.append(replace(m, key=(index,), upgrade=(*markers, *m.upgrade)))
    return result


def _cycle_from(start: Migration, by_id: dict[str, Migration], stuck: set[str]) -> list[str]:
    """Revision ids of a cycle reached by following parents from ``start`` (child -> parent)."""
    seen: list[str] = []
    current: Migration | None = start
    while current is not None and current.revision is not None:
        if current.revision in seen:
            cycle = seen[seen.index(current.revision) :]
            return list(reversed(cycle))
        seen.append(current.revision)
        nxt = [by_id[p] for p in current.parents if p in by_id and by_id[p].path in stuck]
        current = nxt[0] if nxt else None
    return []


def _present_on_disk(history: str, revision: str) -> bool:
    """Whether another file of the folder declares ``revision`` (a partial set was linted)."""
    try:
        names = sorted(os.listdir(history or "."))
    except OSError:
        return False
    pattern = re.compile(rf"^revision\s*(?::[^=\n]*)?=\s*['\"]{re.escape(revision)}['\"]", re.MULTILINE)
    for name in names:
        if not name.endswith(".py"):
            continue
        try:
            with open(os.path.join(history or ".", name), encoding="utf-8", errors="replace") as fh:
                if pattern.search(fh.read()):
                    return True
        except OSError:
            continue
    return False


def _problem(m: Migration, needle: str, message: str) -> GraphProblem:
    """A GraphProblem at the line that mentions ``needle`` (a revision id or header name)."""
    line = 1
    try:
        with open(m.path, encoding="utf-8", errors="replace") as fh:
            lines = fh.read().splitlines()
    except OSError:
        lines = []
    quoted = re.compile(rf"['\"]{re.escape(needle)}['\"]")
    named = re.compile(rf"^{re.escape(needle)}\b")
    for pattern in (quoted, named, re.compile(r"^down_revision\b")):
        hit = next((i for i, ln in enumerate(lines, 1) if pattern.search(ln)), None)
        if hit is not None:
            line = hit
            break
    text = lines[line - 1].strip() if lines else ""
    return GraphProblem(problem=message, location=Location(m.path, line, 1), text=text)


# --- reading upgrade() / downgrade() ----------------------------------------------------------


@dataclass
class _Scope:
    """Names known while walking one function."""

    env: dict[str, ast.expr]
    binds: set[str] = field(default_factory=set[str])
    tables: dict[str, str] = field(default_factory=dict[str, str])
    batches: dict[str, str] = field(default_factory=dict[str, str])
    enums: dict[str, ast.Call] = field(default_factory=dict[str, ast.Call])


class _Reader:
    """Walks a revision function and collects IR operations."""

    def __init__(self, source: Source, settings: Settings, tree: ast.Module) -> None:
        self.source = source
        self.settings = settings
        self.dialect = settings.dialect
        self.transactional = settings.dialect == "postgres"
        self.module_env = simple_assignments(tree.body)
        self.op_names = {"op"}
        self.context_names = {"context"}
        for stmt in tree.body:
            if isinstance(stmt, ast.ImportFrom) and stmt.module == "alembic":
                for alias in stmt.names:
                    if alias.name == "op":
                        self.op_names.add(alias.asname or "op")
                    elif alias.name == "context":
                        self.context_names.add(alias.asname or "context")
        self.helpers: dict[str, ast.FunctionDef | ast.AsyncFunctionDef] = {
            s.name: s
            for s in tree.body
            if isinstance(s, ast.FunctionDef | ast.AsyncFunctionDef)
            and s.name not in ("upgrade", "downgrade")
        }
        self.module_tables = {
            name: table
            for name, value in self.module_env.items()
            if (table := self.table_of(value, {})) is not None
        }
        self.ops: list[Operation] = []
        self.scope = _Scope(env={})

    # -- functions

    def run(self, func: ast.FunctionDef | ast.AsyncFunctionDef) -> list[Operation]:
        """The operations of one function, in order."""
        self.ops = []
        self.scope = _Scope(env=dict(self.module_env), tables=dict(self.module_tables))
        self._block(func.body)
        return self.ops

    def rollback(self, func: ast.FunctionDef | ast.AsyncFunctionDef) -> tuple[Operation, ...]:
        """The operations of ``downgrade()``; a body that only raises is :class:`Irreversible`."""
        body = [
            s
            for s in func.body
            if not isinstance(s, ast.Pass)
            and not (isinstance(s, ast.Expr) and isinstance(s.value, ast.Constant))
        ]
        if body and all(isinstance(s, ast.Raise) for s in body):
            raised = body[0]
            assert isinstance(raised, ast.Raise)
            what = self.source.segment(raised.exc) if raised.exc is not None else "an exception"
            return (
                Irreversible(
                    reason=f"downgrade() only raises {what}",
                    location=self.source.location(raised),
                    text=self.source.segment(raised),
                ),
            )
        return tuple(self.run(func))

    # -- statements

    def _block(self, body: Iterable[ast.stmt]) -> None:
        for stmt in body:
            self._stmt(stmt)

    def _stmt(self, stmt: ast.stmt) -> None:
        match stmt:
            case ast.Expr(value=value):
                self._expr(value)
            case ast.Assign(targets=targets, value=value):
                self._expr(value)
                for target in targets:
                    self._bind(target, value)
            case ast.AnnAssign(target=target, value=value) if value is not None:
                self._expr(value)
                self._bind(target, value)
            case ast.AugAssign(value=value) | ast.Return(value=value) if value is not None:
                self._expr(value)
            case ast.With() | ast.AsyncWith():
                self._with(stmt)
            case ast.If():
                self._if(stmt)
            case ast.For() | ast.AsyncFor():
                self._for(stmt)
            case ast.While():
                self._opaque_if_active(stmt, "operations inside a while loop")
            case ast.Try():
                self._block(stmt.body)
                self._block(stmt.orelse)
                self._block(stmt.finalbody)
                for handler in stmt.handlers:
                    self._opaque_if_active(handler, "operations in an exception handler")
            case ast.FunctionDef() | ast.AsyncFunctionDef():
                self.helpers[stmt.name] = stmt
            case _:
                self._opaque_if_active(stmt, f"a {type(stmt).__name__.lower()} statement")

    def _bind(self, target: ast.expr, value: ast.expr) -> None:
        if not isinstance(target, ast.Name):
            return
        name, scope = target.id, self.scope
        scope.env[name] = value
        scope.binds.discard(name)
        scope.tables.pop(name, None)
        scope.enums.pop(name, None)
        if self._is_bind(value):
            scope.binds.add(name)
        elif (table := self.table_of(value, scope.tables)) is not None:
            scope.tables[name] = table
        elif isinstance(value, ast.Call) and last_name(call_name(value)) in _ENUM_TYPES:
            scope.enums[name] = value

    def _with(self, stmt: ast.With | ast.AsyncWith) -> None:
        autocommit = False
        batch_names: list[str] = []
        for item in stmt.items:
            ctx = item.context_expr
            name = call_name(ctx) or ""
            if isinstance(ctx, ast.Call) and _is_autocommit(ctx, self.op_names, self.context_names):
                autocommit = True
            elif (
                isinstance(ctx, ast.Call)
                and name.split(".")[-1] == "batch_alter_table"
                and (name.split(".")[0] in self.op_names)
            ):
                table = self.table_arg(argument(ctx, 0, "table_name"), ctx)
                if isinstance(item.optional_vars, ast.Name) and table:
                    batch_names.append(item.optional_vars.id)
                    self.scope.batches[item.optional_vars.id] = table
            else:
                self._expr(ctx)
                if item.optional_vars is not None:
                    self._bind(item.optional_vars, ctx)
        header = self.source.location(stmt)
        if autocommit and self.transactional:
            self.ops.append(
                TransactionControl(
                    action=TransactionAction.COMMIT,
                    location=Location(header.path, header.line, header.column),
                    text="autocommit_block() start: COMMIT",
                )
            )
        self._block(stmt.body)
        if autocommit and self.transactional:
            self.ops.append(
                TransactionControl(
                    action=TransactionAction.BEGIN,
                    location=Location(header.path, header.end_line, 1),
                    text="autocommit_block() end: BEGIN",
                )
            )
        for name in batch_names:
            self.scope.batches.pop(name, None)

    def _if(self, stmt: ast.If) -> None:
        self._expr(stmt.test)
        decided = self._static_condition(stmt.test)
        if decided is not False:
            self._block(stmt.body)
        if decided is not True:
            self._block(stmt.orelse)

    def _static_condition(self, test: ast.expr) -> bool | None:
        """True/False for a comparison of the dialect name; None when unknown."""
        if isinstance(test, ast.UnaryOp) and isinstance(test.op, ast.Not):
            inner = self._static_condition(test.operand)
            return None if inner is None else not inner
        if not (isinstance(test, ast.Compare) and len(test.ops) == 1):
            return None
        left = dotted_name(test.left) or ""
        if not (left.endswith("dialect.name") or _is_dialect_name(test.left)):
            return None
        right = literal(test.comparators[0], self.scope.env)
        names = _DIALECT_NAMES.get(self.dialect, (self.dialect,))
        match test.ops[0], right:
            case ast.Eq(), str():
                return right in names
            case ast.NotEq(), str():
                return right not in names
            case ast.In() | ast.NotIn(), _ if (options := items(right)) is not None:
                found = any(n in options for n in names)
                return found if isinstance(test.ops[0], ast.In) else not found
            case _:
                return None

    def _for(self, stmt: ast.For | ast.AsyncFor) -> None:
        self._expr(stmt.iter)
        values = items(literal(stmt.iter, self.scope.env)) or [None]
        constants = [v for v in values if isinstance(v, str | int)]
        if len(constants) == len(values) and isinstance(stmt.target, ast.Name):
            for value in constants:
                self.scope.env[stmt.target.id] = ast.Constant(value=value)
                self._block(stmt.body)
            self._block(stmt.orelse)
            return
        self._opaque_if_active(stmt, f"operations inside a loop over {self.source.segment(stmt.iter)}")

    def _opaque_if_active(self, node: ast.AST, what: str) -> None:
        """Add one Opaque for ``node`` when it contains migration operations."""
        if self._mentions_operations(node):
            self.ops.append(
                Opaque(
                    reason=f"{what} cannot be followed statically",
                    location=self.source.location(node),
                    text=_first_line(self.source.segment(node)),
                )
            )

    def _mentions_operations(self, node: ast.AST) -> bool:
        for sub in ast.walk(node):
            if not isinstance(sub, ast.Call):
                continue
            name = call_name(sub) or ""
            head = name.split(".")[0]
            method = name.rsplit(".", 1)[-1]
            if head in self.op_names and method not in _VALUE_HELPERS:
                return True
            if head in self.scope.batches or head in self.helpers:
                return True
            if isinstance(sub.func, ast.Attribute) and sub.func.attr in _EXECUTE_METHODS:
                return True
        return False

    # -- expressions

    def _expr(self, node: ast.AST) -> None:
        """Collect the operations of the outermost migration calls inside ``node``."""
        if isinstance(node, ast.Lambda):
            return
        if isinstance(node, ast.Call) and self._call(node):
            return
        for child in ast.iter_child_nodes(node):
            self._expr(child)

    def _call(self, call: ast.Call) -> bool:
        """Handle a call that runs migration work; False when it is an ordinary call."""
        name = call_name(call) or ""
        parts = name.split(".")
        func = call.func
        if len(parts) == 2 and parts[0] in self.op_names:
            self._op(parts[1], call, None)
            return True
        if len(parts) == 2 and parts[0] in self.context_names and parts[1] == "execute":
            self.execute(call, argument(call, 0, "sql"))
            return True
        if len(parts) == 2 and parts[0] in self.scope.batches:
            self._op(parts[1], call, self.scope.batches[parts[0]])
            return True
        if isinstance(func, ast.Attribute) and func.attr in _EXECUTE_METHODS and self._is_bind(func.value):
            self.execute(call, argument(call, 0, "statement") or argument(call, None, "sqltext"))
            return True
        if isinstance(func, ast.Attribute) and func.attr in ("create", "drop"):
            enum = self._enum_of(func.value)
            if enum is not None:
                self._enum_change(call, enum, "create" if func.attr == "create" else "drop")
                return True
        if len(parts) == 1 and parts[0] in self.helpers:
            helper = self.helpers[parts[0]]
            if self._mentions_operations(helper):
                self._add(
                    Opaque(reason=f"operations inside helper function {parts[0]}() are not followed"),
                    call,
                )
            return True
        return False

    def _is_bind(self, node: ast.expr) -> bool:
        if isinstance(node, ast.Name):
            return node.id in self.scope.binds
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr in ("begin", "connect", "execution_options")
        ):
            return self._is_bind(node.func.value)
        name = call_name(node) or dotted_name(node) or ""
        parts = name.split(".")
        if len(parts) == 2 and parts[0] in self.op_names | self.context_names:
            return parts[1] == "get_bind"
        if isinstance(node, ast.Attribute) and node.attr in ("bind", "connection"):
            inner = call_name(node.value) or ""
            return inner.split(".")[-1] == "get_context"
        return False

    def _add(self, op: Operation, node: ast.AST) -> None:
        self.ops.append(op.at(self.source.location(node), self.source.segment(node)))

    def _op(self, method: str, call: ast.Call, batch_table: str | None) -> None:
        handler = _HANDLERS.get(method)
        if handler is None:
            if method not in _VALUE_HELPERS:
                who = "batch_op" if batch_table is not None else "op"
                self._add(Opaque(reason=f"{who}.{method}() is not modelled"), call)
            return
        args = _Args(call, _PARAMS.get(method, ()), batch_table, self)
        for op in handler(self, args):
            if op.location.path == "<unknown>":
                self._add(op, call)
            else:
                self.ops.append(op)

    # -- values

    def str_of(self, node: ast.expr | None) -> str | None:
        if isinstance(node, ast.Call) and (call_name(node) or "").split(".")[-1] in ("f", "quoted_name"):
            node = argument(node, 0, "name")
        return string(node, self.scope.env)

    def name_of(self, node: ast.expr | None) -> str | None:
        text = self.str_of(node)
        return None if text is None else _ident(text)

    def names_of(self, node: ast.expr | None) -> tuple[str, ...] | None:
        """Column names from a list of strings or ``sa.text`` expressions, or one string."""
        if node is None:
            return ()
        single = self.str_of(node)
        if single is not None:
            return (_ident(single),)
        if isinstance(node, ast.Name):
            node = self.scope.env.get(node.id, node)
        if not isinstance(node, ast.List | ast.Tuple):
            return None
        names: list[str] = []
        for elt in node.elts:
            text = self.str_of(elt)
            if text is not None:
                names.append(_ident(text))
                continue
            text = self.text_of(elt)
            names.append(text if text is not None else self.source.segment(elt))
        return tuple(names)

    def text_of(self, node: ast.expr | None) -> str | None:
        """The string inside ``sa.text("…")`` (or a plain string)."""
        if isinstance(node, ast.Call) and last_name(call_name(node)) in (*_TEXT_CONSTRUCTORS, "column"):
            return self.str_of(argument(node, 0, "text"))
        return self.str_of(node)

    def table_arg(self, node: ast.expr | None, call: ast.Call) -> str | None:
        name = self.name_of(node)
        if name is None:
            return None
        schema = self.str_of(argument(call, None, "schema"))
        return norm_name(f"{schema}.{name}" if schema else name, quoted=True)

    def table_of(self, node: ast.expr, tables: dict[str, str]) -> str | None:
        """The table a ``sa.table("t", …)`` / ``sa.Table("t", …)`` / create_table value names."""
        if isinstance(node, ast.Name):
            return tables.get(node.id)
        if not isinstance(node, ast.Call):
            return None
        name = call_name(node) or ""
        if last_name(name) in _TABLE_CONSTRUCTORS or name.split(".")[-1] == "create_table":
            text = string(argument(node, 0, "name") or argument(node, None, "table_name"), self.module_env)
            return _ident(text) if text else None
        return None

    def _enum_of(self, node: ast.expr) -> ast.Call | None:
        if isinstance(node, ast.Name):
            return self.scope.enums.get(node.id)
        if isinstance(node, ast.Call) and last_name(call_name(node)) in _ENUM_TYPES:
            return node
        return None

    def _enum_change(self, call: ast.Call, enum: ast.Call, action: str) -> None:
        name = self.str_of(argument(enum, None, "name"))
        if name is None:
            self._add(Opaque(reason=f"Enum.{action}() of a type whose name is not a literal"), call)
            return
        if self.dialect != "postgres":
            self._add(Harmless(statement=f"{action} enum type (not a separate type on {self.dialect})"), call)
            return
        self._add(EnumChange(type_name=_ident(name), action=action), call)

    # -- columns and types

    def column(self, node: ast.expr | None) -> _Column | None:
        """A ``sa.Column(...)`` call as a column definition plus what it implies."""
        if isinstance(node, ast.Name):
            node = self.scope.env.get(node.id)
        if not isinstance(node, ast.Call) or last_name(call_name(node)) != "Column":
            return None
        args = list(node.args)
        name = self.str_of(args[0]) if args else self.str_of(argument(node, None, "name"))
        if name is None:
            return None
        type_node: ast.expr | None = argument(node, None, "type_")
        identity = generated = False
        references: str | None = None
        for arg in args[1:]:
            kind = last_name(call_name(arg) or dotted_name(arg))
            if kind == "ForeignKey" and isinstance(arg, ast.Call):
                target = self.str_of(argument(arg, 0, "column"))
                references = _ref_table(target) if target else self.source.segment(arg)
            elif kind == "Identity":
                identity = True
            elif kind == "Computed" and isinstance(arg, ast.Call):
                persisted = literal(argument(arg, None, "persisted"), self.scope.env)
                generated = persisted is True or (persisted is None and self.dialect != "mysql")
            elif kind in ("Sequence", "CheckConstraint", "FetchedValue", "DefaultClause"):
                continue
            elif type_node is None:
                type_node = arg
        primary = literal(argument(node, None, "primary_key"), self.scope.env) is True
        nullable_value = literal(argument(node, None, "nullable"), self.scope.env)
        nullable = (not primary) if not isinstance(nullable_value, bool) else nullable_value
        default, volatile = self.server_default(argument(node, None, "server_default"))
        autoincrement = literal(argument(node, None, "autoincrement"), self.scope.env, "auto")
        type_text = self.type_text(type_node)
        serial = (
            primary
            and autoincrement is not False
            and not identity
            and default is None
            and references is None
            and type_text.split("(")[0] in _INTEGER_TYPES
            and self.dialect == "postgres"
        )
        definition = ColumnDef(
            name=_ident(name),
            type=type_text,
            nullable=nullable and not primary,
            default=default,
            default_volatile=volatile,
            identity=identity,
            serial=serial,
            generated_stored=generated,
            primary_key=primary,
            unique=literal(argument(node, None, "unique"), self.scope.env) is True,
            references=references,
        )
        index = literal(argument(node, None, "index"), self.scope.env) is True
        if isinstance(type_node, ast.Name):
            type_node = self.scope.env.get(type_node.id, type_node)
        enum = (
            type_node
            if isinstance(type_node, ast.Call) and last_name(call_name(type_node)) in _ENUM_TYPES
            else None
        )
        return _Column(definition, node, index, enum, autoincrement is True)

    def type_text(self, node: ast.expr | None) -> str:
        """A SQLAlchemy type expression as SQL type text, spelled as the SQL front end does."""
        if isinstance(node, ast.Name) and node.id in self.scope.env:
            node = self.scope.env[node.id]
        if node is None:
            return ""
        call = node if isinstance(node, ast.Call) else None
        name = last_name(call_name(node) if call else dotted_name(node))
        if call is not None and name == "ARRAY":
            inner = self.type_text(argument(call, 0, "item_type"))
            return f"{inner}[]" if inner else "array"
        if name in _ENUM_TYPES:
            enum_name = self.str_of(argument(call, None, "name")) if call else None
            base = _ident(enum_name) if enum_name else "enum"
            return base if self.dialect == "postgres" else "enum"
        if call is not None and name == "with_variant":
            return self.type_text(call.func.value if isinstance(call.func, ast.Attribute) else None)
        sql = _TYPE_NAMES.get(name, name.lower() if name else self.source.segment(node).lower())
        if self.dialect == "mysql":
            sql = _MYSQL_TYPE_NAMES.get(name, sql)
        if call is not None:
            if literal(argument(call, None, "timezone"), self.scope.env) is True and sql in (
                "timestamp",
                "time",
            ):
                sql += " with time zone"
            sizes = [literal(a, self.scope.env) for a in call.args]
            if not sizes:
                sizes = [
                    v
                    for k in _LENGTH_ARGS
                    if (v := literal(argument(call, None, k), self.scope.env)) is not None
                ]
            sizes = [s for s in sizes if isinstance(s, int) and not isinstance(s, bool)]
            if sizes and sql in ("varchar", "char", "numeric", "float", "bit", "time", "timestamp"):
                sql += "(" + ",".join(str(s) for s in sizes) + ")"
        return _norm_type(sql, self.dialect)

    def server_default(self, node: ast.expr | None) -> tuple[str | None, bool]:
        """A ``server_default=`` value as SQL text, and whether it is volatile."""
        if node is None:
            return None, False
        value = literal(node, self.scope.env, _UNKNOWN)
        if value is None:
            return None, False
        if isinstance(value, str):
            return "'" + value.replace("'", "''") + "'", False
        if isinstance(value, bool | int | float):
            return str(value).lower() if isinstance(value, bool) else f"'{value}'", False
        name = call_name(node) or ""
        if isinstance(node, ast.Call) and last_name(name) in _TEXT_CONSTRUCTORS:
            text = self.str_of(argument(node, 0, "text"))
            if text is None:
                return self.source.segment(node), True
            return _sql_default(text, self.dialect)
        if isinstance(node, ast.Call) and last_name(name) in ("true", "false", "null"):
            return last_name(name).upper(), False
        if isinstance(node, ast.Call) and ".func." in f".{name}":
            text, volatile = _sql_default(f"{last_name(name)}()", self.dialect)
            return text, volatile or last_name(name).lower() in VOLATILE_FUNCTIONS
        if isinstance(node, ast.Call) and last_name(name) in ("FetchedValue", "Identity"):
            return None, False
        return self.source.segment(node), False

    # -- execute

    def execute(self, call: ast.Call, arg: ast.expr | None) -> None:
        node = arg
        while (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr in _TEXT_MODIFIERS
        ):
            node = node.func.value
        if isinstance(node, ast.Call) and last_name(call_name(node)) in _TEXT_CONSTRUCTORS:
            node = argument(node, 0, "text")
        if node is None:
            self._add(Opaque(reason="execute() without a statement"), call)
            return
        resolved = node
        while isinstance(resolved, ast.Name) and resolved.id in self.scope.env:
            nxt = self.scope.env[resolved.id]
            if nxt is resolved:
                break
            resolved = nxt
        sql = self.str_of(node)
        if sql is not None:
            self._sql(sql, call, resolved)
            return
        change = self._core_statement(node)
        if change is not None:
            self._add(change, call)
            return
        self._add(Opaque(reason=f"SQL built at run time ({_first_line(self.source.segment(node))})"), call)

    def _sql(self, sql: str, call: ast.Call, resolved: ast.expr) -> None:
        """Hand literal SQL to the SQL front end, locating its statements in this file."""
        lit = resolved if isinstance(resolved, ast.Constant) and isinstance(resolved.value, str) else None
        if lit is not None:
            line, column = self.source.string_start(lit)
        else:
            line, column = call.lineno, self.source.column(call.lineno, call.col_offset)
        ops = parse_sql(
            sql, self.source.path, dialect=self.dialect, line=line, column=column, settings=self.settings
        )
        if lit is None or (lit.lineno == lit.end_lineno and "\n" in sql):
            # Built or escaped text does not map onto the source character by character:
            # place every statement at the string (or call) itself.
            node: ast.expr = lit if lit is not None else call
            where = self.source.location(node)
            ops = [op.at(where) for op in ops]
        if not ops:
            self._add(Harmless(statement="empty SQL"), lit if lit is not None else call)
        self.ops.extend(ops)

    def _core_statement(self, node: ast.expr) -> Operation | None:
        """``sa.update(t).where(...)`` / ``t.delete()`` / ``sa.insert(t)…`` as a DataChange."""
        methods: list[str] = []
        current: ast.expr = node
        while isinstance(current, ast.Call):
            func = current.func
            verb = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
            if verb in ("update", "delete", "insert"):
                table = None
                if isinstance(func, ast.Attribute):
                    table = self.table_of(func.value, self.scope.tables)
                if table is None and current.args:
                    table = self.table_of(current.args[0], self.scope.tables)
                return self._data_change(verb, table, methods)
            if not isinstance(func, ast.Attribute):
                return None
            methods.append(func.attr)
            current = func.value
        return None

    @staticmethod
    def _data_change(verb: str, table: str | None, methods: list[str]) -> DataChange:
        kind = {
            "update": DataChangeKind.UPDATE,
            "delete": DataChangeKind.DELETE,
        }.get(verb)
        if kind is None:
            kind = DataChangeKind.INSERT_SELECT if "from_select" in methods else DataChangeKind.INSERT_VALUES
        return DataChange(change=kind, table=table or "", has_where="where" in methods)


@dataclass(frozen=True)
class _Column:
    definition: ColumnDef
    node: ast.Call
    index: bool
    enum: ast.Call | None
    explicit_autoincrement: bool


class _Unknown:
    pass


_UNKNOWN = _Unknown()


class _Args:
    """The arguments of one op.* / batch_op.* call, looked up by Alembic parameter name."""

    def __init__(
        self, call: ast.Call, params: tuple[str, ...], batch_table: str | None, reader: _Reader
    ) -> None:
        self.call = call
        self.reader = reader
        self.batch_table = batch_table
        self.params = tuple(p for p in params if p not in _TABLE_PARAMS) if batch_table else params

    def node(self, name: str) -> ast.expr | None:
        index = self.params.index(name) if name in self.params else None
        return argument(self.call, index, name)

    def value(self, name: str, default: object = None) -> object:
        return literal(self.node(name), self.reader.scope.env, default)

    def flag(self, name: str) -> bool:
        return self.value(name) is True

    def name(self, name: str) -> str | None:
        return self.reader.name_of(self.node(name))

    def table(self, name: str = "table_name") -> str | None:
        if self.batch_table is not None:
            return self.batch_table
        return self.reader.table_arg(self.node(name), self.call)

    def names(self, name: str) -> tuple[str, ...] | None:
        return self.reader.names_of(self.node(name))

    def pg(self, name: str) -> bool:
        """A ``postgresql_*`` flag, which only counts on PostgreSQL."""
        return self.reader.dialect == "postgres" and self.flag(name)

    def opaque(self, what: str) -> list[Operation]:
        return [Opaque(reason=what)]


# --- op.* handlers ------------------------------------------------------------------------------

_Handler = Callable[[_Reader, _Args], list[Operation]]


def _add_column(r: _Reader, a: _Args) -> list[Operation]:
    table = a.table()
    col = r.column(a.node("column"))
    if table is None or col is None:
        return a.opaque("add_column() with a table or column that is not a literal")
    ops: list[Operation] = [
        AddColumn(
            table=table,
            column=replace(col.definition, references=None, unique=False),
            if_not_exists=a.flag("if_not_exists"),
        )
    ]
    # Alembic emits the column's ForeignKey / unique=True as ADD CONSTRAINT and index=True as
    # CREATE INDEX after the ADD COLUMN.
    d = col.definition
    where = r.source.location(col.node)
    if d.references:
        ops.append(
            AddConstraint(
                table=table,
                name=None,
                constraint=ConstraintKind.FOREIGN_KEY,
                columns=(d.name,),
                references=d.references,
            ).at(where, r.source.segment(col.node))
        )
    if d.unique and not col.index:
        ops.append(
            AddConstraint(table=table, name=None, constraint=ConstraintKind.UNIQUE, columns=(d.name,)).at(
                where, r.source.segment(col.node)
            )
        )
    if col.index:
        ops.append(
            CreateIndex(name=f"ix_{table}_{d.name}", table=table, columns=(d.name,), unique=d.unique).at(
                where, r.source.segment(col.node)
            )
        )
    return ops


def _drop_column(r: _Reader, a: _Args) -> list[Operation]:
    table, column = a.table(), a.name("column_name")
    if table is None or column is None:
        return a.opaque("drop_column() with a table or column that is not a literal")
    return [DropColumn(table=table, column=column)]


def _alter_column(r: _Reader, a: _Args) -> list[Operation]:
    table, column = a.table(), a.name("column_name")
    if table is None or column is None:
        return a.opaque("alter_column() with a table or column that is not a literal")
    ops: list[Operation] = []
    call = a.call
    if has_keyword(call, "type_"):
        old = argument(call, None, "existing_type")
        using = r.str_of(argument(call, None, "postgresql_using"))
        ops.append(
            AlterColumnType(
                table=table,
                column=column,
                new_type=r.type_text(argument(call, None, "type_")),
                using=using,
                old_type=r.type_text(old) if old is not None else None,
            )
        )
    nullable = a.value("nullable", _UNKNOWN)
    if nullable is False:
        ops.append(SetNotNull(table=table, column=column))
    elif nullable is True:
        ops.append(DropNotNull(table=table, column=column))
    elif has_keyword(call, "nullable") and isinstance(nullable, _Unknown):
        ops.append(Opaque(reason="alter_column(nullable=…) with a value that is not a literal"))
    if has_keyword(call, "server_default"):
        node = argument(call, None, "server_default")
        if not (isinstance(node, ast.Constant) and node.value is False):
            default, volatile = r.server_default(node)
            old, _ = r.server_default(argument(call, None, "existing_server_default"))
            ops.append(
                SetDefault(table=table, column=column, default=default, volatile=volatile, old_default=old)
            )
    new_name = a.reader.name_of(argument(call, None, "new_column_name"))
    if new_name is not None:
        ops.append(RenameColumn(table=table, column=column, new_name=new_name))
    if not ops:
        what = "comment" if has_keyword(call, "comment") else "alter_column() with no change"
        ops.append(Harmless(statement=what))
    return ops


def _create_index(r: _Reader, a: _Args) -> list[Operation]:
    table, columns = a.table(), a.names("columns")
    if table is None or columns is None:
        return a.opaque("create_index() with a table or columns that are not literals")
    where = argument(a.call, None, "postgresql_where") or argument(a.call, None, "sqlite_where")
    return [
        CreateIndex(
            name=a.name("index_name"),
            table=table,
            columns=columns,
            unique=a.flag("unique"),
            concurrently=a.pg("postgresql_concurrently"),
            if_not_exists=a.flag("if_not_exists"),
            where=(r.text_of(where) or r.source.segment(where)) if where is not None else None,
        )
    ]


def _drop_index(r: _Reader, a: _Args) -> list[Operation]:
    name = a.name("index_name")
    if name is None:
        return a.opaque("drop_index() of an index whose name is not a literal")
    return [
        DropIndex(
            name=name,
            table=a.table() or "",
            concurrently=a.pg("postgresql_concurrently"),
            if_exists=a.flag("if_exists"),
        )
    ]


def _create_foreign_key(r: _Reader, a: _Args) -> list[Operation]:
    table = a.table("source_table")
    referent = a.name("referent_table")
    schema = r.str_of(argument(a.call, None, "referent_schema"))
    if table is None or referent is None:
        return a.opaque("create_foreign_key() with tables that are not literals")
    return [
        AddConstraint(
            table=table,
            name=a.name("constraint_name"),
            constraint=ConstraintKind.FOREIGN_KEY,
            columns=a.names("local_cols") or (),
            not_valid=a.pg("postgresql_not_valid"),
            references=norm_name(f"{schema}.{referent}" if schema else referent, quoted=True),
        )
    ]


def _create_check_constraint(r: _Reader, a: _Args) -> list[Operation]:
    table = a.table()
    if table is None:
        return a.opaque("create_check_constraint() on a table that is not a literal")
    condition = a.node("condition")
    text = r.text_of(condition)
    if text is None and condition is not None:
        text = r.source.segment(condition)
    return [
        AddConstraint(
            table=table,
            name=a.name("constraint_name"),
            constraint=ConstraintKind.CHECK,
            not_valid=a.pg("postgresql_not_valid"),
            expression=text or "",
        )
    ]


def _keyed_constraint(kind: ConstraintKind) -> _Handler:
    def handler(r: _Reader, a: _Args) -> list[Operation]:
        table = a.table()
        if table is None:
            return a.opaque(f"adding a {kind} constraint to a table that is not a literal")
        return [
            AddConstraint(
                table=table,
                name=a.name("constraint_name"),
                constraint=kind,
                columns=a.names("columns") or (),
            )
        ]

    return handler


def _create_exclude_constraint(r: _Reader, a: _Args) -> list[Operation]:
    table = a.table()
    if table is None:
        return a.opaque("create_exclude_constraint() on a table that is not a literal")
    return [AddConstraint(table=table, name=a.name("constraint_name"), constraint=ConstraintKind.EXCLUSION)]


def _drop_constraint(r: _Reader, a: _Args) -> list[Operation]:
    table, name = a.table(), a.name("constraint_name")
    node = a.node("constraint_name")
    if isinstance(node, ast.Constant) and node.value is None:
        # Autogenerate writes None for constraints it cannot name; Alembic then raises at run
        # time unless a naming convention supplies the name.
        return a.opaque(
            "drop_constraint(None, …) names no constraint (fails unless a naming convention names it)"
        )
    if table is None or name is None:
        return a.opaque("drop_constraint() with a table or name that is not a literal")
    return [DropConstraint(table=table, name=name, if_exists=a.flag("if_exists"))]


def _create_table(r: _Reader, a: _Args) -> list[Operation]:
    table = a.table()
    if table is None:
        return a.opaque("create_table() of a table whose name is not a literal")
    columns: list[_Column] = []
    primary: set[str] = set()
    unique: set[str] = set()
    refs: dict[str, str] = {}
    indexes: list[Operation] = []
    unknown: list[str] = []
    for item in a.call.args[1:]:
        if isinstance(item, ast.Starred):
            unknown.append(r.source.segment(item))
            continue
        col = r.column(item)
        if col is not None:
            columns.append(col)
            continue
        kind = last_name(call_name(item))
        if not isinstance(item, ast.Call):
            unknown.append(r.source.segment(item))
        elif kind == "PrimaryKeyConstraint":
            primary.update(_ident(s) for s in (r.str_of(x) for x in item.args) if s)
        elif kind == "UniqueConstraint":
            cols = [s for s in (r.str_of(x) for x in item.args) if s]
            if len(cols) == 1:
                unique.add(_ident(cols[0]))
        elif kind == "ForeignKeyConstraint":
            local = r.names_of(argument(item, 0, "columns")) or ()
            remote = r.names_of(argument(item, 1, "refcolumns")) or ()
            if len(local) == 1 and remote:
                refs[local[0]] = _ref_table(remote[0])
        elif kind == "Index":
            index_name = r.name_of(argument(item, 0, "name"))
            index_cols = tuple(
                _ident(s) if (s := r.str_of(x)) else (r.text_of(x) or r.source.segment(x))
                for x in item.args[1:]
            )
            indexes.append(
                CreateIndex(
                    name=index_name,
                    table=table,
                    columns=index_cols,
                    unique=literal(argument(item, None, "unique"), r.scope.env) is True,
                    concurrently=r.dialect == "postgres"
                    and literal(argument(item, None, "postgresql_concurrently"), r.scope.env) is True,
                ).at(r.source.location(item), r.source.segment(item))
            )
        elif kind == "CheckConstraint":
            continue
        else:
            unknown.append(r.source.segment(item))
    if not columns and unknown:
        return a.opaque("create_table() with columns that are not literal sa.Column(...) calls")
    defs = [
        replace(
            c.definition,
            primary_key=c.definition.primary_key or c.definition.name in primary,
            nullable=c.definition.nullable and c.definition.name not in primary,
            unique=c.definition.unique or c.definition.name in unique,
            references=c.definition.references or refs.get(c.definition.name),
        )
        for c in columns
    ]
    defs = _serials(defs, columns, r.dialect)
    ops: list[Operation] = []
    if r.dialect == "postgres":
        for c in columns:
            if (
                c.enum is not None
                and literal(argument(c.enum, None, "create_type"), r.scope.env) is not False
            ):
                name = r.str_of(argument(c.enum, None, "name"))
                if name:
                    ops.append(
                        EnumChange(type_name=_ident(name), action="create").at(
                            r.source.location(c.enum), r.source.segment(c.enum)
                        )
                    )
    ops.append(CreateTable(table=table, columns=tuple(defs), if_not_exists=a.flag("if_not_exists")))
    for c, d in zip(columns, defs, strict=True):
        if c.index:
            ops.append(
                CreateIndex(
                    name=f"ix_{table}_{d.name}", table=table, columns=(d.name,), unique=c.definition.unique
                ).at(r.source.location(c.node), r.source.segment(c.node))
            )
    ops.extend(indexes)
    if unknown and columns:
        ops.append(Opaque(reason=f"create_table() items not modelled: {', '.join(unknown)[:120]}"))
    return ops


def _serials(defs: list[ColumnDef], columns: list[_Column], dialect: str) -> list[ColumnDef]:
    """SQLAlchemy makes a single integer primary key SERIAL; a composite key only when asked."""
    keys = [i for i, d in enumerate(defs) if d.primary_key]
    out: list[ColumnDef] = []
    for i, d in enumerate(defs):
        serial = (
            dialect == "postgres"
            and d.primary_key
            and not d.identity
            and d.default is None
            and d.references is None
            and d.type.split("(")[0] in _INTEGER_TYPES
            and (len(keys) == 1 or columns[i].explicit_autoincrement)
        )
        out.append(replace(d, serial=serial))
    return out


def _drop_table(r: _Reader, a: _Args) -> list[Operation]:
    table = a.table()
    if table is None:
        return a.opaque("drop_table() of a table whose name is not a literal")
    return [DropTable(table=table, if_exists=a.flag("if_exists"))]


def _rename_table(r: _Reader, a: _Args) -> list[Operation]:
    old = r.table_arg(a.node("old_table_name"), a.call)
    new = a.name("new_table_name")
    if old is None or new is None:
        return a.opaque("rename_table() with names that are not literals")
    return [RenameTable(table=old, new_name=new)]


def _bulk_insert(r: _Reader, a: _Args) -> list[Operation]:
    node = a.node("table")
    table = r.table_of(node, r.scope.tables) if node is not None else None
    if table is None:
        return a.opaque("bulk_insert() into a table that is not a literal sa.table(...)")
    return [DataChange(change=DataChangeKind.INSERT_VALUES, table=table)]


def _execute(r: _Reader, a: _Args) -> list[Operation]:
    r.execute(a.call, a.node("sqltext"))
    return []


def _comment(r: _Reader, a: _Args) -> list[Operation]:
    return [Harmless(statement="comment")]


_HANDLERS: dict[str, _Handler] = {
    "add_column": _add_column,
    "drop_column": _drop_column,
    "alter_column": _alter_column,
    "create_index": _create_index,
    "drop_index": _drop_index,
    "create_foreign_key": _create_foreign_key,
    "create_check_constraint": _create_check_constraint,
    "create_unique_constraint": _keyed_constraint(ConstraintKind.UNIQUE),
    "create_primary_key": _keyed_constraint(ConstraintKind.PRIMARY_KEY),
    "create_exclude_constraint": _create_exclude_constraint,
    "drop_constraint": _drop_constraint,
    "create_table": _create_table,
    "drop_table": _drop_table,
    "rename_table": _rename_table,
    "bulk_insert": _bulk_insert,
    "execute": _execute,
    "create_table_comment": _comment,
    "drop_table_comment": _comment,
}


# --- small helpers ---------------------------------------------------------------------------


def _ident(name: str) -> str:
    """A name as SQLAlchemy quotes it: mixed case stays, lower case is folded."""
    return norm_name(name, quoted=name != name.lower())


def _ref_table(target: str) -> str:
    """The table of a ``ForeignKey("schema.table.column")`` target."""
    table = target.rsplit(".", 1)[0] if "." in target else target
    return _ident(table)


def _first_line(text: str) -> str:
    first = text.strip().splitlines()[0] if text.strip() else ""
    return first if len(first) <= 100 else first[:97] + "..."


def _is_autocommit(call: ast.Call, op_names: set[str], context_names: set[str]) -> bool:
    func = call.func
    if not (isinstance(func, ast.Attribute) and func.attr == "autocommit_block"):
        return False
    owner = func.value
    owner_name = call_name(owner) or dotted_name(owner) or ""
    head = owner_name.split(".")[0]
    return owner_name.endswith("get_context") or head in op_names | context_names


def _is_dialect_name(node: ast.expr) -> bool:
    return (
        isinstance(node, ast.Attribute)
        and node.attr == "name"
        and (isinstance(node.value, ast.Attribute) and node.value.attr == "dialect")
    )


def _norm_type(sql: str, dialect: str) -> str:
    """Spell a type the way the SQL front end does (sqlglot's rendering, lower-cased)."""
    try:
        text = exp.DataType.build(sql, dialect=dialect, udt=True).sql(dialect=dialect)
    except (SqlglotError, ValueError):
        return sql.lower()
    text = text.lower().replace(", ", ",")
    return "numeric" + text[len("decimal") :] if text.startswith("decimal") else text


def _sql_default(text: str, dialect: str) -> tuple[str, bool]:
    try:
        node = sqlglot.parse_one(text, dialect=dialect)
    except (SqlglotError, ValueError):
        return text, False
    return node.sql(dialect=dialect), is_volatile(node)
