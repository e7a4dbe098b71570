"""Turns pglast parse trees (as JSON) into the operations the rules inspect."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from typing import Any

from pglast import parser as pg_parser

from . import clauses, deep_json
from . import operations as ops
from .locks import LOCK_MODES
from .parse import Node, StatementTree, parse_trees
from .shared import share

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
        if operation.end < 0:  # not set already: a clause, or a statement inside a DO block
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
    queries = _guarded_statement(body)
    if queries is None:
        wrapped = (
            "CREATE FUNCTION do_block() RETURNS void LANGUAGE plpgsql "
            f"AS $do_block${body}$do_block$"
        )
        try:
            function = deep_json.loads(pg_parser.parse_plpgsql_json(wrapped))
        except pg_parser.ParseError:
            return  # PostgreSQL would report it when the block runs; nothing to inspect
        queries = list(_sql_queries(function))
    search_from = stmt.start - stmt.piece_start
    for query, executed in queries:
        found = stmt.piece.find(query, search_from)
        start = stmt.piece_start + found if found != -1 else stmt.start
        search_from = found + len(query) if found != -1 else search_from
        if executed:
            yield from _executed(query, start, start + len(query) if found != -1 else stmt.end)
            continue
        try:
            inner = parse_trees(query, start)
        except pg_parser.ParseError:
            continue
        for statement in inner:
            for operation in operations_of(statement):
                if isinstance(operation, ops.Update):
                    operation.set_clause = ""  # it may use the block's variables
                yield operation


# PostgreSQL's white space (Python's \s takes more).
_SPACE = "[ \t\n\r\f]"
# The block drizzle-kit writes around each foreign key and enum: one ALTER or CREATE statement
# with no `;`, `$` or comment in it (so that the `;` after it ends it) and no INTO (which
# PL/pgSQL would take as its own).
_GUARDED_STATEMENT = re.compile(
    rf"{_SPACE}*BEGIN{_SPACE}+((?:ALTER|CREATE){_SPACE}[^;$]*);{_SPACE}*EXCEPTION{_SPACE}+WHEN"
    rf"{_SPACE}+duplicate_object{_SPACE}+THEN{_SPACE}+null{_SPACE}*;{_SPACE}*END{_SPACE}*",
    re.IGNORECASE | re.ASCII,
)
_NOT_GUARDED = re.compile(r"--|/\*|\binto\b", re.IGNORECASE | re.ASCII)


def _guarded_statement(body: str) -> list[tuple[str, bool]] | None:
    """The statement of a block drizzle-kit writes, as _sql_queries gives it, without parsing
    the PL/pgSQL: an older drizzle-kit history holds hundreds of them (parsing them twice cost
    a twentieth of parsing such a history). None for any other block."""
    match = _GUARDED_STATEMENT.fullmatch(body)
    if match is None or _NOT_GUARDED.search(match[1]):
        return None
    return [(match[1], False)]


def _sql_queries(function: Any) -> Iterator[tuple[str, bool]]:
    """The SQL statements of a PL/pgSQL parse tree, in order, each with whether EXECUTE runs
    it (then it is the expression that computes the SQL)."""
    for key, value in _entries(function):
        if key == "PLpgSQL_stmt_execsql":
            yield value["sqlstmt"]["PLpgSQL_expr"]["query"], False
        elif key == "PLpgSQL_stmt_dynexecute":
            yield value["query"]["PLpgSQL_expr"]["query"], True


def _executed(expression: str, start: int, end: int) -> Iterator[ops.Operation]:
    """What `EXECUTE expression` runs: the statements of a string constant, read as if they
    were written in the block; for any other expression, SQL the linter cannot see."""
    tree = _expression_tree(expression)
    sql = _string_value(tree) if tree is not None else None
    if sql is None:
        command = _leading_command(tree) if tree is not None else None
        yield ops.DynamicSql(start, expression, command, end=end)
        return
    # Without escapes the string's text is in the file as is, and so are its statements.
    offset = expression.find(sql)
    try:
        inner = parse_trees(sql, start + max(offset, 0))
    except pg_parser.ParseError:
        return  # PostgreSQL would report it when the block runs
    for statement in inner:
        for operation in operations_of(statement):
            if offset == -1:
                operation.location, operation.end = start, end
            yield operation


def _expression_tree(expression: str) -> Node | None:
    """The parse tree of one SQL expression; None when it is not one."""
    try:
        parsed = deep_json.loads(pg_parser.parse_sql_json(f"SELECT {expression}"))
    except pg_parser.ParseError:
        return None
    statements = parsed.get("stmts", ())
    select = statements[0]["stmt"].get("SelectStmt", {}) if len(statements) == 1 else {}
    targets = select.get("targetList", ())
    if len(targets) != 1 or set(select) - {"targetList", "limitOption", "op"}:
        return None
    tree: Node | None = targets[0]["ResTarget"].get("val")
    return tree


def _string_value(tree: Node) -> str | None:
    """The value of an expression that is one string constant ('...', $$...$$, E'...')."""
    value = tree.get("A_Const", {}).get("sval")
    return value.get("sval", "") if value is not None else None


# Functions whose result starts with their first argument.
_STARTS_WITH_FIRST_ARGUMENT = frozenset({"format", "concat"})


def _leading_command(tree: Node) -> str | None:
    """The first word (upper case) of the SQL that an expression builds, when a string constant
    starts it (`format('SELECT ...', x)`, `'UPDATE ' || t || ...`) and holds one statement; None
    when it cannot be told (it starts with a variable, or the constant goes on past a `;`)."""
    while (text := _string_value(tree)) is None:
        operator = tree.get("A_Expr", {})
        call = tree.get("FuncCall", {})
        if _strings(operator.get("name")) == ("||",) and "lexpr" in operator:
            tree = operator["lexpr"]
        elif _strings(call.get("funcname"))[-1:] and call.get("args"):
            if _strings(call["funcname"])[-1] not in _STARTS_WITH_FIRST_ARGUMENT:
                return None
            tree = call["args"][0]
        elif "TypeCast" in tree:
            tree = tree["TypeCast"]["arg"]
        else:
            return None
    try:
        tokens = [
            token
            for token in pg_parser.scan(text)
            if token.name not in ("SQL_COMMENT", "C_COMMENT", "ASCII_40")  # comments, (
        ]
    except pg_parser.ParseError:  # a piece of a statement, cut inside a quoted string
        return None
    while tokens and tokens[-1].name == "ASCII_59":  # ;
        tokens.pop()
    if not tokens or any(token.name == "ASCII_59" for token in tokens):
        return None
    return text[tokens[0].start : tokens[0].end + 1].upper()


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
    return _named(range_var["relname"], range_var.get("schemaname"))


def _name_from_list(items: list[Node]) -> ops.Name:
    parts = [item["String"]["sval"] for item in items]
    return _named(parts[-1], parts[-2] if len(parts) > 1 else None)


def _named(name: str, schema: str | None) -> ops.Name:
    found: ops.Name = share((ops.Name, name, schema), lambda: ops.Name(name, schema))
    return found


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
    key = (ops.ColumnType, name, tuple(modifiers), len(type_name.get("arrayBounds", ())), schema)
    found: ops.ColumnType = share(key, lambda: ops.ColumnType(*key[1:]))
    return found


def _calls_and_start(expression: Any) -> tuple[list[str], int | None]:
    """The functions an expression calls, and its first location (as expression_text reads
    it): in one walk of its tree."""
    calls, first = [], None
    for key, value in _entries(expression):
        if key == "FuncCall":
            calls.append(value["funcname"][-1]["String"]["sval"])
        elif key == "location" and isinstance(value, int) and value >= 0:
            first = value if first is None else min(first, value)
    return calls, first


def column(
    definition: Node, stmt: StatementTree | None = None, *, added: bool = False
) -> ops.Column:
    """A column definition; with its statement, also its default expression's text, and in
    ADD COLUMN (`added`) its constraints as written."""
    type_ = column_type(definition["typeName"]) if "typeName" in definition else None
    not_null = generated = False
    serial = type_ is not None and type_.name in ops.SERIAL_TYPES
    has_default = serial
    default_functions: frozenset[str] = frozenset()
    default = None
    generated_sql = ""
    inline: list[tuple[Node, ops.Constraint]] = []
    for item in definition.get("constraints", ()):
        constraint = item["Constraint"]
        contype = constraint["contype"]
        if contype in _INLINE_CONSTRAINTS:
            found = _constraint(constraint, (definition["colname"],), stmt)
            inline.append((constraint, found))
        if contype == "CONSTR_NOTNULL":
            not_null = True
        elif contype == "CONSTR_NULL":
            not_null = False
        elif contype == "CONSTR_PRIMARY":
            not_null = True
        elif contype == "CONSTR_DEFAULT":
            has_default = True
            calls, first = _calls_and_start(constraint.get("raw_expr"))
            default_functions = share(frozenset(calls), frozenset(calls).copy)
            if stmt is not None and first is not None:
                default = _text_from(stmt, first, _COLUMN_DEFAULT_ENDS)
        elif contype in ("CONSTR_IDENTITY", "CONSTR_GENERATED"):
            generated = True
            if stmt is not None:
                generated_sql = expression_text(stmt, constraint, _GENERATED_ENDS) or ""
    plain_sql = _take_out(definition, inline, stmt) if stmt and added and inline else ""
    return ops.Column(
        definition["colname"],
        type_,
        not_null,
        has_default,
        default_functions,
        generated,
        default,
        tuple(found for _, found in inline),
        plain_sql,
        generated_sql,
        serial,
    )


# --- Inline constraints of a column definition, as written (issue 12) ---

_INLINE_CONSTRAINTS = ("CONSTR_FOREIGN", "CONSTR_CHECK", "CONSTR_UNIQUE", "CONSTR_PRIMARY")


def _take_out(
    definition: Node, inline: list[tuple[Node, ops.Constraint]], stmt: StatementTree
) -> str:
    """The column definition as written without its inline constraints, whose `clause` it
    fills in: each constraint runs to the next one of the column (its DEFERRABLE and INITIALLY
    attributes are its own), or to the column's end."""
    text, base = stmt.piece, stmt.piece_start
    start = stmt.offset(definition.get("location", -1)) - base
    end = _clause_end(text, start, stmt.end - base)
    starts = sorted(
        stmt.offset(node.get("location", -1)) - base
        for node in (item["Constraint"] for item in definition.get("constraints", ()))
        if not node["contype"].startswith("CONSTR_ATTR_")
    )
    kept, at = [], start
    for node, found in inline:
        begin = stmt.offset(node.get("location", -1)) - base
        if not start < begin < end:
            return ""  # a location pglast did not give: nothing safe to cut
        finish = next((s for s in starts if s > begin), end)
        written = text[begin:finish].strip()
        found.clause = _after_name(written) if found.name else written
        kept.append(text[at:begin].strip())
        at = finish
    kept.append(text[at:end].strip())
    return " ".join(part for part in kept if part)


def _clause_end(text: str, start: int, stop: int) -> int:
    """Where the clause starting at `start` ends: at the first comma outside parentheses."""
    depth = 0
    for token in pg_parser.scan(text[start:stop]):
        if token.name == "ASCII_40":  # (
            depth += 1
        elif token.name == "ASCII_41":  # )
            depth -= 1
        elif token.name == "ASCII_44" and depth == 0:  # ,
            return start + token.start
    return stop


def _after_name(written: str) -> str:
    """`CONSTRAINT name REFERENCES ...` without its first two tokens."""
    tokens = pg_parser.scan(written)
    return written[tokens[2].start :] if len(tokens) > 2 else written


_CONSTRAINT_KINDS = {
    "CONSTR_FOREIGN": "foreign_key",
    "CONSTR_CHECK": "check",
    "CONSTR_UNIQUE": "unique",
    "CONSTR_PRIMARY": "primary_key",
    "CONSTR_EXCLUSION": "exclusion",
    "CONSTR_NOTNULL": "not_null",
}


def constraint(node: Node, stmt: StatementTree | None = None) -> ops.Constraint | None:
    return _constraint(node, (), stmt) if node["contype"] in _CONSTRAINT_KINDS else None


def _constraint(
    node: Node, columns: tuple[str, ...] = (), stmt: StatementTree | None = None
) -> ops.Constraint:
    """A constraint; `columns`: the column it is written on, for one inline in a definition;
    with its statement, a CHECK's clause as written."""
    kind = _CONSTRAINT_KINDS[node["contype"]]
    not_null_column = None
    clause = ""
    if kind == "check":
        null_test = node.get("raw_expr", {}).get("NullTest")
        if null_test and null_test["nulltesttype"] == "IS_NOT_NULL":
            fields = _strings(null_test["arg"].get("ColumnRef", {}).get("fields"))
            not_null_column = fields[-1] if fields else None
        # The columns it reads: a DROP COLUMN of one of them drops it, and it is named after
        # the one it reads, if only one.
        columns = tuple(dict.fromkeys(_column_refs(node.get("raw_expr")))) or columns
        if stmt is not None:
            clause = clauses.parenthesized(stmt, stmt.offset(node.get("location", -1)), "CHECK")
            clause += " NO INHERIT" if clause and node.get("is_no_inherit") else ""
    return ops.Constraint(
        kind,
        node.get("conname"),
        _strings(node.get("fk_attrs") or node.get("keys")) or columns,
        bool(node.get("skip_validation")),
        node.get("indexname"),
        _name(node["pktable"]) if "pktable" in node else None,
        not_null_column,
        _strings(node.get("pk_attrs")),
        clause,
        _key_options(node),
        bool(node.get("nulls_not_distinct")),
    )


_MATCH = {"f": " MATCH FULL", "p": " MATCH PARTIAL"}
_ACTIONS = {"r": "RESTRICT", "c": "CASCADE", "n": "SET NULL", "d": "SET DEFAULT"}


def _key_options(node: Node) -> str:
    """What follows a key's columns, as PostgreSQL reads it: ` ON DELETE CASCADE DEFERRABLE`."""
    options = _MATCH.get(node.get("fk_matchtype", ""), "")
    for event, key in (("DELETE", "fk_del_action"), ("UPDATE", "fk_upd_action")):
        action = _ACTIONS.get(node.get(key, ""))
        if action:
            options += f" ON {event} {action}"
            set_columns = _strings(node.get("fk_del_set_cols")) if event == "DELETE" else ()
            if set_columns and action.startswith("SET "):
                options += f" ({', '.join(ops.quote(c) for c in set_columns)})"
    including = _strings(node.get("including"))
    if including:
        options += f" INCLUDE ({', '.join(ops.quote(c) for c in including)})"
    if node.get("deferrable"):
        options += " DEFERRABLE" + (" INITIALLY DEFERRED" if node.get("initdeferred") else "")
    return options


def _column_refs(expression: Any) -> Iterator[str]:
    """The columns an expression reads, by name, in order (repeated when read again)."""
    for key, value in _entries(expression):
        if key == "ColumnRef":
            fields = _strings(value["fields"])
            if fields:
                yield fields[-1]


def _create_table(node: Node, stmt: StatementTree) -> Iterator[ops.Operation]:
    columns: list[ops.Column] = []
    constraints: list[ops.Constraint] = []
    for element in node.get("tableElts", ()):
        if "ColumnDef" in element:
            columns.append(column(element["ColumnDef"], stmt))
            constraints.extend(columns[-1].constraints)
        elif "Constraint" in element:
            found = constraint(element["Constraint"], stmt)
            if found:
                constraints.append(found)
    parents = node.get("inhRelations", ())
    yield ops.CreateTable(
        stmt.start,
        _name(node["relation"]),
        tuple(columns),
        tuple(constraints),
        partitioned="partspec" in node,
        partition_of=_name(parents[0]["RangeVar"]) if parents and "partbound" in node else None,
        if_not_exists=bool(node.get("if_not_exists")),
    )


# Written on a column, these constraints are the table's, on that column (NOT NULL stays a
# property of the column).
def _alter_table(node: Node, stmt: StatementTree) -> Iterator[ops.Operation]:
    if node.get("objtype", "OBJECT_TABLE") != "OBJECT_TABLE":
        return
    table = _name(node["relation"])
    only = not node["relation"].get("inh")
    commands = node.get("cmds", ())
    # Each subcommand's operations point at it, `at` to `end`; `sql` does it alone.
    subcommands = clauses.alter_table_commands(stmt, node)
    for item, (at, end, sql) in zip(commands, subcommands, strict=True):
        cmd = item["AlterTableCmd"]
        subtype, name, definition = cmd["subtype"], cmd.get("name", ""), cmd.get("def", {})
        if subtype == "AT_AddColumn":
            col = definition["ColumnDef"]
            added = column(col, stmt, added=True)
            missing_ok = bool(cmd.get("missing_ok"))  # ADD COLUMN IF NOT EXISTS
            yield ops.AddColumn(at, table, added, missing_ok, end=end, sql=sql)
        elif subtype == "AT_DropColumn":
            yield ops.DropColumn(
                at, table, name, cmd.get("behavior") == "DROP_CASCADE", end=end, sql=sql
            )
        elif subtype == "AT_AlterColumnType":
            col = definition["ColumnDef"]
            collation = _strings(col.get("collClause", {}).get("collname"))
            using = col.get("raw_default")
            yield ops.AlterColumnType(
                at,
                table,
                name,
                column_type(col["typeName"]),
                _converts(col, name),
                ".".join(collation) or None,
                expression_text(stmt, using, _USING_ENDS) if using else None,
                _casts_of(using, name) if using else None,
                _zone_of(using, name) if using else None,
                end=end,
                sql=sql,
            )
        elif subtype == "AT_SetNotNull":
            yield ops.SetNotNull(at, table, name, end=end, sql=sql)
        elif subtype == "AT_DropNotNull":
            yield ops.DropNotNull(at, table, name, end=end, sql=sql)
        elif subtype == "AT_AddConstraint":
            found = constraint(definition["Constraint"], stmt)
            if found:
                yield ops.AddConstraint(at, table, found, end=end, sql=sql)
        elif subtype == "AT_ValidateConstraint":
            yield ops.ValidateConstraint(at, table, name, end=end, sql=sql)
        elif subtype == "AT_DropConstraint":
            yield ops.DropConstraint(at, table, name, end=end, sql=sql)
        elif subtype == "AT_ColumnDefault":
            yield _column_default(at, table, name, cmd.get("def"), stmt, end, sql, only)
        elif subtype == "AT_DetachPartition":
            partition = definition["PartitionCmd"]
            yield ops.DetachPartition(
                at,
                table,
                _name(partition["name"]),
                bool(partition.get("concurrent")),
                end=end,
                sql=sql,
            )
        elif subtype == "AT_AttachPartition":
            partition_name = _name(definition["PartitionCmd"]["name"])
            yield ops.AttachPartition(at, table, partition_name, end=end, sql=sql)
        elif subtype in _LOCKING_SUBCOMMANDS:
            action, mode = _locking_subcommand(cmd)
            description = f"ALTER TABLE {table.sql} {action}"
            yield ops.LockTable(at, table, mode, description, end=end, sql=sql)


# ALTER TABLE subcommands that change no column, seen for their lock alone (read from pg_locks
# on PostgreSQL 18: each locks the table it names, not its partitions): what each does, in
# words for messages, and its mode.
_LOCKING_SUBCOMMANDS = {
    "AT_EnableRowSecurity": ("ENABLE ROW LEVEL SECURITY", "ACCESS EXCLUSIVE"),
    "AT_DisableRowSecurity": ("DISABLE ROW LEVEL SECURITY", "ACCESS EXCLUSIVE"),
    "AT_ForceRowSecurity": ("FORCE ROW LEVEL SECURITY", "ACCESS EXCLUSIVE"),
    "AT_NoForceRowSecurity": ("NO FORCE ROW LEVEL SECURITY", "ACCESS EXCLUSIVE"),
    "AT_ReplicaIdentity": ("REPLICA IDENTITY", "ACCESS EXCLUSIVE"),
    "AT_ChangeOwner": ("OWNER TO", "ACCESS EXCLUSIVE"),
    "AT_SetRelOptions": ("SET", "SHARE UPDATE EXCLUSIVE"),
    "AT_ResetRelOptions": ("RESET", "SHARE UPDATE EXCLUSIVE"),
}
_REPLICA_IDENTITIES = {"d": "DEFAULT", "f": "FULL", "n": "NOTHING", "i": "USING INDEX "}
# Storage parameters whose change takes ACCESS EXCLUSIVE rather than SHARE UPDATE EXCLUSIVE
# (PostgreSQL's reloptions.c gives each its lock; of a table's, only this one is stronger).
_ACCESS_EXCLUSIVE_PARAMETERS = frozenset({"user_catalog_table"})


def _locking_subcommand(cmd: Node) -> tuple[str, str]:
    action, mode = _LOCKING_SUBCOMMANDS[cmd["subtype"]]
    if cmd["subtype"] == "AT_ChangeOwner":
        role = cmd["newowner"]
        named = role.get("rolename")
        return (
            f"{action} {ops.quote(named) if named else role['roletype'].removeprefix('ROLESPEC_')}",
            mode,
        )
    if cmd["subtype"] == "AT_ReplicaIdentity":
        identity = cmd["def"]["ReplicaIdentityStmt"]
        kind = _REPLICA_IDENTITIES[identity["identity_type"]]
        return f"{action} {kind}{ops.quote(identity['name']) if 'name' in identity else ''}", mode
    if cmd["subtype"] in ("AT_SetRelOptions", "AT_ResetRelOptions"):
        parameters = [
            item["DefElem"] for item in cmd.get("def", {}).get("List", {}).get("items", ())
        ]
        names = [".".join(filter(None, (p.get("defnamespace"), p["defname"]))) for p in parameters]
        if _ACCESS_EXCLUSIVE_PARAMETERS.intersection(names):
            mode = "ACCESS EXCLUSIVE"
        return f"{action} ({', '.join(names)})", mode
    return action, mode


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


def _casts_of(expression: Node, column_name: str) -> tuple[ops.ColumnType, ...] | None:
    """The types an expression casts a column to, innermost first, when it does nothing else."""
    types = []
    while "TypeCast" in expression:
        types.append(column_type(expression["TypeCast"]["typeName"]))
        expression = expression["TypeCast"]["arg"]
    fields = _strings(expression.get("ColumnRef", {}).get("fields"))
    return tuple(reversed(types)) if fields[-1:] == (column_name,) else None


def _zone_of(expression: Node, column_name: str) -> str | None:
    """For `"x" AT TIME ZONE 'UTC'` of the column, the zone as a literal."""
    call = expression.get("FuncCall", {})
    if (
        call.get("funcformat") != "COERCE_SQL_SYNTAX"
        or _strings(call["funcname"])[-1] != "timezone"
    ):
        return None
    if len(call.get("args", ())) != 2:
        return None  # AT LOCAL: the session's zone, which may differ when it is undone
    zone, of = call["args"]
    fields = _strings(of.get("ColumnRef", {}).get("fields"))
    text = zone.get("A_Const", {}).get("sval", {}).get("sval")
    return ops.literal(text) if fields[-1:] == (column_name,) and text is not None else None


def _rename(node: Node, stmt: StatementTree) -> Iterator[ops.Operation]:
    kind = node["renameType"]
    if kind == "OBJECT_TABLE":
        yield ops.RenameTable(stmt.start, _name(node["relation"]), node["newname"])
    elif kind == "OBJECT_COLUMN" and node.get("relationType") == "OBJECT_TABLE":
        yield ops.RenameColumn(
            stmt.start, _name(node["relation"]), node["subname"], node["newname"]
        )
    elif kind == "OBJECT_TYPE":
        yield ops.RenameType(
            stmt.start, _name_from_list(node["object"]["List"]["items"]), node["newname"]
        )
    elif kind == "OBJECT_INDEX":
        yield ops.RenameIndex(stmt.start, _name(node["relation"]), node["newname"])
    elif kind == "OBJECT_TABCONSTRAINT" and "relation" in node:
        yield ops.RenameConstraint(
            stmt.start, _name(node["relation"]), node["subname"], node["newname"]
        )
    elif kind == "OBJECT_POLICY":
        table = _name(node["relation"])
        policy = f"{ops.quote(node['subname'])} ON {table.sql}"
        description = f"ALTER POLICY {policy} RENAME TO {ops.quote(node['newname'])}"
        yield ops.LockTable(stmt.start, table, "ACCESS EXCLUSIVE", description)


def _drop(node: Node, stmt: StatementTree) -> Iterator[ops.Operation]:
    kind = node["removeType"]
    cascade = node.get("behavior") == "DROP_CASCADE"
    objects = node.get("objects", ())
    # Each object of a DROP of several points at its own name: `at` to `end`.
    spans = clauses.dropped_objects(stmt, [_name_parts(obj) for obj in objects])
    for obj, (at, end) in zip(objects, spans, strict=True):
        if kind == "OBJECT_SCHEMA":
            yield ops.DropSchema(at, obj["String"]["sval"], cascade, end=end)
        elif kind == "OBJECT_TABLE":
            yield ops.DropTable(at, _name_from_list(obj["List"]["items"]), cascade, end=end)
        elif kind == "OBJECT_INDEX":
            yield ops.DropIndex(
                at, _name_from_list(obj["List"]["items"]), bool(node.get("concurrent")), end=end
            )
        elif kind == "OBJECT_TYPE":
            yield ops.DropType(stmt.start, _name_from_list(obj["TypeName"]["names"]))
        elif kind in ("OBJECT_VIEW", "OBJECT_MATVIEW"):
            view = _name_from_list(obj["List"]["items"])
            yield ops.DropView(stmt.start, view, kind == "OBJECT_MATVIEW", cascade)
        elif kind == "OBJECT_TRIGGER":  # its table's name, then its own
            *table, trigger = obj["List"]["items"]
            yield ops.DropTrigger(at, _name_from_list(table), trigger["String"]["sval"], end=end)
        elif kind == "OBJECT_POLICY":  # its table's name, then its own
            *table, policy = obj["List"]["items"]
            on = _name_from_list(table)
            description = f"DROP POLICY {ops.quote(policy['String']['sval'])} ON {on.sql}"
            yield ops.LockTable(at, on, "ACCESS EXCLUSIVE", description, end=end)
        elif kind in _ROUTINE_KINDS:
            routine = obj["ObjectWithArgs"]
            arguments = (
                None
                if routine.get("args_unspecified")
                else tuple(_argument_type(t["TypeName"]) for t in routine.get("objargs", ()))
            )
            yield ops.DropFunction(
                stmt.start,
                _name_from_list(routine["objname"]),
                arguments,
                _ROUTINE_KINDS[kind],
                cascade,
            )


def _name_parts(obj: Node) -> int:
    """How many dot-separated parts a dropped object's name has; 0 when it is not a plain name
    (a function's, with its arguments)."""
    if "List" in obj:
        return len(obj["List"]["items"])
    return 1 if "String" in obj else 0


def _truncate(node: Node, stmt: StatementTree) -> Iterator[ops.Operation]:
    range_vars = [relation["RangeVar"] for relation in node["relations"]]
    # Each table of a TRUNCATE of several points at its own name: `at` to `end`.
    for range_var, (at, end) in zip(range_vars, clauses.relations(stmt, range_vars), strict=True):
        yield ops.Truncate(at, _name(range_var), end=end)


def _create_index(node: Node, stmt: StatementTree) -> Iterator[ops.Operation]:
    columns = tuple(
        p["IndexElem"]["name"] for p in node.get("indexParams", ()) if "name" in p["IndexElem"]
    )
    parts = [node.get("indexParams"), node.get("indexIncludingParams"), node.get("whereClause")]
    reads = set()
    for key, value in _entries(parts):  # its columns, and those its expressions read
        if key == "IndexElem" and "name" in value:
            reads.add(value["name"])
        elif key == "ColumnRef" and (fields := _strings(value["fields"])):
            reads.add(fields[-1])
    yield ops.CreateIndex(
        stmt.start,
        _name(node["relation"]),
        node.get("idxname"),
        columns,
        bool(node.get("unique")),
        bool(node.get("concurrent")),
        only=not node["relation"].get("inh"),
        if_not_exists=bool(node.get("if_not_exists")),
        definition=clauses.after_relation(stmt, node["relation"]),
        reads=frozenset(reads),
    )


def _options(node: Node, key: str) -> set[str]:
    return {p["DefElem"]["defname"] for p in node.get(key, ()) if "DefElem" in p}


def _reindex(node: Node, stmt: StatementTree) -> Iterator[ops.Operation]:
    target = node["kind"].removeprefix("REINDEX_OBJECT_").lower()
    relation = _name(node["relation"]) if "relation" in node else None
    # Else a schema or database, or none (REINDEX SYSTEM).
    name = relation.sql if relation else ops.quote(node["name"]) if node.get("name") else ""
    concurrently = "concurrently" in _options(node, "params")
    yield ops.Reindex(stmt.start, target, name, concurrently, relation)


def _vacuum(node: Node, stmt: StatementTree) -> Iterator[ops.Operation]:
    if not node.get("is_vacuumcmd") or "full" not in _options(node, "options"):
        return
    relations = [r["VacuumRelation"]["relation"] for r in node.get("rels", ())]
    if not relations:
        yield ops.VacuumFull(stmt.start, None)
    for relation, (at, end) in zip(relations, clauses.relations(stmt, relations), strict=True):
        yield ops.VacuumFull(at, _name(relation), end=end)


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
    if node.get("kind") not in ("VAR_SET_VALUE", "VAR_SET_DEFAULT", "VAR_RESET"):
        return
    if "name" not in node:
        return
    values = []
    for arg in node.get("args", ()):
        const = arg.get("A_Const", {})
        value = const.get("sval", {}).get("sval", const.get("ival", {}).get("ival"))
        values.append(str(value))
    yield ops.SetSetting(
        stmt.start, node["name"], ", ".join(values) or None, bool(node.get("is_local"))
    )


def _enum_values(node: Node, stmt: StatementTree) -> Iterator[ops.Operation]:
    enum = _name_from_list(node["typeName"])
    if "newVal" in node and "oldVal" not in node:
        yield ops.AddEnumValue(stmt.start, enum, node["newVal"])
    elif "newVal" in node:
        yield ops.RenameEnumValue(stmt.start, enum, node["oldVal"], node["newVal"])


# Defaults, views, functions and UPDATE: what the rules on them read.

# Tokens that end a column definition's DEFAULT expression: a comma, or the next constraint.
_COLUMN_DEFAULT_ENDS = frozenset(
    {
        "ASCII_44",
        "CONSTRAINT",
        "NOT",
        "NULL_P",
        "PRIMARY",
        "UNIQUE",
        "CHECK",
        "DEFAULT",
        "REFERENCES",
        "GENERATED",
        "COLLATE",
        "DEFERRABLE",
        "INITIALLY",
    }
)
# A GENERATED clause ends where a column's DEFAULT does, but GENERATED BY DEFAULT is one.
_GENERATED_ENDS = _COLUMN_DEFAULT_ENDS - {"DEFAULT", "GENERATED"}
# USING ends with its subcommand.
_USING_ENDS = frozenset({"ASCII_44"})
_OPENING = ("ASCII_40", "ASCII_91")  # ( [
_CLOSING = ("ASCII_41", "ASCII_93", "ASCII_59")  # ) ] ;
# Scanned this many characters at a time, growing fourfold: most expressions (`now()`, `'a'`,
# `false`) end within the first, and scanning costs by the character, the rest of the statement
# included.
_SCAN_WINDOW = 32


def expression_text(stmt: StatementTree, node: Node, ends: frozenset[str]) -> str | None:
    """The text of an expression (or clause) of a statement, as written: from its first token
    to the first of the `ends` tokens outside parentheses, an unmatched closing parenthesis or
    the statement's end. None when its place is not known."""
    locations = [
        value
        for key, value in _entries(node)
        if key == "location" and isinstance(value, int) and value >= 0
    ]
    return _text_from(stmt, min(locations), ends) if locations else None


def _text_from(stmt: StatementTree, location: int, ends: frozenset[str]) -> str | None:
    """expression_text of the expression whose first node is at `location`."""
    start = stmt.offset(location) - stmt.piece_start
    # Its first node may be inside parentheses that belong to it: `DEFAULT (1 + 2) * 3`.
    before = start
    while before > 0 and stmt.piece[before - 1] in "( \t\r\n":
        before -= 1
        if stmt.piece[before] == "(":
            start = before
    text = stmt.piece[start : stmt.end - stmt.piece_start]
    end = _expression_end(text, ends)
    return text[:end] if end else None


def _expression_end(text: str, ends: frozenset[str]) -> int | None:
    """Where the expression that starts `text` ends, scanning a growing window of it."""
    size = _SCAN_WINDOW
    while True:
        whole = size >= len(text)
        try:
            tokens = pg_parser.scan(text[:size])
        except pg_parser.ParseError:  # the window cut a string or comment in two
            if whole:
                return None
            size *= 4
            continue
        depth, end, previous = 0, 0, ""
        # The last token of a window may be cut short: only a whole text vouches for it.
        for token in tokens if whole else tokens[:-1]:
            name = token.name
            if name in _OPENING:
                depth += 1
            elif name in _CLOSING:
                if depth == 0 or name == "ASCII_59":
                    return end
                depth -= 1
            elif depth == 0 and end and name in ends and not (name == "NOT" and previous == "IS"):
                return end
            end, previous = token.end + 1, name
        if whole:
            return end
        size *= 4


def _column_default(
    at: int,
    table: ops.Name,
    column_name: str,
    expression: Node | None,
    stmt: StatementTree,
    end: int,
    sql: str,
    only: bool,
) -> ops.Operation:
    """ALTER COLUMN ... SET DEFAULT, or DROP DEFAULT (SET DEFAULT NULL drops it as well)."""
    if expression is None or _is_null(expression):
        return ops.DropDefault(at, table, column_name, only, end=end, sql=sql)
    written = expression_text(stmt, expression, frozenset({"ASCII_44"}))
    return ops.SetDefault(at, table, column_name, written, only, end=end, sql=sql)


def _is_null(expression: Node) -> bool:
    """NULL, or NULL cast to a type."""
    constant = expression.get("TypeCast", {}).get("arg", expression)
    return bool(constant.get("A_Const", {}).get("isnull"))


def _argument_type(type_name: Node) -> str:
    # PostgreSQL ignores an argument type's modifiers: varchar(3) is varchar.
    found = column_type(type_name)
    return ops.ColumnType(found.name, (), found.array_dimensions).sql


_ROUTINE_KINDS = {
    "OBJECT_FUNCTION": "function",
    "OBJECT_PROCEDURE": "procedure",
    "OBJECT_ROUTINE": "routine",
}
# The argument modes that identify a function (OUT and TABLE ones do not).
_IDENTIFYING_MODES = (
    "FUNC_PARAM_IN",
    "FUNC_PARAM_INOUT",
    "FUNC_PARAM_VARIADIC",
    "FUNC_PARAM_DEFAULT",
)


def _create_function(node: Node, stmt: StatementTree) -> Iterator[ops.Operation]:
    arguments = tuple(
        _argument_type(parameter["argType"])
        for item in node.get("parameters", ())
        if (parameter := item["FunctionParameter"]).get("mode") in _IDENTIFYING_MODES
    )
    kind = "procedure" if node.get("is_procedure") else "function"
    yield ops.CreateFunction(stmt.start, _name_from_list(node["funcname"]), arguments, kind)


def _create_materialized_view(node: Node, stmt: StatementTree) -> Iterator[ops.Operation]:
    if node.get("objtype") == "OBJECT_MATVIEW":
        view = _name(node["into"]["rel"])
        yield ops.CreateView(stmt.start, view, True, _relations_read(node["query"]))


def _relations_read(query: Node) -> tuple[ops.Name, ...]:
    """The tables and views a view's query reads, by name, each once: what PostgreSQL makes
    the view depend on (its WITH queries are not relations)."""
    found: dict[tuple[str, str], ops.Name] = {}
    with_queries = set()
    for key, value in _entries(query):
        if key == "RangeVar":
            found.setdefault(_name(value).key, _name(value))
        elif key == "CommonTableExpr":
            with_queries.add(value["ctename"])
    return tuple(n for n in found.values() if n.schema is not None or n.name not in with_queries)


def _create_trigger(node: Node, stmt: StatementTree) -> Iterator[ops.Operation]:
    table, function = _name(node["relation"]), _name_from_list(node["funcname"])
    row = bool(node.get("row"))
    yield ops.CreateTrigger(stmt.start, table, node["trigname"], function, row)


def _update(node: Node, stmt: StatementTree) -> ops.Update:
    targets = node.get("targetList", ())
    set_clause = ""
    if targets and "fromClause" not in node:
        found = expression_text(stmt, targets[0], frozenset({"FROM", "RETURNING", "WHERE"}))
        set_clause = found or ""
    alias = node["relation"].get("alias", {}).get("aliasname")
    where = node.get("whereClause")
    table = _name(node["relation"])
    return ops.Update(
        stmt.start,
        table,
        where is not None,
        set_clause,
        alias,
        _pinned(where, (table.name, alias)) if where is not None else (),
        tuple(target["ResTarget"]["name"] for target in targets if "ResTarget" in target),
    )


def _delete(node: Node, stmt: StatementTree) -> Iterator[ops.Operation]:
    where = node.get("whereClause")
    table = _name(node["relation"])
    alias = node["relation"].get("alias", {}).get("aliasname")
    pinned = _pinned(where, (table.name, alias)) if where is not None else ()
    yield ops.Delete(stmt.start, table, where is not None, pinned)


# How deep _pinned looks into ANDs and ORs: deeper, a WHERE is not a list of rows.
_PINNING_DEPTH = 8


def _pinned(where: Node, names: tuple[str, str | None], depth: int = 0) -> tuple[str, ...]:
    """The columns of the statement's table (written bare, or after its name or alias in
    `names`) that a WHERE clause holds to constants: `column = constant` or `column IN
    (constants)`, alone, ANDed with anything (any term's), or ORed (those of every term)."""
    if depth > _PINNING_DEPTH:
        return ()
    if "BoolExpr" in where:
        operator, terms = where["BoolExpr"]["boolop"], where["BoolExpr"].get("args", ())
        found = [set(_pinned(term, names, depth + 1)) for term in terms]
        if operator == "AND_EXPR":
            return tuple(sorted(set().union(*found)))
        return tuple(sorted(set.intersection(*found))) if operator == "OR_EXPR" and found else ()
    comparison = where.get("A_Expr", {})
    if _strings(comparison.get("name")) != ("=",):  # NOT IN is `<>` ALL
        return ()
    left, right = comparison.get("lexpr", {}), comparison.get("rexpr", {})
    if comparison["kind"] == "AEXPR_IN":
        constant = all(map(_constant, right.get("List", {}).get("items", ())))
        column = _own_column(left, names) if constant else None
    elif comparison["kind"] == "AEXPR_OP":
        column = (_own_column(left, names) if _constant(right) else None) or (
            _own_column(right, names) if _constant(left) else None
        )
    else:
        column = None
    return (column,) if column else ()


def _own_column(expression: Node, names: tuple[str, str | None]) -> str | None:
    """The column an expression is, when it is one of the statement's table."""
    fields = _strings(expression.get("ColumnRef", {}).get("fields"))
    if not fields or (len(fields) > 1 and fields[-2] not in names):
        return None
    return fields[-1]


def _constant(expression: Node) -> bool:
    """A literal, or a literal cast to a type."""
    return "A_Const" in expression or "A_Const" in expression.get("TypeCast", {}).get("arg", {})


def _lock(node: Node, stmt: StatementTree) -> Iterator[ops.Operation]:
    """LOCK TABLE: each table it lists, with its partitions unless written with ONLY."""
    mode = LOCK_MODES[node["mode"] - 1]  # PostgreSQL numbers the modes 1 to 8, weakest first
    range_vars = [relation["RangeVar"] for relation in node["relations"]]
    for range_var, (at, end) in zip(range_vars, clauses.relations(stmt, range_vars), strict=True):
        table, partitions = _name(range_var), bool(range_var.get("inh"))
        description = f"LOCK TABLE {'' if partitions else 'ONLY '}{table.sql} IN {mode} MODE"
        yield ops.LockTable(at, table, mode, description, partitions, end=end)


def _policy(node: Node, stmt: StatementTree, verb: str) -> Iterator[ops.Operation]:
    table = _name(node["table"])
    description = f"{verb} POLICY {ops.quote(node['policy_name'])} ON {table.sql}"
    yield ops.LockTable(stmt.start, table, "ACCESS EXCLUSIVE", description)


_CONVERTERS: dict[str, Callable[[Node, StatementTree], Iterator[ops.Operation]]] = {
    "CreateStmt": _create_table,
    "AlterTableStmt": _alter_table,
    "RenameStmt": _rename,
    "DropStmt": _drop,
    "DropdbStmt": lambda node, stmt: iter([ops.DropDatabase(stmt.start, node["dbname"])]),
    "TruncateStmt": _truncate,
    "DeleteStmt": _delete,
    "UpdateStmt": lambda node, stmt: iter([_update(node, stmt)]),
    "ViewStmt": lambda node, stmt: iter(
        [ops.CreateView(stmt.start, _name(node["view"]), reads=_relations_read(node["query"]))]
    ),
    "CreateTableAsStmt": _create_materialized_view,
    "CreateFunctionStmt": _create_function,
    "CreateTrigStmt": _create_trigger,
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
    "CreateEnumStmt": lambda node, stmt: iter(
        [ops.CreateEnum(stmt.start, _name_from_list(node["typeName"]), _strings(node.get("vals")))]
    ),
    "TransactionStmt": _transaction,
    "DoStmt": _do_block,
    "VariableSetStmt": _set,
    "LockStmt": _lock,
    "CreatePolicyStmt": lambda node, stmt: _policy(node, stmt, "CREATE"),
    "AlterPolicyStmt": lambda node, stmt: _policy(node, stmt, "ALTER"),
}
