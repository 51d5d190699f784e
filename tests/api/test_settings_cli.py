"""Settings from the environment, and the ``snowpath`` command on a real SQLite file."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner
from platformdirs import user_data_path

from api.cli import main
from api.settings import load


def test_defaults_are_the_embedded_mode(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)  # the default does not follow the working directory
    settings = load({})
    data_dir = user_data_path("snowpath", appauthor=False)
    assert settings.data_dir == data_dir
    assert settings.data_dir.is_absolute()
    assert settings.database_url == f"sqlite:///{data_dir / 'snowpath.db'}"
    assert settings.redis_url is None
    assert settings.embedded
    assert settings.export_dir == data_dir / "exports"


def test_environment_overrides_and_blank_means_unset() -> None:
    settings = load(
        {
            "SNOWPATH_DATA_DIR": "/srv/sp",
            "SNOWPATH_REDIS_URL": "redis://r:6379/0",
            "SNOWPATH_DATABASE_URL": " ",
            "SNOWPATH_LOG_LEVEL": "debug",
        }
    )
    assert settings.database_url == "sqlite:////srv/sp/snowpath.db"
    assert settings.redis_url == "redis://r:6379/0"
    assert not settings.embedded
    assert settings.log_level == "DEBUG"


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("SNOWPATH_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.delenv("SNOWPATH_DATABASE_URL", raising=False)
    return tmp_path / "data"


def test_db_upgrade_creates_the_database_with_main(data_dir: Path) -> None:
    result = CliRunner().invoke(main, ["db", "upgrade"])
    assert result.exit_code == 0, result.output
    assert (data_dir / "snowpath.db").exists()
    status = CliRunner().invoke(main, ["status"])
    assert status.exit_code == 0
    lines = status.output.splitlines()
    assert lines[:2] == [
        f"Data folder: {data_dir}",
        f"Database:    sqlite:///{data_dir / 'snowpath.db'}",
    ]
    assert lines[3].split()[:2] == ["MAIN", "UP_TO_DATE"]
