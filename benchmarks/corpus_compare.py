"""Compare migration-lint's and squawk's default findings on real drizzle-kit migration folders.

For each migration folder of the corpus (default: ../shared/corpus/drizzle next to the repository,
see its README.md) it runs `migration-lint lint --format json FOLDER` and
`squawk --reporter json FOLDER/*.sql`, both with their plain defaults (no transaction flags, no
rule selection, no config file), and prints markdown tables of the findings of each tool: totals,
per migration file, per rule, and syntax errors.

It then checks the claim "every breaking drop, rename and incompatible type change is still
reported": each squawk finding of a drop, rename or type-change rule must have a migration-lint
finding of the corresponding rule on the same statement (overlapping lines of the same file).
What migration-lint does not report is listed with its SQL: drops and renames on a table created
earlier in the same migration (not reported by design), type changes with the column's previous
declaration (migration-lint skips changes PostgreSQL makes without a rewrite), and anything else as
MISSING. The exit status is 1 when something is MISSING, 2 when a tool or the corpus is absent.

    python benchmarks/corpus_compare.py [CORPUS] [--squawk PATH] [--migration-lint PATH]
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tools import CORPUS, add_tool_arguments, find_tools, markdown_table

DEFAULT_CORPUS = CORPUS / "drizzle"

# squawk rule -> the migration-lint rule that must report the same statement.
COUNTERPART = {
    "ban-drop-column": "drop-column",
    "ban-drop-table": "drop-table",
    "ban-drop-database": "drop-database",
    "ban-drop-schema": "drop-schema",
    "ban-truncate-cascade": "truncate-table",
    "renaming-column": "rename-column",
    "renaming-table": "rename-table",
    "changing-column-type": "change-column-type",
}
TYPE_CHANGE = "changing-column-type"
# Other squawk rules about drops, renames and type changes: no migration-lint rule corresponds.
DROP_OR_RENAME = re.compile(r"^(ban-drop-|renaming-|changing-|ban-truncate|ban-alter-)")
SYNTAX_RULE = "syntax-error"

IDENT = r'(?:"(?:[^"]|"")+"|[A-Za-z_][\w$]*)'
QUALIFIED = rf"(?:{IDENT}\s*\.\s*)?({IDENT})"
CREATE_TABLE = re.compile(
    r"\bCREATE\s+(?:(?:GLOBAL|LOCAL)\s+)?(?:(?:TEMP|TEMPORARY|UNLOGGED)\s+)?TABLE\s+"
    rf"(?:IF\s+NOT\s+EXISTS\s+)?{QUALIFIED}",
    re.IGNORECASE,
)
ALTER_TABLE = re.compile(
    rf"\bALTER\s+TABLE\s+(?:IF\s+EXISTS\s+)?(?:ONLY\s+)?{QUALIFIED}", re.IGNORECASE
)
DROP_TABLE = re.compile(r"\bDROP\s+TABLE\s+(?:IF\s+EXISTS\s+)?([^;]*)", re.IGNORECASE)
ALTER_COLUMN = re.compile(rf"\bALTER\s+(?:COLUMN\s+)?({IDENT})\s+(?:SET\s+DATA\s+)?TYPE\s+", re.I)
ADD_COLUMN = re.compile(rf"\bADD\s+(?:COLUMN\s+)?(?:IF\s+NOT\s+EXISTS\s+)?({IDENT})\s+", re.I)
RENAME_COLUMN = re.compile(rf"\bRENAME\s+(?:COLUMN\s+)?({IDENT})\s+TO\s+({IDENT})", re.I)
RENAME_TABLE = re.compile(rf"\bRENAME\s+TO\s+({IDENT})", re.IGNORECASE)
COLUMN_LINE = re.compile(rf"^\s*({IDENT})\s+(\S.*)$")
# Words that start a table constraint, not a column, inside CREATE TABLE ( ... ).
TABLE_CONSTRAINT = frozenset({"CONSTRAINT", "PRIMARY", "UNIQUE", "CHECK", "FOREIGN", "EXCLUDE"})
TYPE_END = re.compile(
    r"\s+(?:PRIMARY\s+KEY|NOT\s+NULL|NULL|DEFAULT|REFERENCES|UNIQUE|CONSTRAINT|GENERATED|CHECK"
    r"|USING)\b|\s*--",
    re.IGNORECASE,
)
BREAKPOINT = "--> statement-breakpoint"


@dataclass(frozen=True)
class Finding:
    tool: str
    rule: str
    path: Path
    line: int  # 1-based, first line of the finding
    end_line: int
    column: int  # 0-based offset in `line` (squawk: in UTF-8 bytes)
    end_column: int  # 0-based offset in `end_line`, exclusive

    def overlaps(self, other: Finding) -> bool:
        return (
            self.path == other.path and self.line <= other.end_line and other.line <= self.end_line
        )


@dataclass
class FolderResult:
    name: str
    folder: Path
    sql_files: list[Path]
    ours: list[Finding]
    squawk: list[Finding]
    ours_summary: dict[str, Any]


@dataclass
class Unreported:
    """A squawk drop/rename/type-change finding without a matching migration-lint finding."""

    folder: str
    finding: Finding
    table: str | None
    column: str | None
    sql: str
    kind: str  # "new-table", "type-change" or "missing"
    old_type: str | None = None
    old_decl: str | None = None
    new_type: str | None = None


@dataclass
class Declaration:
    where: str
    sql: str
    type: str


@dataclass
class SqlFile:
    """A migration file's text with line offsets, for going between line/column and offset."""

    path: Path
    text: str
    lines: list[str] = field(init=False)
    starts: list[int] = field(init=False)

    def __post_init__(self) -> None:
        self.lines = self.text.split("\n")
        self.starts = [0]
        for line in self.lines[:-1]:
            self.starts.append(self.starts[-1] + len(line) + 1)

    def offset(self, line: int, byte_column: int) -> int:
        """Offset in the text of a line and a UTF-8 byte offset in it (squawk counts bytes)."""
        prefix = self.line_text(line).encode()[:byte_column]
        return self.starts[line - 1] + len(prefix.decode("utf-8", errors="ignore"))

    def line_text(self, line: int) -> str:
        return self.lines[line - 1] if 0 < line <= len(self.lines) else ""


def unquote(name: str) -> str:
    """Identifier as PostgreSQL stores it: quoted kept as written, unquoted folded to lower case."""
    if name.startswith('"') and name.endswith('"'):
        return name[1:-1].replace('""', '"')
    return name.lower()


def column_type(definition: str) -> str:
    """The type at the start of a column definition: up to a constraint, a `,` or `;` outside ()."""
    depth = 0
    end = len(definition)
    for index, char in enumerate(definition):
        if char == "(":
            depth += 1
        elif char == ")":
            if depth == 0:
                end = index
                break
            depth -= 1
        elif char in ",;" and depth == 0:
            end = index
            break
    text = definition[:end]
    match = TYPE_END.search(text)
    if match:
        text = text[: match.start()]
    return " ".join(text.split())


def clean_sql(line: str) -> str:
    return line.replace(BREAKPOINT, "").strip()


def load_json(tool: str, result: subprocess.CompletedProcess[str]) -> Any:
    try:
        return json.loads(result.stdout)
    except json.JSONDecodeError:
        sys.exit(f"{tool} failed (exit {result.returncode}):\n{result.stderr[-2000:]}")


def run_migration_lint(binary: str, folder: Path) -> tuple[list[Finding], dict[str, Any]]:
    command = [binary, "lint", "--format", "json", str(folder)]
    result = subprocess.run(command, cwd=folder, capture_output=True, text=True)
    output = load_json("migration-lint", result)
    if result.returncode not in (0, 1, 2):
        sys.exit(f"migration-lint failed (exit {result.returncode}):\n{result.stderr[-2000:]}")
    findings = [
        Finding(
            "migration-lint",
            str(d["rule"]),
            (folder / str(d["path"])).resolve(),
            int(d["line"]),
            int(d["end_line"]),
            int(d["column"]) - 1,
            int(d["end_column"]) - 1,
        )
        for d in output["diagnostics"]
    ]
    summary: dict[str, Any] = output["summary"]
    return findings, summary


def run_squawk(binary: str, folder: Path, files: Sequence[Path]) -> list[Finding]:
    # Bare file names with cwd=folder keep the command line short.
    command = [binary, "--reporter", "json", *(path.name for path in files)]
    result = subprocess.run(command, cwd=folder, capture_output=True, text=True)
    output = load_json("squawk", result)
    return [
        Finding(
            "squawk",
            str(d["rule_name"]),
            (folder / str(d["file"])).resolve(),
            int(d["line"]) + 1,
            int(d["line_end"]) + 1,
            int(d["column"]),
            int(d["column_end"]),
        )
        for d in output
    ]


def config_files(folder: Path) -> list[Path]:
    """Config files either tool could pick up from the folder or its parents."""
    found = []
    for directory in (folder, *folder.parents):
        found += [directory / name for name in (".migration-lint.toml", ".squawk.toml")]
        pyproject = directory / "pyproject.toml"
        if pyproject.is_file() and "[tool.migration-lint]" in pyproject.read_text("utf-8"):
            found.append(pyproject)
    return [path for path in found if path.is_file()]


def migration_folders(corpus: Path) -> list[Path]:
    """The corpus itself when it holds .sql files, else each of its subfolders that does."""
    if any(corpus.glob("*.sql")):
        return [corpus]
    return sorted(p for p in corpus.iterdir() if p.is_dir() and any(p.glob("*.sql")))


def lint_folder(folder: Path, ours_binary: str, squawk_binary: str) -> FolderResult:
    files = sorted(folder.glob("*.sql"))
    ours, summary = run_migration_lint(ours_binary, folder)
    squawk = run_squawk(squawk_binary, folder, files)
    return FolderResult(folder.name, folder, files, ours, squawk, summary)


# --- Which table and column a finding is about, and the column's earlier type ------------------


def last_match(pattern: re.Pattern[str], text: str, before: int) -> re.Match[str] | None:
    found = None
    for match in pattern.finditer(text, 0, before):
        found = match
    return found


def tables_created_before(sql: SqlFile, offset: int) -> set[str]:
    return {unquote(m.group(1)) for m in CREATE_TABLE.finditer(sql.text, 0, offset)}


def finding_target(sql: SqlFile, finding: Finding) -> tuple[list[str], str | None]:
    """The tables a squawk finding is about, and its column (for column rules)."""
    start = sql.offset(finding.line, finding.column)
    end = sql.offset(finding.end_line, finding.end_column)
    if finding.rule == "ban-drop-table":
        drop = DROP_TABLE.search(sql.text, start, max(end, start + 1) + 2000)
        if drop is None:
            return [], None
        names = re.findall(QUALIFIED, re.split(r"(?i)\b(?:CASCADE|RESTRICT)\b", drop.group(1))[0])
        return [unquote(name) for name in names], None
    alter = last_match(ALTER_TABLE, sql.text, end)
    tables = [unquote(alter.group(1))] if alter else []
    column: str | None = None
    clause = sql.text[start:end]
    if finding.rule in ("renaming-column", "ban-drop-column"):
        names = re.findall(IDENT, re.sub(r"(?i)\b(RENAME|DROP|COLUMN|IF|EXISTS|TO)\b", "", clause))
        column = unquote(names[0]) if names else None
    elif finding.rule == TYPE_CHANGE:
        altered = last_match(ALTER_COLUMN, sql.text, end)
        column = unquote(altered.group(1)) if altered else None
    return tables, column


class ColumnHistory:
    """Best effort, from drizzle-style SQL: the last line that gave each column its type.

    Walks the files in name order, line by line: CREATE TABLE blocks (a column a line), ADD COLUMN,
    ALTER COLUMN ... TYPE, RENAME COLUMN and RENAME TO. Hand-written SQL may escape it; then the
    previous declaration is reported as not found.
    """

    def __init__(self) -> None:
        self.columns: dict[tuple[str, str], Declaration] = {}

    def declarations_before(
        self, files: Sequence[SqlFile], wanted: dict[tuple[Path, int], tuple[str, str]]
    ) -> dict[tuple[Path, int], Declaration | None]:
        """For each (file, line): the declaration of its (table, column) before that line."""
        seen: dict[tuple[Path, int], Declaration | None] = {}
        for sql in files:
            creating: str | None = None
            alter_table: str | None = None
            for number, line in enumerate(sql.lines, start=1):
                key = (sql.path, number)
                if key in wanted:
                    seen[key] = self.columns.get(wanted[key])
                creating, alter_table = self._apply(sql, number, line, creating, alter_table)
        return seen

    def _apply(
        self, sql: SqlFile, number: int, line: str, creating: str | None, alter_table: str | None
    ) -> tuple[str | None, str | None]:
        where = f"{sql.path.name}:{number}"
        if creating is not None:
            stripped = clean_sql(line)
            if stripped.startswith(")"):
                return None, alter_table
            match = COLUMN_LINE.match(line)
            if match and not (
                not match.group(1).startswith('"') and match.group(1).upper() in TABLE_CONSTRAINT
            ):
                self.columns[(creating, unquote(match.group(1)))] = Declaration(
                    where, clean_sql(line), column_type(match.group(2))
                )
            return (None if stripped.endswith(");") else creating), alter_table
        create = CREATE_TABLE.search(line)
        if create:
            table = unquote(create.group(1))
            for key in [key for key in self.columns if key[0] == table]:
                del self.columns[key]
            # A CREATE TABLE on one line (hand-written) is not followed.
            return (table if line.rstrip().endswith("(") else None), alter_table
        # (table, the text of its ALTER TABLE actions on this line), up to the `;` that ends it.
        segments: list[tuple[str, str]] = []
        if alter_table is not None:
            segments.append((alter_table, line))
        for alter in ALTER_TABLE.finditer(line):
            if segments:  # a new statement starts: the open one ended before it
                segments[-1] = (segments[-1][0], segments[-1][1].split(";")[0])
            segments.append((unquote(alter.group(1)), line[alter.end() :]))
        open_table = None
        for index, (table, text) in enumerate(segments):
            if index == len(segments) - 1 and ";" not in text:
                open_table = table
            self._alter(table, text.split(";")[0], where, clean_sql(line))
        return None, open_table

    def _alter(self, table: str, actions: str, where: str, line: str) -> None:
        for match in ADD_COLUMN.finditer(actions):
            if match.group(1).upper() not in TABLE_CONSTRAINT:
                self.columns[(table, unquote(match.group(1)))] = Declaration(
                    where, line, column_type(actions[match.end() :])
                )
        for match in ALTER_COLUMN.finditer(actions):
            self.columns[(table, unquote(match.group(1)))] = Declaration(
                where, line, column_type(actions[match.end() :])
            )
        for match in RENAME_COLUMN.finditer(actions):
            old, new = unquote(match.group(1)), unquote(match.group(2))
            if (table, old) in self.columns:
                found = self.columns.pop((table, old))
                self.columns[(table, new)] = Declaration(
                    found.where,
                    f"{found.sql}  [renamed to {match.group(2)} at {where}]",
                    found.type,
                )
        for match in RENAME_TABLE.finditer(actions):
            new_table = unquote(match.group(1))
            for key in [key for key in self.columns if key[0] == table]:
                found = self.columns.pop(key)
                self.columns[(new_table, key[1])] = Declaration(
                    found.where,
                    f"{found.sql}  [table renamed to {match.group(1)} at {where}]",
                    found.type,
                )


def unreported_findings(result: FolderResult) -> list[Unreported]:
    """Squawk drop/rename/type-change findings with no migration-lint finding of the counterpart."""
    ours: dict[tuple[Path, str], list[Finding]] = {}
    for finding in result.ours:
        ours.setdefault((finding.path, finding.rule), []).append(finding)
    texts = {
        path.resolve(): SqlFile(path.resolve(), path.read_text("utf-8"))
        for path in result.sql_files
    }
    unreported = []
    for finding in result.squawk:
        rule = COUNTERPART.get(finding.rule)
        if rule is None:
            continue
        if any(finding.overlaps(mine) for mine in ours.get((finding.path, rule), [])):
            continue
        sql = texts[finding.path]
        tables, column = finding_target(sql, finding)
        created = tables_created_before(sql, sql.offset(finding.line, finding.column))
        if tables and all(table in created for table in tables):
            kind = "new-table"
        elif finding.rule == TYPE_CHANGE:
            kind = "type-change"
        else:
            kind = "missing"
        statement = " ".join(
            clean_sql(sql.line_text(n)) for n in range(finding.line, finding.end_line + 1)
        )
        unreported.append(
            Unreported(result.name, finding, tables[0] if tables else None, column, statement, kind)
        )
    type_changes = [u for u in unreported if u.kind == "type-change"]
    wanted = {
        (u.finding.path, u.finding.line): (u.table, u.column)
        for u in type_changes
        if u.table is not None and u.column is not None
    }
    declared = ColumnHistory().declarations_before(
        [texts[path.resolve()] for path in result.sql_files], wanted
    )
    for u in type_changes:
        sql = texts[u.finding.path]
        end = sql.offset(u.finding.end_line, u.finding.end_column)
        altered = last_match(ALTER_COLUMN, sql.text, end)
        u.new_type = column_type(sql.text[altered.end() :]) if altered else None
        declaration = declared.get((u.finding.path, u.finding.line))
        if declaration is not None:
            u.old_type, u.old_decl = declaration.type, f"{declaration.where}: {declaration.sql}"
    return unreported


# --- Output ---------------------------------------------------------------------------------------


def per_file(count: int, files: int) -> str:
    return f"{count / files:.2f}" if files else "-"


def ratio(ours: int, squawk: int) -> str:
    return f"{ours / squawk:.2f}" if squawk else "-"


def count_table(results: Sequence[FolderResult]) -> str:
    rows: list[list[object]] = []
    totals = [0, 0, 0, 0, 0]
    for r in results:
        files, squawk, ours = len(r.sql_files), len(r.squawk), len(r.ours)
        squawk_syntax = sum(1 for f in r.squawk if f.rule == SYNTAX_RULE)
        ours_syntax = sum(1 for f in r.ours if f.rule == SYNTAX_RULE)
        rows.append(
            [
                r.name,
                files,
                squawk,
                ours,
                per_file(squawk, files),
                per_file(ours, files),
                ratio(ours, squawk),
                squawk_syntax,
                ours_syntax,
            ]
        )
        for index, value in enumerate((files, squawk, ours, squawk_syntax, ours_syntax)):
            totals[index] += value
    files, squawk, ours, squawk_syntax, ours_syntax = totals
    rows.append(
        [
            "**total**",
            files,
            squawk,
            ours,
            per_file(squawk, files),
            per_file(ours, files),
            ratio(ours, squawk),
            squawk_syntax,
            ours_syntax,
        ]
    )
    header = ["folder", "files", "squawk findings", "migration-lint findings"]
    header += ["per file (squawk)", "per file (ours)", "ratio ours/squawk"]
    header += ["syntax errors (squawk)", "syntax errors (ours)"]
    return markdown_table(header, rows)


def rule_matrix(
    results: Sequence[FolderResult], tool: str, mapping: dict[str, str] | None = None
) -> str:
    """Findings of one tool per rule (rows) and folder (columns), most frequent rule first."""
    counts = {
        r.name: Counter(f.rule for f in (r.ours if tool == "ours" else r.squawk)) for r in results
    }
    total: Counter[str] = Counter()
    for counter in counts.values():
        total.update(counter)
    header = ["rule"] + (["migration-lint rule"] if mapping is not None else [])
    header += [r.name for r in results] + ["total"]
    rows = []
    for rule, count in sorted(total.items(), key=lambda item: (-item[1], item[0])):
        row: list[object] = [rule]
        if mapping is not None:
            row.append(mapping.get(rule, ""))
        row += [counts[r.name][rule] or "" for r in results] + [count]
        rows.append(row)
    return markdown_table(header, rows)


def check_table(results: Sequence[FolderResult], unreported: Sequence[Unreported]) -> str:
    header = ["squawk rule", "migration-lint rule", "squawk findings", "reported by us"]
    header += ["table new in the migration", "type change not reported", "MISSING"]
    header += ["our findings", "ours on a line squawk does not flag"]
    rows = []
    for squawk_rule, our_rule in COUNTERPART.items():
        theirs = [f for r in results for f in r.squawk if f.rule == squawk_rule]
        mine = [f for r in results for f in r.ours if f.rule == our_rule]
        kinds = Counter(u.kind for u in unreported if u.finding.rule == squawk_rule)
        extra = sum(1 for f in mine if not any(f.overlaps(t) for t in theirs))
        if not theirs and not mine:
            continue
        reported = len(theirs) - sum(kinds.values())
        rows.append(
            [
                squawk_rule,
                our_rule,
                len(theirs),
                reported,
                kinds["new-table"],
                kinds["type-change"],
                kinds["missing"],
                len(mine),
                extra,
            ]
        )
    return markdown_table(header, rows)


def ours_only(results: Sequence[FolderResult]) -> dict[tuple[str, str], list[int]]:
    """Our findings of the checked rules without a squawk finding of the counterpart there."""
    ours_rules = {ours: theirs for theirs, ours in COUNTERPART.items()}
    found: dict[tuple[str, str], list[int]] = {}
    for r in results:
        for mine in r.ours:
            theirs = ours_rules.get(mine.rule)
            if theirs is None or any(
                f.rule == theirs and mine.overlaps(f) for f in r.squawk if f.path == mine.path
            ):
                continue
            found.setdefault((f"{r.name}/{mine.path.name}", mine.rule), []).append(mine.line)
    return found


def where(u: Unreported) -> str:
    return f"{u.folder}/{u.finding.path.name}:{u.finding.line}"


def print_report(results: Sequence[FolderResult], examples: int) -> int:
    unreported = [u for r in results for u in unreported_findings(r)]

    print("\n## Findings per folder\n")
    print(count_table(results))
    print("\n## migration-lint findings per rule\n")
    print(rule_matrix(results, "ours"))
    print("\n## squawk findings per rule (with the migration-lint rule checked against it)\n")
    print(rule_matrix(results, "squawk", COUNTERPART))

    print("\n## Breaking drops, renames and type changes: squawk's findings against ours\n")
    print(check_table(results, unreported))

    missing = [u for u in unreported if u.kind == "missing"]
    print(f"\n### MISSING: squawk drop/rename/type findings we do not report ({len(missing)})\n")
    for u in missing:
        print(f"- {where(u)} [{u.finding.rule}] `{u.sql}`")
    if not missing:
        print("none")

    new_table = [u for u in unreported if u.kind == "new-table"]
    print(f"\n### Not reported: table created earlier in the same migration ({len(new_table)})\n")
    for u in new_table:
        print(f"- {where(u)} [{u.finding.rule}] table {u.table}: `{u.sql}`")
    if not new_table:
        print("none")

    type_changes = [u for u in unreported if u.kind == "type-change"]
    print(f"\n### Type changes squawk reports and we do not ({len(type_changes)})\n")
    pairs = Counter((u.old_type or "?", u.new_type or "?") for u in type_changes)
    print(
        markdown_table(
            ["previous type (last declaration found)", "new type", "count"],
            [[old, new, count] for (old, new), count in pairs.most_common()],
        )
    )
    print()
    for u in type_changes:
        print(f"- {where(u)} {u.table}.{u.column}: {u.old_type or '?'} -> {u.new_type or '?'}")
        print(f"    SQL:      {u.sql}")
        print(f"    declared: {u.old_decl or '(no earlier declaration found)'}")

    print("\n### Our drop/rename/type findings on statements squawk does not flag\n")
    extra = ours_only(results)
    for (name, rule), lines in extra.items():
        print(f"- {name} [{rule}] lines {', '.join(str(line) for line in lines)}")
    if not extra:
        print("none")

    print("\n## squawk drop/rename findings without a migration-lint counterpart rule\n")
    others = [
        (r, f)
        for r in results
        for f in r.squawk
        if DROP_OR_RENAME.match(f.rule) and f.rule not in COUNTERPART
    ]
    per_rule = Counter(f.rule for _, f in others)
    print(markdown_table(["squawk rule", "findings"], per_rule.most_common()))
    for rule, _ in per_rule.most_common():
        shown = [(r, f) for r, f in others if f.rule == rule][:examples]
        if shown:
            print(f"\n{rule} (first {len(shown)}):")
        for r, f in shown:
            line = clean_sql(f.path.read_text("utf-8").split("\n")[f.line - 1])
            print(f"- {r.name}/{f.path.name}:{f.line} `{line}`")
    return 1 if missing else 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "corpus",
        nargs="?",
        type=Path,
        default=DEFAULT_CORPUS,
        help="a folder of migration folders, or one migration folder [../shared/corpus/drizzle]",
    )
    add_tool_arguments(parser)
    parser.add_argument(
        "--examples",
        type=int,
        default=5,
        help="SQL lines shown per squawk rule that has no counterpart [5]",
    )
    args = parser.parse_args()
    corpus: Path = args.corpus.resolve()
    if not corpus.is_dir():
        print(
            f"corpus folder not found: {corpus}\n"
            "It is not part of the repository: pass the folder of drizzle-kit migration folders "
            "as an argument.",
            file=sys.stderr,
        )
        return 2
    folders = migration_folders(corpus)
    if not folders:
        print(f"no folder with .sql files in {corpus}", file=sys.stderr)
        return 2
    tools = find_tools(parser, args)
    if tools is None:
        return 2
    migration_lint, squawk = tools

    versions = {
        name: subprocess.run([binary, "--version"], capture_output=True, text=True).stdout.strip()
        for name, binary in (("migration-lint", migration_lint), ("squawk", squawk))
    }
    print(f"# migration-lint vs squawk on {corpus}\n")
    print(f"- {versions['migration-lint']}: `migration-lint lint --format json FOLDER`")
    print(f"- {versions['squawk']}: `squawk --reporter json FOLDER/*.sql`")
    print("- both with their defaults: no transaction flag, no rule selection, no config file")
    configs = sorted({path for folder in folders for path in config_files(folder)})
    for path in configs:
        print(f"- WARNING: a config file either tool may read: {path}")

    results = []
    for folder in folders:
        result = lint_folder(folder, migration_lint, squawk)
        if result.ours_summary.get("files") != len(result.sql_files):
            print(
                f"- note: {result.name}: migration-lint linted {result.ours_summary.get('files')} "
                f"files, the folder has {len(result.sql_files)} .sql files"
            )
        results.append(result)
    return print_report(results, args.examples)


if __name__ == "__main__":
    sys.exit(main())
