"""The world of spec/snowowl-rest-api.txt, built on a store with a pinned clock.

Timeline (wall clock, UTC):
- 2019-08-01  MAIN (code system SNOMEDCT): A1, A2. Version SNOMEDCT 2019-07-31.
- 2020-01-10  SNOMEDCT-UK-CL created on SNOMEDCT/2019-07-31; U1, U2 on its working branch.
- 2020-08-10  Version SNOMEDCT-UK-CL 2020-08-05.
- 2020-09-01  U3, U1 changed. Task 101 starts; then U4 on the working branch, T101 on the task.
- 2021-02-10  MAIN: A3, A1 changed. Version SNOMEDCT 2021-01-31.
- 2021-03-01  SNOMEDCT-UK-CL upgraded to SNOMEDCT/2021-01-31; U5 on its new working branch.
- 2021-04-01  Task 100 on the new working branch; T100 on it.
- 2021-09-01T13:50:00Z (1630504200000)  MAIN: the 2021-07-31 import: A4, A2 changed.
"""

from __future__ import annotations

from datetime import UTC, datetime

from revisions import ManualClock, RevisionStore
from tests.revisions.helpers import change, concept

IMPORT_2021_07_31 = 1_630_504_200_000
UK = "SNOMEDCT-UK-CL"


def at(text: str) -> int:
    return int(datetime.fromisoformat(text).replace(tzinfo=UTC).timestamp() * 1000)


def build(store: RevisionStore, clock: ManualClock) -> None:
    cs = store.codesystems
    clock.set(at("2019-08-01T10:00:00"))
    cs.create("SNOMEDCT", "SNOMED CT International", branch_path="MAIN")
    store.commit(
        "MAIN",
        "int",
        "2019 content",
        [concept("A1", module_id="int"), concept("A2", module_id="int")],
    )
    cs.create_version("SNOMEDCT", "2019-07-31", "20190731")
    clock.set(at("2020-01-10T10:00:00"))
    cs.create(UK, "SNOMED CT UK Clinical", extension_of="SNOMEDCT/2019-07-31")
    wb_old = f"MAIN/2019-07-31/{UK}"
    store.commit(
        wb_old, "uk", "first", [concept("U1", module_id="uk"), concept("U2", module_id="uk")]
    )
    clock.set(at("2020-08-10T10:00:00"))
    cs.create_version(UK, "2020-08-05", "20200805")
    clock.set(at("2020-09-01T10:00:00"))
    store.commit(wb_old, "uk", "after 2020-08-05", [concept("U3"), change("U1", module_id="uk2")])
    store.create_branch(wb_old, "101")
    store.commit(wb_old, "uk", "after task 101 started", [concept("U4")])
    store.commit(f"{wb_old}/101", "uk", "task 101", [concept("T101")])
    clock.set(at("2021-02-10T10:00:00"))
    store.commit("MAIN", "int", "2021 content", [concept("A3"), change("A1", module_id="int2")])
    cs.create_version("SNOMEDCT", "2021-01-31", "20210131")
    clock.set(at("2021-03-01T10:00:00"))
    cs.upgrade(UK, "SNOMEDCT/2021-01-31", "uk", "upgrade to 2021-01-31")
    wb_new = f"MAIN/2021-01-31/{UK}"
    store.commit(wb_new, "uk", "after upgrade", [concept("U5")])
    clock.set(at("2021-04-01T10:00:00"))
    store.create_branch(wb_new, "100")
    store.commit(f"{wb_new}/100", "uk", "task 100", [concept("T100")])
    clock.set(IMPORT_2021_07_31)
    store.commit(
        "MAIN", "int", "2021-07-31 import", [concept("A4"), change("A2", module_id="int3")]
    )
