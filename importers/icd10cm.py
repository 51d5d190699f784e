"""ICD-10-CM from the ``simple-icd-10-cm`` wheels (format ``icd10cm``).

The source is one wheel, or a folder of wheels (each a release, applied oldest first). The
wheel's data files are read straight from the zip: the tabular list (XML) and the list of
valid codes (``code-list-*.txt``, or the 2021 ``icd10cm-order-*.txt``). Each wheel is one
snapshot release, version ``YYYY`` from the data's year; effective the first of April of
that year for an April release, else the first of October before it (a fiscal year).

The hierarchy follows the tabular list as ``simple-icd-10-cm`` builds it: chapters (ids
``1`` to ``22``), blocks (``A00-A09``), categories, subcategories and the codes built by
adding a seventh character to a leaf whose own or nearest ancestor's ``sevenChrDef`` gives
them, kept only when the code list confirms them (``A`` placeholders padded with ``X``).
A block named as its only category (``C7A``) gets the id ``C7A-C7A``: the category keeps the
code. Each code's parent is the one above it; its title is a preferred ``FSN``
description (id ``<code>-T``), each inclusion term a ``SYNONYM`` (id ``<code>-I`` and a
hash of the term, so an unchanged term keeps its id across releases). A release is the whole
state of the concepts and descriptions only (:data:`CODES`): mappings on the code system
(the GEMs, :mod:`importers.gems`) are not retired by it.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from exporter.ocl import InvalidImport
from importers.formats import register
from importers.memory import paused_gc
from importers.release import Component, Release, description, releases_in, text_id

DATA = "simple_icd_10_cm/data/"
KINDS = {"chapter": "chapter", "section": "block"}
# A release is the whole of the code system's concepts and descriptions, not of mappings
# others (the GEMs) add to it: a later release retires none of those.
CODES = {"concept": "", "description": ""}


@register("icd10cm")
def read_icd10cm(source: Path, version: str | None = None, **_: Any) -> Iterator[Release]:
    """The releases of ``source`` (a wheel, or a folder of them), oldest first; ``version``
    renames the release of a single wheel."""
    yield from releases_in(source, "simple_icd_10_cm-*.whl", wheel_release, version)


def wheel_release(wheel: Path) -> Release:
    """The snapshot release one wheel holds."""
    try:
        with zipfile.ZipFile(wheel) as archive:
            names = [n for n in archive.namelist() if n.startswith(DATA)]
            tabular = _one(names, r".*\.xml$", wheel)
            codes = _one(names, r".*(code-list|order)[^/]*\.txt$", wheel)
            with paused_gc():
                root = ET.fromstring(archive.read(tabular))
            confirmed = confirmed_codes(archive.read(codes).decode("utf-8"), "order" in codes)
    except (zipfile.BadZipFile, ET.ParseError, OSError) as error:
        raise InvalidImport(f"{wheel.name} is not a simple_icd_10_cm wheel: {error}") from None
    year = re.search(r"(20\d\d)", tabular.rsplit("/", 1)[-1])
    if year is None:
        raise InvalidImport(f"No year in the name of {tabular}.")
    april = "april" in tabular.lower()
    effective = f"{year[1]}-04-01" if april else f"{int(year[1]) - 1}-10-01"
    with paused_gc():
        components = Tabular(confirmed).components(root)
    return Release(year[1], effective, "snapshot", components, len(components), scope=CODES)


def _one(names: list[str], pattern: str, wheel: Path) -> str:
    found = [n for n in names if re.fullmatch(pattern, n)]
    if len(found) != 1:
        raise InvalidImport(f"{wheel.name} holds no single file like {pattern} in {DATA}.")
    return found[0]


def confirmed_codes(text: str, order_file: bool) -> set[str]:
    """The codes (without dot) a release lists as valid: the 2021 order file has the code in
    columns 7-13, later code lists start each line with it."""
    if order_file:
        return {line[6:13].strip() for line in text.splitlines()}
    return {line.split(" ")[0].replace(".", "") for line in text.splitlines()}


class Tabular:
    """The components of one tabular list (see the module docstring)."""

    def __init__(self, confirmed: set[str]) -> None:
        self.confirmed = confirmed
        self.seen: set[str] = set()
        self.out: list[Component] = []

    def components(self, root: ET.Element) -> list[Component]:
        for chapter in root.findall("chapter"):
            self.node(chapter, None, None)
        return self.out

    def node(self, element: ET.Element, parent: str | None, seven: dict[str, str] | None) -> None:
        """This element's code and those below it; ``seven``: the nearest ancestor's
        seventh characters."""
        name = element.get("id") or _text(element.find("name")) or ""
        if element.tag == "section" and any(_text(d.find("name")) == name for d in element):
            name = f"{name}-{name}"
        if name in self.seen:
            raise InvalidImport(f"Code {name} is listed twice in the tabular list.")
        self.seen.add(name)
        title = _text(element.find("desc")) or ""
        own: dict[str, str] = {}
        children: list[ET.Element] = []
        inherited = seven
        terms: list[str] = []
        for sub in element:
            if sub.tag in ("section", "diag"):
                children.append(sub)
                self.node(sub, name, inherited)
            elif sub.tag == "inclusionTerm":
                terms += [t for note in sub if (t := _text(note)) is not None]
            elif sub.tag == "sevenChrDef":
                last = None
                for item in sub:
                    if item.tag == "extension":
                        last = item.get("char")
                        own[last] = item.text or ""
                    elif item.tag == "note" and last is not None and item.text is not None:
                        own[last] += "/" + item.text
                inherited = own
        kind = KINDS.get(element.tag) or ("category" if len(name) == 3 else "subcategory")
        code(self.out, name, kind, parent, title, terms)
        if not children and element.tag == "diag" and (own or seven):
            self.extended(name, title, own or seven or {})

    def extended(self, name: str, title: str, characters: dict[str, str]) -> None:
        """The seventh-character codes below leaf ``name`` that the code list confirms."""
        stem = name + "." if len(name) == 3 else name
        stem = stem.ljust(7, "X")
        for char, meaning in characters.items():
            if stem[:3] + stem[4:] + char in self.confirmed:
                extended = stem + char
                code(self.out, extended, "extended subcategory", name, f"{title}, {meaning}", [])


def code(
    out: list[Component], name: str, kind: str, parent: str | None, title: str, terms: list[str]
) -> None:
    """Append a code's concept, its title and its inclusion terms to ``out``."""
    out.append(
        (
            "concept",
            name,
            {
                "active": True,
                "concept_class": kind,
                "parents": [] if parent is None else [parent],
                "module_id": None,
                "datatype": None,
                "external_id": None,
                "retire_reason": None,
                "extras": None,
            },
        )
    )
    out.append(("description", f"{name}-T", description(name, title, "FSN", preferred=True)))
    for term in dict.fromkeys(terms):
        out.append(("description", text_id(name, "I", term), description(name, term, "SYNONYM")))


def _text(element: ET.Element | None) -> str | None:
    return None if element is None else element.text
