"""The files of an RF2 package (a folder or a .zip) and their rows, checked as they stream.

:func:`package` finds the files :mod:`importers.rf2` reads, by the start of their names
(``sct2_Concept_``, ``sct2_Description_``, ``sct2_TextDefinition_``, ``sct2_Relationship_``,
``der2_cRefset_Language``, ``der2_Refset_Simple``, ``der2_cRefset_Association``) and the
release type in their names (``Snapshot``, ``Delta``, ``Full``). Other files of a package
(readmes, OWL or map refsets, stated relationships) are not read. :func:`rows` yields each
data row as a list of columns after checking the header, the number of columns, the
``effectiveTime`` (a real date written YYYYMMDD) and ``active`` (0 or 1); anything else
raises :class:`InvalidRF2` naming the file and the line.
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import IO, Literal

from exporter.ocl import InvalidImport

PackageType = Literal["snapshot", "delta", "full"]
PACKAGES: tuple[PackageType, ...] = ("snapshot", "delta", "full")

ID, TIME, ACTIVE, MODULE = 0, 1, 2, 3  # the columns every RF2 file starts with
_COMMON = ("id", "effectiveTime", "active", "moduleId")
_DESCRIPTION = (*_COMMON, "conceptId", "languageCode", "typeId", "term", "caseSignificanceId")
# File kind -> its columns, by the start of the file name.
COLUMNS: dict[str, tuple[str, ...]] = {
    "concept": (*_COMMON, "definitionStatusId"),
    "description": _DESCRIPTION,
    "relationship": (
        *_COMMON,
        "sourceId",
        "destinationId",
        "relationshipGroup",
        "typeId",
        "characteristicTypeId",
        "modifierId",
    ),
    "language": (*_COMMON, "refsetId", "referencedComponentId", "acceptabilityId"),
    "simple": (*_COMMON, "refsetId", "referencedComponentId"),
    "association": (*_COMMON, "refsetId", "referencedComponentId", "targetComponentId"),
}
_PREFIXES = (
    ("sct2_Concept_", "concept"),
    ("sct2_Description_", "description"),
    ("sct2_TextDefinition_", "description"),
    ("sct2_Relationship_", "relationship"),
    ("der2_cRefset_Language", "language"),
    ("der2_Refset_Simple", "simple"),
    ("der2_cRefset_Association", "association"),
)
_TYPE = re.compile(r"(Full|Snapshot|Delta)(?=[-_])")
_RELEASE_DATE = re.compile(r"_(\d{8})\.txt$")


class InvalidRF2(InvalidImport):
    """An RF2 package that cannot be read: the message names the file and the line."""


@dataclass(frozen=True, slots=True)
class File:
    """One RF2 file: where it is (a path, or a member of a zip) and what it holds."""

    name: str  # its path in the package, for messages
    kind: str  # a key of COLUMNS
    type: PackageType
    release_date: str | None  # YYYYMMDD from the file name
    path: Path
    member: str | None = None  # the zip member, when the package is a zip

    def open(self) -> IO[str]:
        if self.member is None:
            return self.path.open(encoding="utf-8-sig", newline="")
        archive = zipfile.ZipFile(self.path)
        try:
            return _ClosingText(archive.open(self.member), archive)
        except BaseException:
            archive.close()
            raise


class _ClosingText(io.TextIOWrapper):
    """A zip member as text that closes its archive with it."""

    def __init__(self, raw: IO[bytes], archive: zipfile.ZipFile) -> None:
        super().__init__(raw, encoding="utf-8-sig", newline="")
        # Decompressing in 1 MiB chunks rather than 8 KiB reads a zipped package in 60% of
        # the time (bench.rf2); a plain file reads fastest with the default.
        self._CHUNK_SIZE = 1 << 20
        self._archive = archive

    def close(self) -> None:
        super().close()
        self._archive.close()


def package(source: Path) -> list[File]:
    """The RF2 files of a folder or a .zip, in name order (InvalidRF2 if it is neither)."""
    if source.is_dir():
        names = [(str(p.relative_to(source)), p) for p in source.rglob("*.txt") if p.is_file()]
        found = [_file(name, path, None) for name, path in names]
    elif source.is_file() and zipfile.is_zipfile(source):
        with zipfile.ZipFile(source) as archive:
            members = [m for m in archive.namelist() if m.endswith(".txt")]
        found = [_file(member, source, member) for member in members]
    else:
        raise InvalidRF2(f"{source.name}: not a folder or a .zip of RF2 files.")
    return sorted((f for f in found if f is not None), key=lambda f: f.name)


def _file(name: str, path: Path, member: str | None) -> File | None:
    base = name.rsplit("/", 1)[-1]
    kind = next((k for prefix, k in _PREFIXES if base.startswith(prefix)), None)
    if kind is None:
        return None
    found = _TYPE.search(base)
    if found is None:
        raise InvalidRF2(f"{name}: unknown RF2 file (no Snapshot, Delta or Full in its name).")
    when = _RELEASE_DATE.search(base)
    release_date = when.group(1) if when and _valid_date(when.group(1)) else None
    kind_type: PackageType = found.group(1).lower()  # type: ignore[assignment]
    return File(name, kind, kind_type, release_date, path, member)


def rows(file: File) -> Iterator[list[str]]:
    """The columns of each data row of ``file``, checked (InvalidRF2 naming the line)."""
    columns = COLUMNS[file.kind]
    width = len(columns)
    dates: set[str] = set()  # effectiveTimes already found valid: most rows share a few
    with file.open() as handle:
        header = handle.readline().rstrip("\r\n").split("\t")
        if tuple(header) != columns:
            raise InvalidRF2(
                f"{file.name}, line 1: expected the columns {' '.join(columns)}, "
                f"found {' '.join(header)}."
            )
        for number, line in enumerate(handle, start=2):
            row = line.rstrip("\r\n").split("\t")
            if (
                len(row) != width
                or row[TIME] not in dates
                or row[ACTIVE] not in _FLAGS
                or not row[ID]
            ):
                if len(row) == 1 and not row[0].strip():
                    continue
                _check(file, number, row, width)
                dates.add(row[TIME])
            yield row


_FLAGS = ("0", "1")


def _check(file: File, number: int, row: list[str], width: int) -> None:
    """InvalidRF2 naming what is wrong with a row, if anything."""
    where = f"{file.name}, line {number}"
    if len(row) != width:
        raise InvalidRF2(f"{where}: {len(row)} columns, not {width}.")
    if not _valid_date(row[TIME]):
        raise InvalidRF2(f"{where}: effectiveTime {row[TIME]!r} is not a date written YYYYMMDD.")
    if row[ACTIVE] not in _FLAGS:
        raise InvalidRF2(f"{where}: active {row[ACTIVE]!r} is not 0 or 1.")
    if not row[ID]:
        raise InvalidRF2(f"{where}: the row has no id.")


def count(file: File) -> int:
    """The number of data rows of ``file`` (its lines but the header), read as bytes."""
    newlines = 0
    last = b"\n"
    with file.open() as text:
        raw = text.buffer
        while chunk := raw.read(1 << 20):
            newlines += chunk.count(b"\n")
            last = chunk[-1:]
    lines = newlines + (last != b"\n")
    return max(0, lines - 1)


def _valid_date(text: str) -> bool:
    if len(text) != 8 or not text.isdigit():
        return False
    try:
        date(int(text[:4]), int(text[4:6]), int(text[6:]))
    except ValueError:
        return False
    return True


def iso(day: str | None) -> str | None:
    """YYYYMMDD -> YYYY-MM-DD."""
    return None if day is None else f"{day[:4]}-{day[4:6]}-{day[6:]}"
