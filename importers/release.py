"""What an importer produces: releases of a code system, each a stream of components.

A :data:`Component` is ``(type, id, fields)`` with type ``concept``, ``description`` or
``mapping`` and fields as the store takes them (:mod:`revisions.components`; fields left out
take their defaults), exactly as the OCL import produces them (:mod:`exporter.ocl`).

A *snapshot* release is the whole state of the code system at that release: what the branch
shows and the snapshot lacks is retired (``active`` false), what differs gets a new
revision, what is equal is skipped. A *delta* release lists only what changed: each listed
component is created or gets the listed content; nothing else is touched.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

import exporter.ocl

Component = exporter.ocl.Component

KINDS = ("snapshot", "delta")


@dataclass
class Release:
    """One release of a code system.

    ``version``: the code system version to create after applying it (None: none);
    ``effective``: its effective date (ISO ``yyyy-mm-dd``); ``kind``: ``snapshot`` or
    ``delta`` (see the module docstring); ``components``: read once, lazily if the format
    can; ``total``: how many components it holds, when known (the progress bar's end).
    """

    version: str | None
    effective: str | None
    kind: Literal["snapshot", "delta"]
    components: Iterable[Component]
    total: int | None = None
