"""One release of a terminology as an importer reads it: its components, in the store's terms."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

from exporter.ocl import Component


@dataclass
class Release:
    version: str | None
    effective: str | None
    kind: Literal["snapshot", "delta"]
    components: Iterable[Component]
    total: int | None
