"""The accounts store on SQLite and PostgreSQL: what is stored (hashes, digests, never the
secrets), logins, tokens and their revocation, organisations, members and ownership."""

from __future__ import annotations

import hashlib

import pytest
from sqlalchemy import Engine, select

from accounts import repositories
from accounts.errors import (
    Duplicate,
    Inactive,
    InvalidCredentials,
    InvalidInput,
    NotAllowed,
    NotFound,
)
from accounts.repositories import Repository
from accounts.schema import tokens, users
from accounts.store import Accounts
from revisions import ManualClock, RevisionStore


@pytest.fixture
def accounts(store: RevisionStore, engine: Engine, clock: ManualClock) -> Accounts:
    return Accounts(engine, clock)


def test_the_password_is_stored_as_an_argon2id_hash(accounts: Accounts, engine: Engine) -> None:
    accounts.create_user("ann", "s3cret-pass")
    with engine.connect() as connection:
        stored = connection.execute(select(users.c.password_hash)).scalar_one()
    assert stored.startswith("$argon2id$")
    assert "s3cret-pass" not in stored


def test_a_token_is_stored_as_its_sha256_digest(accounts: Accounts, engine: Engine) -> None:
    accounts.create_user("ann")
    token = accounts.make_token("ann")
    assert len(token) == 40
    assert int(token, 16) >= 0
    with engine.connect() as connection:
        stored = connection.execute(select(tokens.c.digest)).scalars().all()
    assert stored == [hashlib.sha256(token.encode()).hexdigest()]


def test_a_token_resolves_to_its_user_until_revoked(accounts: Accounts) -> None:
    accounts.create_user("ann")
    token = accounts.make_token("ann")
    found = accounts.resolve_token(token)
    assert found is not None
    assert found.username == "ann"
    assert accounts.revoke_token(token) is True
    assert accounts.resolve_token(token) is None
    assert accounts.revoke_token(token) is False


def test_unknown_and_malformed_tokens_resolve_to_nobody(accounts: Accounts) -> None:
    assert accounts.resolve_token("0" * 40) is None
    assert accounts.resolve_token("not a token") is None
    assert accounts.resolve_token("") is None


def test_login_checks_the_password(accounts: Accounts) -> None:
    accounts.create_user("ann", "right")
    assert accounts.login("ann", "right").last_login_ts is not None
    with pytest.raises(InvalidCredentials) as wrong:
        accounts.login("ann", "wrong")
    assert wrong.value.fields == {
        "non_field_errors": ["Unable to log in with provided credentials."]
    }
    with pytest.raises(InvalidCredentials):
        accounts.login("nobody", "right")


def test_a_user_without_a_password_cannot_log_in(accounts: Accounts) -> None:
    accounts.create_user("robot")
    with pytest.raises(InvalidCredentials):
        accounts.login("robot", "")


def test_retiring_revokes_every_token_and_refuses_login(accounts: Accounts) -> None:
    accounts.create_user("ann", "pw")
    first, second = accounts.make_token("ann"), accounts.make_token("ann")
    accounts.retire_user("ann")
    assert accounts.resolve_token(first) is None
    assert accounts.resolve_token(second) is None
    with pytest.raises(Inactive):
        accounts.login("ann", "pw")
    with pytest.raises(NotFound):
        accounts.make_token("ann")
    accounts.reactivate_user("ann")
    assert accounts.resolve_token(first) is None  # revoked for good
    assert accounts.login("ann", "pw").is_active


def test_reactivating_an_active_user_is_not_found(accounts: Accounts) -> None:
    accounts.create_user("ann")
    with pytest.raises(NotFound):
        accounts.reactivate_user("ann")


def test_duplicates_name_the_field(accounts: Accounts) -> None:
    accounts.create_user("ann", email="ann@example.org")
    with pytest.raises(Duplicate) as same_name:
        accounts.create_user("ANN")
    assert list(same_name.value.fields) == ["username"]
    with pytest.raises(Duplicate) as same_email:
        accounts.create_user("bob", email="ann@example.org")
    assert list(same_email.value.fields) == ["email"]


def test_an_email_longer_than_its_column_is_refused(accounts: Accounts) -> None:
    # 321 characters reached the database's varchar(320): a 500 on PostgreSQL
    longest = "e" * 314 + "@x.org"  # 320
    assert accounts.create_user("ann", email=longest).email == longest
    for write in (
        lambda: accounts.create_user("bob", email="e" * 315 + "@x.org"),
        lambda: accounts.update_user("ann", email="e" * 315 + "@x.org"),
    ):
        with pytest.raises(InvalidInput) as refused:
            write()
        assert list(refused.value.fields) == ["email"]
    assert accounts.get_user("ann").email == longest


@pytest.mark.parametrize("name", ["", "a b", "x/y", "login", "a" * 101])
def test_bad_usernames_are_refused(accounts: Accounts, name: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        accounts.create_user(name)
    assert "username" in refused.value.fields


def test_an_org_creator_is_its_admin_and_members_have_roles(accounts: Accounts) -> None:
    accounts.create_user("ada")
    accounts.create_user("mia")
    org = accounts.create_org("OCL", "Open Concept Lab", "ada", public_access="None")
    assert (org.public_access, org.created_by) == ("None", "ada")
    accounts.add_member("OCL", "mia")
    assert [(m.user.username, m.role) for m in accounts.members("OCL")] == [
        ("ada", "admin"),
        ("mia", "member"),
    ]
    accounts.add_member("OCL", "mia", "admin")
    assert accounts.role_in("OCL", accounts.get_user("mia").id) == "admin"
    assert [o.id for o in accounts.orgs_of("mia")] == ["OCL"]
    accounts.remove_member("OCL", "mia")
    assert accounts.role_in("OCL", accounts.get_user("mia").id) is None


def test_the_last_admin_cannot_leave(accounts: Accounts) -> None:
    accounts.create_user("ada")
    accounts.create_org("OCL", "OCL", "ada")
    with pytest.raises(NotAllowed):
        accounts.remove_member("OCL", "ada")


def test_a_duplicate_org_names_the_mnemonic(accounts: Accounts) -> None:
    accounts.create_user("ada")
    accounts.create_org("OCL", "OCL", "ada")
    with pytest.raises(Duplicate) as duplicate:
        accounts.create_org("ocl", "again", "ada")
    assert duplicate.value.fields == {"mnemonic": "Organization with mnemonic ocl already exists."}


def test_a_retired_org_is_not_found(accounts: Accounts) -> None:
    accounts.create_user("ada")
    accounts.create_org("OCL", "OCL", "ada")
    accounts.retire_org("OCL", "ada")
    with pytest.raises(NotFound):
        accounts.get_org("OCL")
    assert accounts.get_org("OCL", include_inactive=True).is_active is False


def test_the_deepest_code_system_governs_a_branch(accounts: Accounts, store: RevisionStore) -> None:
    store.codesystems.create("BASE", "base")
    store.codesystems.create_version("BASE", "v1", "20240101")
    store.codesystems.create("EXT", "ext", extension_of="BASE/v1")
    accounts.create_user("ann")
    owned = Repository("BASE", "users", "ann", "BASE", public_access="None")
    repositories.add(store.engine, owned)
    assert repositories.governing(store.engine, "MAIN") is None
    base = repositories.governing(store.engine, "MAIN/BASE/task/sub")
    assert base is not None
    assert base.codesystem_id == "BASE"
    assert base.repository is not None
    assert base.repository.public_access == "None"
    ext_path = store.codesystems.get("EXT").branch_path
    ext = repositories.governing(store.engine, f"{ext_path}/task")
    assert ext is not None
    assert (ext.codesystem_id, ext.repository) == ("EXT", None)
    # The prepared twin the rights check uses agrees at every depth, run after run (the
    # driver prepares a statement on its fifth run).
    for path in ("MAIN", "MAIN/BASE", "MAIN/BASE/task/sub", f"{ext_path}/task") * 6:
        assert accounts.governing(path) == repositories.governing(store.engine, path), path


def test_a_repository_row_goes_with_its_code_system(
    accounts: Accounts, store: RevisionStore
) -> None:
    store.codesystems.create("CS", "cs")
    accounts.create_user("ada")
    accounts.create_org("OCL", "OCL", "ada")
    repositories.add(store.engine, Repository("CS", "orgs", "OCL", "CS"))
    store.codesystems.delete("CS")
    assert repositories.by_codesystem(store.engine, "CS") is None
