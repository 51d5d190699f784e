"""What a newcomer meets first: ``snowpath status`` from anywhere (where the data lives, a
clear line for a missing or unmigrated database, no file created), ``/`` pointing to
``/docs``, and the access log's switch. The server's banner, a busy port and the access log
of a real server are in tests/api/test_serve.py."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from flask.testing import FlaskClient

from api import create_app
from api.settings import load
from revisions import RevisionStore


def _files(root: Path) -> list[Path]:
    return sorted(path for path in root.rglob("*") if path.is_file())


@pytest.fixture
def outside(tmp_path: Path) -> tuple[Path, Path]:
    """A working folder outside the checkout and a home folder, both empty."""
    (tmp_path / "cwd").mkdir()
    (tmp_path / "home").mkdir()
    return tmp_path / "cwd", tmp_path / "home"


def _snowpath(cwd: Path, home: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    """The command as a newcomer runs it: no SNOWPATH_* setting, only HOME (and PATH)."""
    return subprocess.run(
        [sys.executable, "-m", "api.cli", *args],
        cwd=cwd,
        env={"HOME": str(home), "PATH": "/usr/bin:/bin", **env},
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_status_outside_the_checkout_names_the_data_folder_and_a_missing_database(
    outside: tuple[Path, Path],
) -> None:
    cwd, home = outside
    done = _snowpath(cwd, home, "status")
    data = home / ".local" / "share" / "snowpath"
    assert done.returncode == 1
    assert done.stdout.splitlines() == [
        f"Data folder: {data}",
        f"Database:    sqlite:///{data / 'snowpath.db'}",
    ]
    assert done.stderr == (
        f"No database at {data / 'snowpath.db'}: run 'snowpath db upgrade' to create it.\n"
    )
    assert _files(cwd) == []
    assert _files(home) == []  # no stray database, here or there


def test_status_on_an_unmigrated_database_says_to_upgrade(outside: tuple[Path, Path]) -> None:
    cwd, home = outside
    data = home / ".local" / "share" / "snowpath"
    data.mkdir(parents=True)
    sqlite3.connect(data / "snowpath.db").close()  # an empty file: no tables
    done = _snowpath(cwd, home, "status")
    assert done.returncode == 1
    assert "Traceback" not in done.stderr
    assert done.stderr == (
        f"The database sqlite:///{data / 'snowpath.db'} is not migrated to the newest "
        "schema: run 'snowpath db upgrade'.\n"
    )


def test_status_after_db_upgrade_from_anywhere_sees_the_same_store(
    outside: tuple[Path, Path], tmp_path: Path
) -> None:
    cwd, home = outside
    assert _snowpath(cwd, home, "db", "upgrade").returncode == 0
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    done = _snowpath(elsewhere, home, "status")
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[3].split()[:2] == ["MAIN", "UP_TO_DATE"]
    assert _files(cwd) == _files(elsewhere) == []


def test_status_hides_the_database_password_and_says_it_cannot_connect(
    outside: tuple[Path, Path],
) -> None:
    cwd, home = outside
    url = "postgresql+psycopg://someone:s3cret@127.0.0.1:1/nowhere"
    done = _snowpath(cwd, home, "status", SNOWPATH_DATABASE_URL=url)
    assert done.returncode == 1
    assert "s3cret" not in done.stdout + done.stderr
    assert "Database:    postgresql+psycopg://someone:***@127.0.0.1:1/nowhere" in done.stdout
    assert done.stderr.startswith("Cannot open the database postgresql+psycopg://someone:***@")
    assert len(done.stderr.splitlines()) == 1


def test_the_root_redirects_to_the_docs(client: FlaskClient) -> None:
    response = client.get("/")
    assert response.status_code == 302
    assert response.headers["Location"] == "/docs"
    assert client.get("/", follow_redirects=True).request.path == "/docs"


def test_the_access_log_is_one_line_per_request_and_can_be_turned_off(
    store: RevisionStore, capsys: pytest.CaptureFixture[str]
) -> None:
    on = create_app(load({}), store=store).test_client()
    off = create_app(load({"SNOWPATH_ACCESS_LOG": "off"}), store=store).test_client()
    capsys.readouterr()
    with on.get("/branches/MAIN?x=1") as response:  # the line comes once it is sent
        body = response.data
    lines = capsys.readouterr().err.splitlines()
    assert len(lines) == 1
    assert lines[0].split()[:3] == ["GET", "/branches/MAIN?x=1", "200"]
    assert lines[0].split()[4] == f"{len(body)}B"
    with off.get("/branches/MAIN") as response:
        assert response.status_code == 200
    assert capsys.readouterr().err == ""


def test_the_access_log_setting_takes_on_or_off_only() -> None:
    assert load({}).access_log
    assert not load({"SNOWPATH_ACCESS_LOG": "OFF"}).access_log
    with pytest.raises(ValueError, match="SNOWPATH_ACCESS_LOG must be on or off"):
        load({"SNOWPATH_ACCESS_LOG": "maybe"})
