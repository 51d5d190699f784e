"""What an importer produces: releases of a code system, each a stream of components.

A :data:`Component` is ``(type, id, fields)`` with type ``concept``, ``description`` or
``mapping`` and fields as the store takes them (:mod:`revisions.components`; fields left out
take their defaults), exactly as the OCL import produces them (:mod:`exporter.ocl`).

A *snapshot* release is the whole state of the code system at that release: what the branch
shows and the snapshot lacks is retired (``active`` false), what differs gets a new
revision, what is equal is skipped. A snapshot's ``scope`` can narrow "the whole state" to
some component types, each to the ids starting with a prefix: the ICD-10-CM releases are the
whole of the concepts and descriptions (not of GEM mappings added to the same code system),
a GEM file the whole of the mappings whose ids start ``GEM-``. A *delta* release lists only
what changed: each listed component is created or gets the listed content; nothing else is
touched.

Helpers shared by the formats: :func:`releases_in` (the releases of one file or a folder of
them, oldest first), :func:`description` (a description's complete fields) and
:func:`text_id` (the id of a piece of text a concept holds, the same in every release that
holds the same text: a reworded term is a new component, and the old one is retired).
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import exporter.ocl
from exporter.ocl import InvalidImport

Component = exporter.ocl.Component

KINDS = ("snapshot", "delta")


@dataclass
class Release:
    """One release of a code system.

    ``version``: the code system version to create after applying it (None: none);
    ``effective``: its effective date (ISO ``yyyy-mm-dd``); ``kind``: ``snapshot`` or
    ``delta`` (see the module docstring); ``components``: read once, lazily if the format
    can; ``total``: how many components it holds, when known (the progress bar's end);
    ``scope``: for a snapshot, component type -> the id prefix of those it is the whole
    state of (``""``: all of that type); None: every component; ``skipped``: rows of the
    source the reader left out, by reason, filled as ``components`` are read (the summary
    adds them).
    """

    version: str | None
    effective: str | None
    kind: Literal["snapshot", "delta"]
    components: Iterable[Component]
    total: int | None = None
    scope: Mapping[str, str] | None = None
    skipped: Counter[str] = field(default_factory=Counter)

    def covers_type(self, type_name: str) -> bool:
        """Whether a snapshot is the whole state of some components of this type."""
        return self.kind == "snapshot" and (self.scope is None or type_name in self.scope)

    def covers(self, type_name: str, component_id: str) -> bool:
        """Whether lacking this component retires it (see ``scope``)."""
        if not self.covers_type(type_name):
            return False
        return self.scope is None or component_id.startswith(self.scope[type_name])


def releases_in(
    source: Path, pattern: str, release_of: Callable[[Path], Release], version: str | None
) -> list[Release]:
    """The releases of ``source``: one file, or each file of a folder whose name matches the
    glob ``pattern``, one release each, sorted by effective date (oldest first); ``version``
    renames the release of a single one."""
    files = sorted(source.glob(pattern)) if source.is_dir() else [source]
    if not files:
        raise InvalidImport(f"No file like {pattern} in {source.name}.")
    releases = sorted((release_of(f) for f in files), key=lambda r: r.effective or "")
    if version is not None:
        if len(releases) != 1:
            raise InvalidImport("--version names one release: give one file, not a folder.")
        releases[0].version = version
    return releases


def description(
    concept_id: str,
    term: str,
    kind: str,
    *,
    preferred: bool = False,
    extras: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """The complete fields of an active English description of ``concept_id``."""
    return {
        "concept_id": concept_id,
        "term": term,
        "language_code": "en",
        "type": kind,
        "preferred": preferred,
        "active": True,
        "external_id": None,
        "extras": extras,
    }


def text_id(owner: str, tag: str, text: str) -> str:
    """``<owner>-<tag><first 10 hex digits of the SHA-1 of text>``: the id of ``text`` held by
    component ``owner``, stable while the text is."""
    return f"{owner}-{tag}{hashlib.sha1(text.encode()).hexdigest()[:10]}"
