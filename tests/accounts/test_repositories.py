"""Repository records (``accounts.repositories``) on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest

from accounts import repositories
from accounts.repositories import (
    OwnerNotFound,
    Repository,
    RepositoryExists,
    RepositoryNotFound,
)
from revisions import RevisionStore
from tests.api.ocl.owners import org, user


@pytest.fixture
def owned(store: RevisionStore) -> Repository:
    org(store, "WHO")
    store.codesystems.create("ICD", "ICD-10")
    return repositories.add(store.engine, Repository("ICD", "orgs", "WHO", "ICD"))


def test_add_and_get_by_owner_path(store: RevisionStore, owned: Repository) -> None:
    assert repositories.get(store.engine, "orgs", "WHO", "ICD") == owned
    assert repositories.by_codesystem(store.engine, "ICD") == owned


def test_unknown_owner_and_unknown_repository(store: RevisionStore, owned: Repository) -> None:
    with pytest.raises(OwnerNotFound):
        repositories.get(store.engine, "orgs", "NOPE", "ICD")
    with pytest.raises(RepositoryNotFound):
        repositories.get(store.engine, "orgs", "WHO", "NOPE")
    assert repositories.by_codesystem(store.engine, "NOPE") is None


def test_owner_must_exist_to_add(store: RevisionStore) -> None:
    store.codesystems.create("X", "X")
    with pytest.raises(OwnerNotFound):
        repositories.add(store.engine, Repository("X", "users", "nobody", "X"))


def test_repo_id_is_unique_per_owner(store: RevisionStore, owned: Repository) -> None:
    store.codesystems.create("ICD2", "ICD-10 again")
    with pytest.raises(RepositoryExists):
        repositories.add(store.engine, Repository("ICD2", "orgs", "WHO", "ICD"))
    user(store, "jdoe")
    other = repositories.add(store.engine, Repository("ICD2", "users", "jdoe", "ICD"))
    assert repositories.get(store.engine, "users", "jdoe", "ICD") == other


def test_lists_per_owner_and_all(store: RevisionStore, owned: Repository) -> None:
    user(store, "jdoe")
    store.codesystems.create("MINE", "Mine")
    mine = repositories.add(store.engine, Repository("MINE", "users", "jdoe", "MINE"))
    assert list(repositories.list_for(store.engine, "users", "jdoe")) == [mine]
    assert list(repositories.list_for(store.engine)) == [owned, mine]


def test_update_and_remove(store: RevisionStore, owned: Repository) -> None:
    changed = repositories.update(store.engine, "ICD", public_access="None")
    assert changed.public_access == "None"
    repositories.remove(store.engine, "ICD")
    assert repositories.by_codesystem(store.engine, "ICD") is None
    with pytest.raises(RepositoryNotFound):
        repositories.update(store.engine, "ICD", public_access="View")
