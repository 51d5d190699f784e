"""``snowpath users create`` and ``snowpath users token`` on a real SQLite file, and the
administrator ``snowpath serve`` makes on its first start (its token in the banner, once)."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from accounts.schema import users
from accounts.store import Accounts
from api.cli import main
from api.settings import load
from revisions import make_engine


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("SNOWPATH_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.delenv("SNOWPATH_DATABASE_URL", raising=False)
    monkeypatch.delenv("SNOWPATH_REDIS_URL", raising=False)
    return tmp_path / "data"


# Stored only as its hash. A space and "!" are outside the hash's alphabet, so the check
# below cannot fail by chance: with "pw" it did once in a run, the hash's base64 holding
# the two letters.
PASSWORD = "pw of ann!"


def _accounts() -> Accounts:
    return Accounts(make_engine(load().database_url))


def test_users_create_prints_a_token_of_the_new_user(data_dir: Path) -> None:
    result = CliRunner().invoke(
        main, ["users", "create", "--username", "ann", "--password", PASSWORD, "--admin"]
    )
    assert result.exit_code == 0, result.output
    token = result.output.strip()
    accounts = _accounts()
    user = accounts.resolve_token(token)
    assert user is not None
    assert (user.username, user.is_staff) == ("ann", True)
    assert accounts.login("ann", PASSWORD).username == "ann"
    with accounts.engine.connect() as connection:
        stored = connection.execute(select(users.c.password_hash)).scalar_one()
    assert stored.startswith("$argon2id$")
    assert PASSWORD not in stored
    accounts.engine.dispose()


def test_users_create_without_admin_is_not_staff(data_dir: Path) -> None:
    args = ["users", "create", "--username", "bob", "--password", "pw", "--email", "b@x.org"]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.output
    accounts = _accounts()
    bob = accounts.get_user("bob")
    assert (bob.is_staff, bob.email) == (False, "b@x.org")
    accounts.engine.dispose()


def test_users_create_twice_is_one_line_and_exit_code_1(data_dir: Path) -> None:
    args = ["users", "create", "--username", "ann", "--password", "pw"]
    assert CliRunner().invoke(main, args).exit_code == 0
    again = CliRunner().invoke(main, args)
    assert again.exit_code == 1
    assert "A user with this username already exists." in again.output


def test_users_token_prints_a_new_token_each_time(data_dir: Path) -> None:
    CliRunner().invoke(main, ["users", "create", "--username", "ann", "--password", "pw"])
    first = CliRunner().invoke(main, ["users", "token", "--username", "ann"]).output.strip()
    second = CliRunner().invoke(main, ["users", "token", "--username", "ann"]).output.strip()
    assert first != second
    accounts = _accounts()
    assert [accounts.resolve_token(t).username for t in (first, second)] == ["ann", "ann"]
    accounts.engine.dispose()


def test_users_token_of_an_unknown_user_fails(data_dir: Path) -> None:
    result = CliRunner().invoke(main, ["users", "token", "--username", "nobody"])
    assert result.exit_code == 1
    assert "User 'nobody' does not exist." in result.output
