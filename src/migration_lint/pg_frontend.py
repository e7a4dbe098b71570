"""Turns pglast parse trees (as JSON) into the operations the rules inspect."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from pglast import parser as pg_parser

from . import deep_json
from . import operations as ops
from .parse import Node, StatementTree, parse_trees

# pglast spells built-in types by their internal names; users and messages use the SQL names.
_TYPE_NAMES = {
    "int2": "smallint",
    "int4": "integer",
    "int8": "bigint",
    "int": "integer",
    "float4": "real",
    "float8": "double precision",
    "bool": "boolean",
    "bpchar": "character",  # not "char": quoted, that is another type
    "decimal": "numeric",
}


def operations_of(statement: StatementTree) -> list[ops.Operation]:
    convert = _CONVERTERS.get(statement.kind)
    if convert is None:
        return []
    found = list(convert(statement.node, statement))
    for operation in found:
        if operation.end < 0:  # not already set by a statement inside a DO block
            operation.end = statement.end
    if len(found) == 1 and not found[0].sql:
        found[0].sql = statement.text
    return found


def _do_block(node: Node, stmt: StatementTree) -> Iterator[ops.Operation]:
    """The statements inside a PL/pgSQL DO block.

    Older drizzle-kit versions wrap every foreign key and enum in
    `DO $$ BEGIN ... EXCEPTION WHEN duplicate_object THEN null; END $$;`, so what they do must
    be seen through the block.
    """
    options = {
        item["DefElem"]["defname"]: item["DefElem"].get("arg", {}).get("String", {}).get("sval")
        for item in node.get("args", ())
    }
    body = options.get("as")
    if not body or options.get("language", "plpgsql") != "plpgsql":
        return
    wrapped = (
        f"CREATE FUNCTION do_block() RETURNS void LANGUAGE plpgsql AS $do_block${body}$do_block$"
    )
    try:
        function = deep_json.loads(pg_parser.parse_plpgsql_json(wrapped))
    except pg_parser.ParseError:
        return  # PostgreSQL would report it when the block runs; nothing to inspect
    search_from = stmt.start - stmt.piece_start
    for query in _sql_queries(function):
        found = stmt.piece.find(query, search_from)
        start = stmt.piece_start + found if found != -1 else stmt.start
        search_from = found + len(query) if found != -1 else search_from
        try:
            inner = parse_trees(query, start)
        except pg_parser.ParseError:
            continue
        for statement in inner:
            yield from operations_of(statement)


def _sql_queries(function: Any) -> Iterator[str]:
    """The plain SQL statements of a PL/pgSQL parse tree, in order."""
    for key, value in _entries(function):
        if key == "PLpgSQL_stmt_execsql":
            yield value["sqlstmt"]["PLpgSQL_expr"]["query"]


def _entries(tree: Any) -> Iterator[tuple[str | None, Any]]:
    """Every (key, value) of a JSON tree in document order (key None for a list's items).

    With a stack, not recursion: PostgreSQL accepts statements nested thousands of levels deep.
    """
    stack: list[Iterator[tuple[str | None, Any]]] = [iter([(None, tree)])]
    while stack:
        for key, value in stack[-1]:
            yield key, value
            if isinstance(value, dict):
                stack.append(iter(value.items()))
                break
            if isinstance(value, list):
                stack.append((None, item) for item in value)
                break
        else:
            stack.pop()


def _name(range_var: Node) -> ops.Name:
    return ops.Name(range_var["relname"], range_var.get("schemaname"))


def _name_from_list(items: list[Node]) -> ops.Name:
    parts = [item["String"]["sval"] for item in items]
    return ops.Name(parts[-1], parts[-2] if len(parts) > 1 else None)


def _strings(items: list[Node] | None) -> tuple[str, ...]:
    return tuple(item["String"]["sval"] for item in items or () if "String" in item)


def column_type(type_name: Node) -> ops.ColumnType:
    names = list(_strings(type_name.get("names")))
    if names[0] == "pg_catalog" and len(names) == 2:
        # The grammar's own types (integer, double precision, ...) and pg_catalog.x.
        name, schema = _TYPE_NAMES.get(names[1], names[1]), None
    elif len(names) == 1:
        name, schema = _TYPE_NAMES.get(names[0], names[0]), None
    else:  # schema.type, or database.schema.type, which PostgreSQL accepts for this database
        name, schema = names[-1], names[-2]
    modifiers: list[int | str] = []
    for mod in type_name.get("typmods", ()):
        const = mod.get("A_Const", {})
        if "ival" in const:
            modifiers.append(const["ival"].get("ival", 0))
        elif "sval" in const:
            modifiers.append(ops.literal(const["sval"]["sval"]))
        elif "ColumnRef" in mod:  # a word, as PostGIS takes: geometry(Point, 4326)
            modifiers.append(".".join(_strings(mod["ColumnRef"]["fields"])))
    return ops.ColumnType(name, tuple(modifiers), len(type_name.get("arrayBounds", ())), schema)


def _function_names(expression: Any) -> Iterator[str]:
    for key, value in _entries(expression):
        if key == "FuncCall":
            yield value["funcname"][-1]["String"]["sval"]


def column(definition: Node) -> ops.Column:
    type_ = column_type(definition["typeName"]) if "typeName" in definition else None
    not_null = generated = False
    has_default = type_ is not None and type_.name in ops.SERIAL_TYPES
    default_functions: frozenset[str] = frozenset()
    for item in definition.get("constraints", ()):
        constraint = item["Constraint"]
        contype = constraint["contype"]
        if contype == "CONSTR_NOTNULL":
            not_null = True
        elif contype == "CONSTR_NULL":
            not_null = False
        elif contype == "CONSTR_PRIMARY":
            not_null = True
        elif contype == "CONSTR_DEFAULT":
            has_default = True
            default_functions = frozenset(_function_names(constraint.get("raw_expr")))
        elif contype in ("CONSTR_IDENTITY", "CONSTR_GENERATED"):
            generated = True
    return ops.Column(
        definition["colname"],
        type_,
        not_null,
        has_default,
        default_functions,
        generated,
    )


_CONSTRAINT_KINDS = {
    "CONSTR_FOREIGN": "foreign_key",
    "CONSTR_CHECK": "check",
    "CONSTR_UNIQUE": "unique",
    "CONSTR_PRIMARY": "primary_key",
    "CONSTR_EXCLUSION": "exclusion",
    "CONSTR_NOTNULL": "not_null",
}


def constraint(node: Node) -> ops.Constraint | None:
    kind = _CONSTRAINT_KINDS.get(node["contype"])
    if kind is None:
        return None
    not_null_column = None
    null_test = node.get("raw_expr", {}).get("NullTest")
    if kind == "check" and null_test and null_test["nulltesttype"] == "IS_NOT_NULL":
        fields = _strings(null_test["arg"].get("ColumnRef", {}).get("fields"))
        not_null_column = fields[-1] if fields else None
    return ops.Constraint(
        kind,
        node.get("conname"),
        _strings(node.get("fk_attrs") or node.get("keys")),
        bool(node.get("skip_validation")),
        node.get("indexname"),
        _name(node["pktable"]) if "pktable" in node else None,
        not_null_column,
    )


def _create_table(node: Node, stmt: StatementTree) -> Iterator[ops.Operation]:
    columns, constraints = [], []
    table = _name(node["relation"])
    for element in node.get("tableElts", ()):
        if "ColumnDef" in element:
            definition = element["ColumnDef"]
            columns.append(column(definition))
            if any(
                c["Constraint"]["contype"] == "CONSTR_PRIMARY"
                for c in definition.get("constraints", ())
            ):
                # PostgreSQL names an inline primary key <table>_pkey (within 63 bytes).
                name = f"{table.name[:58]}_pkey"
                constraints.append(ops.Constraint("primary_key", name, (definition["colname"],)))
        elif "Constraint" in element:
            found = constraint(element["Constraint"])
            if found:
                constraints.append(found)
    yield ops.CreateTable(stmt.start, table, tuple(columns), tuple(constraints))


def _alter_table(node: Node, stmt: StatementTree) -> Iterator[ops.Operation]:
    if node.get("objtype", "OBJECT_TABLE") != "OBJECT_TABLE":
        return
    table = _name(node["relation"])
    for item in node.get("cmds", ()):
        cmd = item["AlterTableCmd"]
        subtype, name, definition = cmd["subtype"], cmd.get("name", ""), cmd.get("def", {})
        at = stmt.start
        if subtype == "AT_AddColumn":
            col = definition["ColumnDef"]
            yield ops.AddColumn(stmt.offset(col.get("location", -1)), table, column(col))
        elif subtype == "AT_DropColumn":
            yield ops.DropColumn(at, table, name)
        elif subtype == "AT_AlterColumnType":
            col = definition["ColumnDef"]
            collation = _strings(col.get("collClause", {}).get("collname"))
            yield ops.AlterColumnType(
                at,
                table,
                name,
                column_type(col["typeName"]),
                _converts(col, name),
                ".".join(collation) or None,
            )
        elif subtype == "AT_SetNotNull":
            yield ops.SetNotNull(at, table, name)
        elif subtype == "AT_DropNotNull":
            yield ops.DropNotNull(at, table, name)
        elif subtype == "AT_AddConstraint":
            found = constraint(definition["Constraint"])
            if found:
                yield ops.AddConstraint(at, table, found)
        elif subtype == "AT_ValidateConstraint":
            yield ops.ValidateConstraint(at, table, name)
        elif subtype == "AT_DropConstraint":
            yield ops.DropConstraint(at, table, name)
        elif subtype == "AT_DetachPartition":
            partition = definition["PartitionCmd"]
            yield ops.DetachPartition(
                at, table, _name(partition["name"]), bool(partition.get("concurrent"))
            )


def _converts(definition: Node, column_name: str) -> bool:
    """Whether ALTER COLUMN ... TYPE has a USING that does more than cast the column itself.

    drizzle-kit writes `USING "col"::type`, which PostgreSQL treats like no USING at all.
    """
    using = definition.get("raw_default")
    if using is None:
        return False
    cast = using.get("TypeCast", {})
    fields = _strings(cast.get("arg", {}).get("ColumnRef", {}).get("fields"))
    return fields[-1:] != (column_name,)


def _rename(node: Node, stmt: StatementTree) -> Iterator[ops.Operation]:
    kind = node["renameType"]
    if kind == "OBJECT_TABLE":
        yield ops.RenameTable(stmt.start, _name(node["relation"]), node["newname"])
    elif kind == "OBJECT_COLUMN" and node.get("relationType") == "OBJECT_TABLE":
        yield ops.RenameColumn(
            stmt.start, _name(node["relation"]), node["subname"], node["newname"]
        )


def _drop(node: Node, stmt: StatementTree) -> Iterator[ops.Operation]:
    kind = node["removeType"]
    cascade = node.get("behavior") == "DROP_CASCADE"
    for obj in node.get("objects", ()):
        if kind == "OBJECT_SCHEMA":
            yield ops.DropSchema(stmt.start, obj["String"]["sval"], cascade)
        elif kind == "OBJECT_TABLE":
            yield ops.DropTable(stmt.start, _name_from_list(obj["List"]["items"]), cascade)
        elif kind == "OBJECT_INDEX":
            yield ops.DropIndex(
                stmt.start, _name_from_list(obj["List"]["items"]), bool(node.get("concurrent"))
            )


def _create_index(node: Node, stmt: StatementTree) -> Iterator[ops.Operation]:
    columns = tuple(
        p["IndexElem"]["name"] for p in node.get("indexParams", ()) if "name" in p["IndexElem"]
    )
    yield ops.CreateIndex(
        stmt.start,
        _name(node["relation"]),
        node.get("idxname"),
        columns,
        bool(node.get("unique")),
        bool(node.get("concurrent")),
    )


def _options(node: Node, key: str) -> set[str]:
    return {p["DefElem"]["defname"] for p in node.get(key, ()) if "DefElem" in p}


def _reindex(node: Node, stmt: StatementTree) -> Iterator[ops.Operation]:
    target = node["kind"].removeprefix("REINDEX_OBJECT_").lower()
    if "relation" in node:
        name = _name(node["relation"]).sql
    else:  # a schema or database, or none (REINDEX SYSTEM)
        name = ops.quote(node["name"]) if node.get("name") else ""
    yield ops.Reindex(stmt.start, target, name, "concurrently" in _options(node, "params"))


def _vacuum(node: Node, stmt: StatementTree) -> Iterator[ops.Operation]:
    if not node.get("is_vacuumcmd") or "full" not in _options(node, "options"):
        return
    relations = [r["VacuumRelation"]["relation"] for r in node.get("rels", ())]
    if not relations:
        yield ops.VacuumFull(stmt.start, None)
    for relation in relations:
        yield ops.VacuumFull(stmt.start, _name(relation))


def _transaction(node: Node, stmt: StatementTree) -> Iterator[ops.Operation]:
    action = {
        "TRANS_STMT_BEGIN": "begin",
        "TRANS_STMT_START": "begin",
        "TRANS_STMT_COMMIT": "commit",
        "TRANS_STMT_ROLLBACK": "rollback",
    }.get(node["kind"])
    if action:
        yield ops.Transaction(stmt.start, action)


def _set(node: Node, stmt: StatementTree) -> Iterator[ops.Operation]:
    if node.get("kind") not in ("VAR_SET_VALUE", "VAR_SET_DEFAULT") or "name" not in node:
        return
    values = []
    for arg in node.get("args", ()):
        const = arg.get("A_Const", {})
        value = const.get("sval", {}).get("sval", const.get("ival", {}).get("ival"))
        values.append(str(value))
    yield ops.SetSetting(stmt.start, node["name"], ", ".join(values) or None)


def _enum_values(node: Node, stmt: StatementTree) -> Iterator[ops.Operation]:
    if "newVal" in node and "oldVal" not in node:
        yield ops.AddEnumValue(stmt.start, _name_from_list(node["typeName"]), node["newVal"])


_CONVERTERS: dict[str, Callable[[Node, StatementTree], Iterator[ops.Operation]]] = {
    "CreateStmt": _create_table,
    "AlterTableStmt": _alter_table,
    "RenameStmt": _rename,
    "DropStmt": _drop,
    "DropdbStmt": lambda node, stmt: iter([ops.DropDatabase(stmt.start, node["dbname"])]),
    "TruncateStmt": lambda node, stmt: (
        ops.Truncate(stmt.start, _name(r["RangeVar"])) for r in node["relations"]
    ),
    "DeleteStmt": lambda node, stmt: iter(
        [ops.Delete(stmt.start, _name(node["relation"]), "whereClause" in node)]
    ),
    "UpdateStmt": lambda node, stmt: iter(
        [ops.Update(stmt.start, _name(node["relation"]), "whereClause" in node)]
    ),
    "IndexStmt": _create_index,
    "ReindexStmt": _reindex,
    "VacuumStmt": _vacuum,
    "ClusterStmt": lambda node, stmt: iter(
        [ops.Cluster(stmt.start, _name(node["relation"]) if "relation" in node else None)]
    ),
    "RefreshMatViewStmt": lambda node, stmt: iter(
        [
            ops.RefreshMaterializedView(
                stmt.start, _name(node["relation"]), bool(node.get("concurrent"))
            )
        ]
    ),
    "AlterEnumStmt": _enum_values,
    "TransactionStmt": _transaction,
    "DoStmt": _do_block,
    "VariableSetStmt": _set,
}
