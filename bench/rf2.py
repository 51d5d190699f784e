"""The synthetic terminology (``bench.data``) as an RF2 Snapshot package, and how fast it reads.

:func:`write` writes the standard tab-separated files of a Snapshot (concepts, descriptions,
relationships, the US English language refset, an association refset) into a folder, in the
layout of a real release; :func:`zipped` packs that folder. The content is exactly
:class:`~bench.data.Terminology`'s: each parent an IS-A relationship, each FSN and synonym a
description whose preferred flag is its language refset row (preferred or acceptable), each
mapping an association refset row. RF2 has no field for a concept's class nor a mapping's
sort weight; map types with no SNOMED association refset (NARROWER-THAN, BROADER-THAN) get
refset ids of their own, which read back as those ids. About 140,000 attribute
relationships (not IS-A, so not parents) bring the relationships to ~500,000 at scale 1.0,
as in a real release where the reader must pass over them. :func:`expected` is what
``importers.rf2`` should read back: the round-trip test and the API check compare with it.

    .venv/bin/python -m bench.rf2 [--scale 1.0] [--out FOLDER] [--zip] [--full]

prints the write time, and the read time and peak memory of ``importers.rf2`` reading the
whole package in a process of its own, with the load average.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

from bench.data import MODULE, Terminology, _sctid
from bench.report import log
from exporter.ocl import Component
from importers import rf2

RELEASE = "20250131"
PRIMITIVE = "900000000000074008"
CASE_INSENSITIVE = "900000000000448009"
INFERRED = "900000000000011006"
EXISTENTIAL = "900000000000451002"
US_ENGLISH = "900000000000509007"
ACCEPTABLE = "900000000000549004"
FSN, SYNONYM = "900000000000003001", "900000000000013009"
ATTRIBUTE = _sctid(9_000_000, "00")  # an invented attribute: relationships that are not IS-A
MAP_TYPE_REFSETS = {
    "SAME-AS": "900000000000527005",
    "REPLACED-BY": "900000000000526001",
    "POSSIBLY-EQUIVALENT-TO": "900000000000523009",
    "NARROWER-THAN": _sctid(9_000_001, "00"),
    "BROADER-THAN": _sctid(9_000_002, "00"),
}
_PATHS = {
    "concept": "Terminology/sct2_Concept_{type}_INT_{date}.txt",
    "description": "Terminology/sct2_Description_{type}-en_INT_{date}.txt",
    "relationship": "Terminology/sct2_Relationship_{type}_INT_{date}.txt",
    "language": "Refset/Language/der2_cRefset_Language{type}-en_INT_{date}.txt",
    "association": "Refset/Content/der2_cRefset_Association{type}_INT_{date}.txt",
}


def write(data: Terminology, folder: Path, release_type: str = "Snapshot") -> Path:
    """Write ``data`` as an RF2 Snapshot under ``folder``; the package's root folder. With
    ``release_type="Full"`` the same rows make a Full package of one effectiveTime."""
    root = folder / f"SnomedCT_SnowpathBench{release_type}_{RELEASE}"
    files = {
        kind: _open(root / release_type / path.format(type=release_type, date=RELEASE))
        for kind, path in _PATHS.items()
    }
    try:
        for kind, handle in files.items():
            handle.write("\t".join(rf2.rf2_files.COLUMNS[kind]) + "\n")
        _concepts(data, files["concept"], files["relationship"])
        _descriptions(data, files["description"], files["language"])
        _associations(data, files["association"])
    finally:
        for handle in files.values():
            handle.close()
    return root


def _open(path: Path) -> IO[str]:
    path.parent.mkdir(parents=True, exist_ok=True)
    return path.open("w", encoding="utf-8", newline="\n", buffering=1 << 20)


def _concepts(data: Terminology, concepts: IO[str], relationships: IO[str]) -> None:
    ids = data.concept_ids
    n = len(ids)
    rest = f"\t{RELEASE}\t1\t{MODULE}\t"
    relationship = 3_000_000
    for i, (cid, fields) in enumerate(data.concepts()):
        concepts.write(f"{cid}{rest}{PRIMITIVE}\n")
        targets = [(parent, rf2.IS_A) for parent in fields["parents"]]
        if i % 5 in (1, 3) and (other := ids[(i * 7919 + 11) % n]) != cid:
            targets.append((other, ATTRIBUTE))
        for target, type_id in targets:
            rid = _sctid(relationship, "02")
            relationship += 1
            relationships.write(
                f"{rid}{rest}{cid}\t{target}\t0\t{type_id}\t{INFERRED}\t{EXISTENTIAL}\n"
            )


def _descriptions(data: Terminology, descriptions: IO[str], language: IO[str]) -> None:
    rest = f"\t{RELEASE}\t1\t{MODULE}\t"
    for k, (did, fields) in enumerate(data.descriptions()):
        kind = FSN if fields["type"] == "FSN" else SYNONYM
        descriptions.write(
            f"{did}{rest}{fields['concept_id']}\ten\t{kind}\t{fields['term']}\t{CASE_INSENSITIVE}\n"
        )
        acceptability = rf2.PREFERRED if fields["preferred"] else ACCEPTABLE
        language.write(f"{_member(k)}{rest}{US_ENGLISH}\t{did}\t{acceptability}\n")


def _member(k: int) -> str:
    """A refset member id shaped as a UUID (version 4 digits), unique per ``k``."""
    return f"00000000-0000-4000-8000-{k:012x}"


def _associations(data: Terminology, associations: IO[str]) -> None:
    rest = f"\t{RELEASE}\t1\t{MODULE}\t"
    for mid, fields in data.mappings():
        refset = MAP_TYPE_REFSETS[fields["map_type"]]
        associations.write(f"{mid}{rest}{refset}\t{fields['source_id']}\t{fields['target_id']}\n")


def zipped(root: Path, target: Path) -> Path:
    """``root`` packed into the zip ``target`` (deflated), its folder name kept."""
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
        for path in sorted(root.rglob("*.txt")):
            archive.write(path, str(path.relative_to(root.parent)))
    return target


def expected(data: Terminology) -> Iterator[Component]:
    """The components ``importers.rf2`` reads from what :func:`write` wrote for ``data``."""
    extras = {"effectiveTime": RELEASE}
    for cid, fields in data.concepts():
        yield (
            "concept",
            cid,
            {
                "active": True,
                "module_id": MODULE,
                "parents": sorted(fields["parents"]),
                "extras": {"definitionStatusId": PRIMITIVE, **extras},
            },
        )
    for did, fields in data.descriptions():
        yield (
            "description",
            did,
            {
                **fields,
                "active": True,
                "extras": {"moduleId": MODULE, "caseSignificanceId": CASE_INSENSITIVE, **extras},
            },
        )
    for mid, fields in data.mappings():
        refset = MAP_TYPE_REFSETS[fields["map_type"]]
        yield (
            "mapping",
            mid,
            {
                "source_id": fields["source_id"],
                "map_type": rf2.ASSOCIATIONS.get(refset, refset),
                "target_id": fields["target_id"],
                "active": True,
                "extras": {"refsetId": refset, "moduleId": MODULE, **extras},
            },
        )


def read_here(source: str) -> None:
    """Read the package at ``source`` with ``importers.rf2``; print seconds, counts, memory,
    and the floor: the seconds of reading the same files line by line, split at tabs."""
    before = _peak_mb()
    started, cpu = time.perf_counter(), time.process_time()
    counts: dict[str, int] = {}
    for release in rf2.releases(Path(source)):
        for type_name, _, _ in release.components:
            counts[type_name] = counts.get(type_name, 0) + 1
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    peak = _peak_mb()
    started = time.perf_counter()
    for file in rf2.rf2_files.package(Path(source)):
        with file.open() as handle:
            for line in handle:
                line.rstrip("\r\n").split("\t")
    floor = time.perf_counter() - started
    result = {"seconds": seconds, "counts": counts, "peak_mb": peak, "before_mb": before}
    result |= {"floor": floor, "cpu": cpu}
    print(json.dumps(result, sort_keys=True))


def _peak_mb() -> float:
    """This process's peak resident memory (VmHWM: unlike ru_maxrss, it does not count the
    parent process this one was forked from)."""
    with open("/proc/self/status") as status:
        line = next(ln for ln in status if ln.startswith("VmHWM:"))
    return int(line.split()[1]) / 1024


def read_in_child(source: Path) -> dict[str, Any]:
    command = [sys.executable, "-m", "bench.rf2", "read", str(source)]
    done = subprocess.run(command, check=True, capture_output=True, text=True)
    return json.loads(done.stdout)


def _load() -> str:
    return ", ".join(f"{v:.1f}" for v in os.getloadavg())


def main(argv: list[str] | None = None) -> None:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["read"]:
        read_here(argv[1])
        return
    parser = argparse.ArgumentParser(prog="python -m bench.rf2", description=__doc__)
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--out", type=Path, help="keep the package in this folder")
    parser.add_argument("--zip", action="store_true", help="also zip it, and read the zip")
    parser.add_argument(
        "--full", action="store_true", help="also write the same rows as a Full, and read it"
    )
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as scratch:
        folder = args.out or Path(scratch)
        data = Terminology(args.scale)
        log(f"writing an RF2 Snapshot of {data.sizes} (load average {_load()})")
        started, cpu = time.perf_counter(), time.process_time()
        root = write(data, folder)
        wrote, cpu = time.perf_counter() - started, time.process_time() - cpu
        size = sum(p.stat().st_size for p in root.rglob("*.txt"))
        print(
            f"- write: {wrote:.2f} s ({cpu:.2f} s CPU), {size / 2**20:.0f} MiB "
            f"(load average {_load()})"
        )
        sources = [root]
        if args.zip:
            started = time.perf_counter()
            sources.append(zipped(root, folder / f"{root.name}.zip"))
            print(f"- zip: {time.perf_counter() - started:.2f} s (load average {_load()})")
        if args.full:
            sources.append(write(data, folder, "Full"))
        for source in sources:
            log(f"reading {source.name}")
            result = read_in_child(source)
            print(
                f"- read {source.name}: {result['seconds']:.2f} s ({result['cpu']:.2f} s CPU; "
                "reading and splitting the "
                f"lines alone: {result['floor']:.2f} s), {result['counts']}, "
                f"peak RSS {result['peak_mb']:.0f} MB "
                f"({result['before_mb']:.0f} MB before reading; load average {_load()})"
            )


if __name__ == "__main__":
    main()
