"""A wrong setting stops `run.py` with one line naming it: exit status 2, no traceback.

Each case runs the real entry point in an empty directory (no `.env` to fall
back on) with a clean environment, as an operator's first start would.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from bot.config import Settings, SettingsError, load_settings
from db.migrate import PROJECT_ROOT

RUN_PY = str(PROJECT_ROOT / "run.py")
GOOD_TOKEN = "123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw0"
EXIT_CONFIG = 2


def run_py(
    cwd: Path, env: dict[str, str], *args: str, command: list[str] | None = None
) -> subprocess.CompletedProcess[str]:
    base = {"PATH": os.environ.get("PATH", ""), "HOME": os.environ.get("HOME", str(cwd))}
    return subprocess.run(
        [*(command or [sys.executable, RUN_PY]), *args],
        cwd=cwd,
        env={**base, **env},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def assert_one_line_about(result: subprocess.CompletedProcess[str], setting: str) -> None:
    lines = result.stderr.strip().splitlines()
    assert result.returncode == EXIT_CONFIG, result.stderr
    assert len(lines) == 1, result.stderr
    assert setting in lines[0]
    assert lines[0].startswith("Configuration error:")
    assert "Traceback" not in result.stderr + result.stdout


BAD_SETTINGS = {
    "no token": ({}, "BOT_TOKEN"),
    "token of the wrong shape": ({"BOT_TOKEN": "123456789:short"}, "BOT_TOKEN"),
    "unknown time zone": ({"TIMEZONE": "Mars/Olympus_Mons"}, "TIMEZONE"),
    "unparsable database url": ({"DATABASE_URL": "::not a url::"}, "DATABASE_URL"),
    "unsupported driver": ({"DATABASE_URL": "mysql+aiomysql://u@h/db"}, "DATABASE_URL"),
    "admin ids not numbers": ({"ADMIN_IDS": "123,owner"}, "ADMIN_IDS"),
    "redis url scheme": ({"REDIS_URL": "http://127.0.0.1:6379"}, "REDIS_URL"),
    # redis-py raised its ValueError only when the bot built the storage: a traceback.
    "redis port not a number": ({"REDIS_URL": "redis://127.0.0.1:abc/0"}, "REDIS_URL"),
    "log level": ({"LOG_LEVEL": "LOUD"}, "LOG_LEVEL"),
}
# The same rule for the rest, checked in-process: a subprocess each would only add seconds.
MORE_BAD_SETTINGS = {
    "sync postgres driver": ({"DATABASE_URL": "postgresql://u@h/db"}, "DATABASE_URL"),
    "redis ttl": ({"REDIS_STATE_TTL_DAYS": "0"}, "REDIS_STATE_TTL_DAYS"),
    "api url": ({"TELEGRAM_API_URL": "ftp://example.org"}, "TELEGRAM_API_URL"),
    "default locale": ({"DEFAULT_LOCALE": "de"}, "DEFAULT_LOCALE"),
    "sweep interval": ({"SWEEP_INTERVAL_SECONDS": "0"}, "SWEEP_INTERVAL_SECONDS"),
    "send rate": ({"SEND_RATE_PER_SECOND": "fast"}, "SEND_RATE_PER_SECOND"),
    "database port": ({"DATABASE_URL": "postgresql+asyncpg://u@h:abc/db"}, "DATABASE_URL"),
    "database port range": ({"DATABASE_URL": "postgresql+asyncpg://u@h:99999/d"}, "DATABASE_URL"),
    "redis port range": ({"REDIS_URL": "redis://127.0.0.1:70000/0"}, "REDIS_URL"),
    "redis port zero": ({"REDIS_URL": "redis://127.0.0.1:0/0"}, "REDIS_URL"),
    # redis-py takes a path that is no number for database 0, without a word.
    "redis database not a number": ({"REDIS_URL": "redis://127.0.0.1:6379/zero"}, "REDIS_URL"),
    "redis database negative": ({"REDIS_URL": "redis://127.0.0.1:6379/-1"}, "REDIS_URL"),
    "redis query option": ({"REDIS_URL": "redis://127.0.0.1:6379?db=zero"}, "REDIS_URL"),
    "api url port": ({"TELEGRAM_API_URL": "http://127.0.0.1:abc"}, "TELEGRAM_API_URL"),
    "api url host": ({"TELEGRAM_API_URL": "http://"}, "TELEGRAM_API_URL"),
    # Beyond 64 bits: accepted, and then every booking failed writing the owner's notice.
    "admin id too big": ({"ADMIN_IDS": "1,99999999999999999999"}, "ADMIN_IDS"),
    "admin id negative": ({"ADMIN_IDS": "-100123"}, "ADMIN_IDS"),
    "admin id zero": ({"ADMIN_IDS": "0"}, "ADMIN_IDS"),
    "admin id other digits": ({"ADMIN_IDS": "\u0661\u0662\u0663"}, "ADMIN_IDS"),
}


@pytest.mark.parametrize(("env", "setting"), BAD_SETTINGS.values(), ids=BAD_SETTINGS.keys())
def test_bad_setting_stops_the_start_with_one_line(
    tmp_path: Path, env: dict[str, str], setting: str
) -> None:
    token = {} if setting == "BOT_TOKEN" else {"BOT_TOKEN": GOOD_TOKEN}
    result = run_py(tmp_path, {**token, **env})
    assert_one_line_about(result, setting)
    assert all(value not in result.stderr for value in token.values())  # secrets stay secret


def load_from(env: dict[str, str], monkeypatch: pytest.MonkeyPatch, cwd: Path) -> Settings:
    """The settings from `env` alone (plus a good token), in an empty directory."""
    monkeypatch.chdir(cwd)
    for name in os.environ:
        if name.upper() in Settings.model_fields or name.lower() in Settings.model_fields:
            monkeypatch.delenv(name)
    for name, value in {"BOT_TOKEN": GOOD_TOKEN, **env}.items():
        monkeypatch.setenv(name, value)
    return load_settings(Settings)


@pytest.mark.parametrize(
    ("env", "setting"), MORE_BAD_SETTINGS.values(), ids=MORE_BAD_SETTINGS.keys()
)
def test_every_other_setting_is_validated_with_its_name(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, env: dict[str, str], setting: str
) -> None:
    with pytest.raises(SettingsError) as error:
        load_from(env, monkeypatch, tmp_path)
    assert str(error.value).startswith(f"Configuration error: {setting}")
    assert "\n" not in str(error.value)


def test_the_lines_say_what_is_wrong(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def line(env: dict[str, str]) -> str:
        with pytest.raises(SettingsError) as error:
            load_from(env, monkeypatch, tmp_path)
        return str(error.value)

    assert line({"ADMIN_IDS": "1, 99999999999999999999"}) == (
        "Configuration error: ADMIN_IDS must be Telegram user ids, positive numbers up to "
        "9223372036854775807, got 99999999999999999999"
    )
    assert line({"REDIS_URL": "redis://127.0.0.1:abc/0"}) == (
        "Configuration error: REDIS_URL port 'abc' is not a number from 1 to 65535"
    )
    assert line({"REDIS_URL": "redis://127.0.0.1:6379/zero"}) == (
        "Configuration error: REDIS_URL database 'zero' (the path after the host) "
        "must be a number such as 0"
    )
    # The password stays out of the line.
    assert "secret" not in line({"REDIS_URL": "redis://:secret@127.0.0.1:abc/0"})
    assert "secret" not in line({"DATABASE_URL": "postgresql+asyncpg://u:secret@h:abc/db"})


REDIS_URLS_KEPT = [
    "redis://127.0.0.1:6379",
    "redis://127.0.0.1:6379/",
    "redis://:p%40ss@redis:6379/3",
    "rediss://redis.example.org/1",
    "redis://[::1]:6379/0",
    "unix:///run/redis/redis.sock?db=2",
]


@pytest.mark.parametrize("url", REDIS_URLS_KEPT)
def test_good_redis_urls_are_kept(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, url: str
) -> None:
    assert load_from({"REDIS_URL": url}, monkeypatch, tmp_path).redis_url == url


def test_the_largest_telegram_id_is_kept(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    settings = load_from({"ADMIN_IDS": "1; 9223372036854775807 ,"}, monkeypatch, tmp_path)
    assert settings.admin_ids == [1, 2**63 - 1]


@pytest.mark.parametrize("command", ["migrate", "check", "demo-data", "backup"])
def test_every_command_reports_a_bad_setting_the_same_way(tmp_path: Path, command: str) -> None:
    env = {"BOT_TOKEN": GOOD_TOKEN, "DATABASE_URL": "oracle://scott@tiger/db"}
    assert_one_line_about(run_py(tmp_path, env, command), "DATABASE_URL")


def test_uv_run_without_a_token_says_so_in_one_line(tmp_path: Path) -> None:
    uv = shutil.which("uv")
    if uv is None:
        pytest.skip("uv is not on PATH")
    # --no-sync: the project's environment is already there; syncing could print
    # "Installed ..." lines of its own, which are not ours to check.
    command = [uv, "run", "--project", str(PROJECT_ROOT), "--no-sync", "python", RUN_PY]
    env = {key: value for key, value in os.environ.items() if key.startswith("UV_")}
    assert_one_line_about(run_py(tmp_path, env, command=command), "BOT_TOKEN is not set")
