"""ICD-10-CM 2021, 2025 and 2026 imported as successive versions of ICD10CM, checked against
``simple-icd-10-cm``'s own answers (tests/importers/oracle.py): every release's codes,
parents and titles; the ancestors and descendants of 1,000 random codes; and the changes
between two releases read through a path range and through the OCL API's ``updatedSince``,
against a diff of the library's data.

Needs the cached wheels (bin/fetch-data): skipped without them, failed in CI."""

from __future__ import annotations

import hashlib
import os
import random
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from accounts import repositories
from accounts.repositories import Repository
from accounts.store import Accounts
from importers.apply import Summary, apply_releases
from importers.formats import read
from revisions import ReadPoint, RevisionStore, make_engine, upgrade
from tests import services
from tests.clients import client_as
from tests.importers.oracle import as_code, icd10cm_wheels, library, snapshot
from tests.importers.reading import all_of, app_over, ranged, sqlite_store

pytestmark = pytest.mark.slow
CS = "ICD10CM"
RELEASES = ("2021", "2025", "2026")
SAMPLE = 1_000


@pytest.fixture(scope="session")
def libraries() -> dict[str, ModuleType]:
    return {release: library(wheel) for release, wheel in icd10cm_wheels().items()}


@pytest.fixture(scope="session")
def truths(libraries: dict[str, ModuleType]) -> dict[str, dict[str, tuple[Any, ...]]]:
    return {release: snapshot(module) for release, module in libraries.items()}


# The data and the stores below are kept for the session (of each pytest-xdist worker): a
# worker that runs other modules' tests between this module's tears module-scoped fixtures
# down, and the releases were imported again when it came back (three times in a run).
@pytest.fixture(scope="session")
def imported_sqlite(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[RevisionStore, Summary]]:
    store = sqlite_store(request, tmp_path_factory.mktemp("icd"))
    yield store, _import(store)
    store.engine.dispose()


@pytest.fixture(scope="session")
def imported_postgres(request: pytest.FixtureRequest) -> Iterator[tuple[RevisionStore, Summary]]:
    # A database of its own: 600,000 rows deleted from the worker's shared database would
    # leave its tables bloated for every later test there (the model-based test took 466 s
    # instead of 60 s after them).
    request.getfixturevalue("postgres_url")  # the server is there (else skip or fail)
    name = f"snowpath_icd_{os.getpid()}"
    engine = make_engine(services.fresh_postgres_database(name))
    upgrade(engine)
    store = RevisionStore(engine)
    store.initialize()
    yield store, _import(store)
    store.engine.dispose()
    services.drop_postgres_database(name)


@pytest.fixture(
    scope="module", params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]
)
def imported(request: pytest.FixtureRequest) -> tuple[RevisionStore, Summary]:
    """The three releases imported, on each backend: module-scoped with the backend as its
    parameter so that pytest runs each backend's tests together; the stores are the
    session's fixtures above, which a switch of backend or module leaves standing."""
    return request.getfixturevalue(f"imported_{request.param}")


def _import(store: RevisionStore) -> Summary:
    folder = next(iter(icd10cm_wheels().values())).parent
    store.codesystems.create(CS, "ICD-10-CM")
    return apply_releases(store, CS, read("icd10cm", folder), author="importer")


def version(release: str) -> ReadPoint:
    return ReadPoint(f"MAIN/{CS}/{release}")


def test_the_releases_are_successive_versions(imported: tuple[RevisionStore, Summary]) -> None:
    store, summary = imported
    assert [v.version for v in store.codesystems.versions(CS)] == list(RELEASES)
    assert [v.effective_time for v in store.codesystems.versions(CS)] == [
        "20201001",
        "20250401",
        "20260401",
    ]
    later = summary.releases[1].counts
    assert later.created > 0
    assert later.changed > 0
    assert later.retired > 0


@pytest.mark.parametrize("release", RELEASES)
def test_every_code_parent_title_and_inclusion_term_is_the_librarys(
    imported: tuple[RevisionStore, Summary],
    truths: dict[str, dict[str, tuple[Any, ...]]],
    release: str,
) -> None:
    store, _ = imported
    concepts = all_of(store, version(release), "concept")
    descriptions = all_of(store, version(release), "description")
    truth = truths[release]
    assert set(concepts) == set(truth)
    assert {cid: (f["parents"] or [None])[0] for cid, f in concepts.items()} == {
        cid: parent for cid, (parent, _, _) in truth.items()
    }
    titles = {d["concept_id"]: d["term"] for d in descriptions.values() if d["type"] == "FSN"}
    assert titles == {cid: title for cid, (_, title, _) in truth.items()}
    terms: dict[str, set[str]] = {}
    for d in descriptions.values():
        if d["type"] == "SYNONYM":
            terms.setdefault(d["concept_id"], set()).add(d["term"])
    assert terms == {cid: set(t) for cid, (_, _, t) in truth.items() if t}


@pytest.mark.parametrize("release", RELEASES)
def test_ancestors_and_descendants_of_random_codes_are_the_librarys(
    imported: tuple[RevisionStore, Summary], libraries: dict[str, ModuleType], release: str
) -> None:
    store, _ = imported
    module = libraries[release]
    codes = sorted(set(module.get_all_codes()))
    sample = random.Random(20).sample(codes, SAMPLE)
    ancestors = store.ancestors_of(version(release), sample)
    descendants = store.descendants_of(version(release), sample)
    assert ancestors is not None
    assert descendants is not None
    for code in sample:
        assert as_code(ancestors[code]) == set(module.get_ancestors(code)), code
        assert as_code(descendants[code]) == set(module.get_descendants(code)), code


def _term_id(code: str, term: str) -> str:
    return f"{code}-I{hashlib.sha1(term.encode()).hexdigest()[:10]}"


def expected_changes(old: dict, new: dict) -> tuple[set[str], set[str]]:
    """Concept and description ids an independent diff of two releases says changed:
    codes added or gone, parents moved; titles added, gone or reworded; inclusion terms
    added or gone."""
    concepts = set(old) ^ set(new)
    concepts |= {c for c in set(old) & set(new) if old[c][0] != new[c][0]}
    descriptions = {f"{c}-T" for c in set(old) ^ set(new)}
    descriptions |= {f"{c}-T" for c in set(old) & set(new) if old[c][1] != new[c][1]}
    for code in set(old) | set(new):
        before = old[code][2] if code in old else frozenset()
        after = new[code][2] if code in new else frozenset()
        descriptions |= {_term_id(code, term) for term in before ^ after}
    return concepts, descriptions


def _published(store: RevisionStore) -> None:
    """ICD10CM as the source ``/orgs/CDC/sources/ICD10CM/`` (once per store)."""
    if repositories.by_codesystem(store.engine, CS) is not None:
        return
    accounts = Accounts(store.engine)
    accounts.create_user("publisher", is_staff=True)
    accounts.create_org("CDC", "CDC", "publisher")
    repositories.add(store.engine, Repository(CS, "orgs", "CDC", CS))


@pytest.mark.parametrize(("old", "new"), [("2021", "2025"), ("2025", "2026")])
def test_the_changes_between_two_releases_are_the_diff(
    imported: tuple[RevisionStore, Summary],
    truths: dict[str, dict[str, tuple[Any, ...]]],
    tmp_path: Path,
    old: str,
    new: str,
) -> None:
    """Read through a path range (the concepts and descriptions it lists), and through the
    OCL version GET with ``updatedSince`` just after the older version was cut (the concepts
    the newer release changed, itself or one of its names: OCL's edit times are a concept's
    and its descriptions'; retired ones included)."""
    store, _ = imported
    concepts, descriptions = expected_changes(truths[old], truths[new])
    app = app_over(store, tmp_path)
    path = f"MAIN/{CS}/{old}...MAIN/{CS}/{new}"
    assert ranged(client_as(app), path, "concepts") == concepts
    assert ranged(client_as(app), path, "descriptions") == descriptions

    _published(store)
    client = client_as(app, None)
    cut = next(v.created_ts for v in store.codesystems.versions(CS) if v.version == old)
    since = datetime.fromtimestamp((cut + 1) / 1000, UTC).isoformat(timespec="milliseconds")
    response = client.get(
        f"/orgs/CDC/sources/{CS}/{new}/",
        query_string={
            "includeConcepts": "true",
            "includeRetired": "true",
            "limit": "0",
            "updatedSince": since,
        },
    )
    assert response.status_code == 200, response.get_data(as_text=True)
    listed = {concept["id"] for concept in response.get_json()["concepts"]}
    named = {description.rsplit("-", 1)[0] for description in descriptions}
    assert listed == concepts | named
    assert len(listed) > 100
