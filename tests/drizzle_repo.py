"""A real git repository holding a small drizzle project, for the hook and CI tests."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Iterable
from pathlib import Path

DROP_COUPON = 'ALTER TABLE "orders" DROP COLUMN "coupon";\n'
ALLOW_DROP = "-- migration-lint: allow drop-column -- coupons moved to the promotions service\n"
ROLLBACK = '-- rollback:\n-- ALTER TABLE "orders" ADD COLUMN "coupon" text;\n'
MIGRATIONS = {
    "0000_init": 'CREATE TABLE "users" ("id" serial PRIMARY KEY NOT NULL);\n',
    "0001_orders": 'CREATE TABLE "orders" ("id" serial PRIMARY KEY NOT NULL, "coupon" text);\n',
}


def git(repo: Path, *args: str) -> None:
    subprocess.run(["git", *args], cwd=repo, check=True, capture_output=True)


def journal(tags: list[str]) -> str:
    return journal_of((i, tag, 1767225600000 + i) for i, tag in enumerate(tags))


def journal_of(rows: Iterable[tuple[int, str, int]]) -> str:
    """A drizzle journal with these (idx, tag, when) entries, as drizzle-kit writes it."""
    entries = [
        {"idx": idx, "version": "7", "when": when, "tag": tag, "breakpoints": True}
        for idx, tag, when in rows
    ]
    return json.dumps({"version": "7", "dialect": "postgresql", "entries": entries}, indent=2)


class DrizzleRepo:
    """drizzle.config.ts, src/db/schema-pg.ts and the migrations in `out`, committed on main."""

    def __init__(self, path: Path, out: str, migrations: dict[str, str] = MIGRATIONS) -> None:
        self.path, self.out, self.tags = path, out, list(migrations)
        path.mkdir(parents=True)
        git(path, "init", "-q", "-b", "main")
        git(path, "config", "user.email", "dev@example.com")
        git(path, "config", "user.name", "Dev")
        self.write(
            "drizzle.config.ts",
            'import { defineConfig } from "drizzle-kit";\n\nexport default defineConfig({\n'
            f'  dialect: "postgresql",\n  schema: "./src/db/schema-pg.ts",\n  out: "./{out}",\n}});\n',
        )
        self.write("src/db/schema-pg.ts", "export const users = 1;\n")
        for tag, sql in migrations.items():
            self.write(f"{out}/{tag}.sql", sql)
        self.write(f"{out}/meta/_journal.json", journal(self.tags))
        self.commit("initial schema")

    def write(self, name: str, text: str) -> None:
        target = self.path / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text)

    def change_schema(self) -> None:
        self.write("src/db/schema-pg.ts", "export const users = 2;\n")

    def add_migration(self, tag: str, sql: str) -> None:
        """A new migration and its journal entry."""
        self.tags.append(tag)
        self.write(f"{self.out}/{tag}.sql", sql)
        self.write(f"{self.out}/meta/_journal.json", journal(self.tags))

    def stage(self) -> None:
        git(self.path, "add", "-A")

    def commit(self, message: str) -> None:
        self.stage()
        git(self.path, "commit", "-q", "--no-verify", "-m", message)
