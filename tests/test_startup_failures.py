"""A setting that parses but points at the wrong place stops `run.py` with one line.

At start `run.py` reaches what the settings name: the database (before the
migrations), Redis (a PING) and the Bot API (`getMe`). A failure there is one
line naming the setting, never a traceback, and the exit status tells a service
manager what to do: 2 when the setting itself is wrong (no such database, a
rejected token: a restart would only repeat the line, and deploy/zapis.service
does not restart on 2), 1 when what it names cannot be reached now (refused, no
answer: a restart may well succeed).

Nothing here needs the network: refusals come from ports of 127.0.0.1 that
nothing listens on, and the rejected token from a stand-in on 127.0.0.1.
"""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest
from sqlalchemy.engine import make_url

from db.migrate import PROJECT_ROOT
from tests.databases import postgres_url, redis_url, sqlite_url

RUN_PY = str(PROJECT_ROOT / "run.py")
TOKEN = "123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw0"
# A hung start fails the test instead of the run; a start that fails takes seconds.
FINISH_WAIT_SECONDS = 60
LOG_RECORD = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} (\w+)")
EXIT_FAILED, EXIT_CONFIG = 1, 2


def unused_port() -> int:
    """A port of 127.0.0.1 that nothing listens on (the system just handed it out)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass(frozen=True)
class Finished:
    status: int
    stdout: str
    stderr: str


def start(cwd: Path, settings: dict[str, str], *args: str) -> subprocess.Popen[str]:
    """`run.py` with `settings` over safe defaults: a SQLite file in `cwd` and a Bot
    API nobody answers, so that no case ever reaches the real Telegram."""
    env = {
        "PATH": os.environ.get("PATH", ""),
        "HOME": os.environ.get("HOME", str(cwd)),
        "BOT_TOKEN": TOKEN,
        "DATABASE_URL": sqlite_url(cwd / "zapis.sqlite3"),
        "TELEGRAM_API_URL": f"http://127.0.0.1:{unused_port()}",
        **settings,
    }
    return subprocess.Popen(
        [sys.executable, RUN_PY, *args],
        cwd=cwd,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def finish(process: subprocess.Popen[str]) -> Finished:
    try:
        stdout, stderr = process.communicate(timeout=FINISH_WAIT_SECONDS)
    except subprocess.TimeoutExpired:
        process.kill()
        stdout, stderr = process.communicate()
        pytest.fail(f"run.py still ran after {FINISH_WAIT_SECONDS} s; stderr:\n{stderr}")
    return Finished(process.returncode, stdout, stderr)


def run(cwd: Path, settings: dict[str, str], *args: str) -> Finished:
    return finish(start(cwd, settings, *args))


def assert_stopped_with(result: Finished, line: str, status: int) -> None:
    """Exit `status`, and `line` is the one thing on stderr that is not a log record
    of the start (those come first, at INFO and WARNING)."""
    output = result.stdout + result.stderr
    assert "Traceback" not in output, output
    lines = result.stderr.strip().splitlines()
    assert [text for text in lines if not LOG_RECORD.match(text)] == [line], result.stderr
    assert lines[-1] == line
    levels = {match.group(1) for text in lines if (match := LOG_RECORD.match(text))}
    assert not levels & {"ERROR", "CRITICAL"}, result.stderr
    assert result.status == status, result.stderr
    assert TOKEN not in output


# The database: reached before the migrations, so no aiogram import, well under a second.


def test_postgres_refusing_connections(tmp_path: Path) -> None:
    port = unused_port()
    result = run(tmp_path, {"DATABASE_URL": f"postgresql+asyncpg://zapis@127.0.0.1:{port}/zapis"})
    assert_stopped_with(
        result,
        f"Unavailable: DATABASE_URL: cannot connect to PostgreSQL at 127.0.0.1:{port} "
        "(connection refused)",
        EXIT_FAILED,
    )


def test_migrate_says_the_same(tmp_path: Path) -> None:
    port = unused_port()
    url = f"postgresql+asyncpg://zapis@127.0.0.1:{port}/zapis"
    assert_stopped_with(
        run(tmp_path, {"DATABASE_URL": url}, "migrate"),
        f"Unavailable: DATABASE_URL: cannot connect to PostgreSQL at 127.0.0.1:{port} "
        "(connection refused)",
        EXIT_FAILED,
    )


def _server_of(url: str) -> str:
    parsed = make_url(url)
    return f"{parsed.host or 'localhost'}:{parsed.port or 5432}"


def test_postgres_database_that_does_not_exist(tmp_path: Path) -> None:
    url = make_url(postgres_url()).set(database="zapis_no_such_database")
    result = run(tmp_path, {"DATABASE_URL": url.render_as_string(hide_password=False)})
    assert_stopped_with(
        result,
        f"Configuration error: DATABASE_URL: PostgreSQL at {_server_of(postgres_url())} "
        'refused the connection: database "zapis_no_such_database" does not exist',
        EXIT_CONFIG,
    )
    assert not url.password or url.password not in result.stderr


def test_postgres_role_that_does_not_exist(tmp_path: Path) -> None:
    url = make_url(postgres_url()).set(username="zapis_no_such_role", password="not-this-one")
    result = run(tmp_path, {"DATABASE_URL": url.render_as_string(hide_password=False)})
    line = result.stderr.strip().splitlines()[-1] if result.stderr.strip() else ""
    # "role ... does not exist" or "password authentication failed": the server decides.
    prefix = f"Configuration error: DATABASE_URL: PostgreSQL at {_server_of(postgres_url())} "
    assert line.startswith(prefix + "refused the connection: "), result.stderr
    assert_stopped_with(result, line, EXIT_CONFIG)
    assert "not-this-one" not in result.stderr


def test_sqlite_file_in_a_folder_that_cannot_be_made(tmp_path: Path) -> None:
    result = run(tmp_path, {"DATABASE_URL": "sqlite+aiosqlite:////proc/nope/zapis.sqlite3"})
    assert_stopped_with(
        result,
        "Configuration error: DATABASE_URL: cannot create the folder /proc/nope for the "
        "SQLite file (no such file or directory)",
        EXIT_CONFIG,
    )


def test_sqlite_url_naming_a_folder(tmp_path: Path) -> None:
    # Before: aiosqlite's worker thread added "Event loop is closed" to the traceback.
    result = run(tmp_path, {"DATABASE_URL": sqlite_url(tmp_path)})
    assert_stopped_with(
        result,
        f"Configuration error: DATABASE_URL: {tmp_path} is a folder, not a SQLite database file",
        EXIT_CONFIG,
    )


# Redis: a PING, also before aiogram is imported.


def test_redis_refusing_connections(tmp_path: Path) -> None:
    port = unused_port()
    assert_stopped_with(
        run(tmp_path, {"REDIS_URL": f"redis://127.0.0.1:{port}/0"}),
        f"Unavailable: REDIS_URL: cannot connect to Redis at 127.0.0.1:{port} (connection refused)",
        EXIT_FAILED,
    )


def test_redis_database_beyond_the_servers(tmp_path: Path) -> None:
    server = urlsplit(redis_url())
    url = urlunsplit(server._replace(path="/99999", query=""))
    assert_stopped_with(
        run(tmp_path, {"REDIS_URL": url}),
        f"Configuration error: REDIS_URL: Redis at {server.hostname}:{server.port or 6379} "
        "refused the connection: DB index is out of range",
        EXIT_CONFIG,
    )


# The Bot API: `getMe` once aiogram is imported, which takes seconds, so these
# starts run side by side (see `bot_api_failures`).


class _RejectsEveryToken(BaseHTTPRequestHandler):
    """What the Bot API answers a revoked token: 401 Unauthorized."""

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        body = b'{"ok": false, "error_code": 401, "description": "Unauthorized"}'
        self.send_response(401)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_GET = do_POST

    def log_message(self, format: str, *args: object) -> None:
        pass


@contextmanager
def token_rejecting_api() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _RejectsEveryToken)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


@dataclass(frozen=True)
class Expected:
    result: Finished
    line: str
    status: int


@pytest.fixture(scope="module")
def bot_api_failures(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Expected]]:
    """Both cases below, started at once; each test then checks its own."""
    refused_api = f"http://127.0.0.1:{unused_port()}"
    with token_rejecting_api() as rejecting_api:
        cases = {
            "bot api refused": (
                {"TELEGRAM_API_URL": refused_api},
                f"Unavailable: TELEGRAM_API_URL: cannot reach the Bot API at {refused_api} "
                "(connection refused)",
                EXIT_FAILED,
            ),
            "token rejected": (
                {"TELEGRAM_API_URL": rejecting_api},
                f"Configuration error: BOT_TOKEN: the Bot API at {rejecting_api} does not "
                "accept the token (Unauthorized): it was revoked or mistyped; @BotFather "
                "gives the current one",
                EXIT_CONFIG,
            ),
        }
        started = {
            name: start(tmp_path_factory.mktemp(name.replace(" ", "-")), settings)
            for name, (settings, _line, _status) in cases.items()
        }
        yield {
            name: Expected(finish(process), cases[name][1], cases[name][2])
            for name, process in started.items()
        }


@pytest.mark.parametrize("case", ["bot api refused", "token rejected"])
def test_the_bot_api_is_reached_at_start(bot_api_failures: dict[str, Expected], case: str) -> None:
    expected = bot_api_failures[case]
    assert_stopped_with(expected.result, expected.line, expected.status)
