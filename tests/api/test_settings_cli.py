"""Settings from the environment, and the ``snowpath`` command on a real SQLite file."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from api.cli import main
from api.settings import load


def test_defaults_are_the_embedded_mode() -> None:
    settings = load({})
    assert settings.database_url == "sqlite:///var/snowpath.db"
    assert settings.redis_url is None
    assert settings.embedded
    assert settings.export_dir == Path("var/exports")


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
    assert status.output.splitlines()[1].split()[:2] == ["MAIN", "UP_TO_DATE"]
