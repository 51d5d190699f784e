"""OCL's JSON for concepts and mappings -> the store's components (the import direction).

An OCL concept becomes a concept plus one description per name (its ``name_type``, or
``SYNONYM`` when blank; a blank given as text, such as ``"None"``, is kept in the
description's extras as ``name_type``) and per description (type ``DEFINITION``, OCL's
``description_type`` kept in extras). An OCL mapping becomes a mapping: to a concept of the
same source through ``target_id``, to anything else through ``target_code_system``/``target_code``.

Each OCL object must meet the store's rule for text and nesting (``revisions.values``):
one that does not fails the import as invalid, naming the object and the field, before
anything is read from or written to the store.
"""

from __future__ import annotations

import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import orjson

from revisions.errors import InvalidRequest
from revisions.values import json_problems

Component = tuple[str, str, dict[str, Any]]  # (type, id, fields)
BLANK = (None, "", "None", "none")


class InvalidImport(InvalidRequest):
    pass


def _flag(value: Any) -> bool:
    return value is True or (isinstance(value, str) and value.lower() == "true")


def _text(value: Any) -> str | None:
    return None if value in BLANK else str(value)


def concept(data: dict[str, Any]) -> list[Component]:
    cid = _text(data.get("id"))
    if cid is None:
        raise InvalidImport("An OCL concept has no 'id'.")
    fields = {
        "active": not _flag(data.get("retired")),
        "concept_class": _text(data.get("concept_class")),
        "datatype": _text(data.get("datatype")),
        "external_id": _text(data.get("external_id")),
        "extras": data.get("extras") or None,
    }
    result: list[Component] = [("concept", cid, fields)]
    for i, name in enumerate(data.get("names") or []):
        result.append(
            (
                "description",
                _id(name, f"{cid}-n{i}"),
                {
                    "concept_id": cid,
                    "term": name.get("name"),
                    "language_code": _text(name.get("locale")) or "en",
                    "type": _text(name.get("name_type")) or "SYNONYM",
                    "preferred": _flag(name.get("locale_preferred")),
                    "active": not _flag(name.get("retired")),
                    "external_id": _text(name.get("external_id")),
                    "extras": _kept_blank("name_type", name.get("name_type")),
                },
            )
        )
    for i, text in enumerate(data.get("descriptions") or []):
        kind = text.get("description_type")
        result.append(
            (
                "description",
                _id(text, f"{cid}-d{i}"),
                {
                    "concept_id": cid,
                    "term": text.get("description"),
                    "language_code": _text(text.get("locale")) or "en",
                    "type": "DEFINITION",
                    "preferred": _flag(text.get("locale_preferred")),
                    "active": not _flag(text.get("retired")),
                    "external_id": _text(text.get("external_id")),
                    "extras": {"description_type": str(kind)} if kind is not None else None,
                },
            )
        )
    return result


def _kept_blank(name: str, value: Any) -> dict[str, Any] | None:
    """``{name: value}`` for a blank OCL type given as text (``"None"``, ``""``), which the
    store keeps as ``SYNONYM``: the extras remember what was given, so it reads back."""
    return {name: value} if isinstance(value, str) and _text(value) is None else None


def _id(data: dict[str, Any], fallback: str) -> str:
    return _text(data.get("uuid")) or _text(data.get("id")) or fallback


def mapping(data: dict[str, Any], source: str | None) -> Component:
    mid = _text(data.get("id")) or _text(data.get("uuid"))
    if mid is None:
        raise InvalidImport("An OCL mapping has no 'id'.")
    to_source = _text(data.get("to_source_name"))
    internal = to_source is None or to_source == source
    return (
        "mapping",
        mid,
        {
            "source_id": _text(data.get("from_concept_code")),
            "map_type": _text(data.get("map_type")) or "SAME-AS",
            "target_id": _text(data.get("to_concept_code")) if internal else None,
            "target_code_system": None if internal else to_source,
            "target_code": None if internal else _text(data.get("to_concept_code")),
            "target_name": None if internal else _text(data.get("to_concept_name")),
            "active": not _flag(data.get("retired")),
            "external_id": _text(data.get("external_id")),
            "extras": data.get("extras") or None,
        },
    )


def _checked(item: Any, where: str) -> Any:
    """``item``, unless it holds text or nesting the store refuses (InvalidImport)."""
    if problems := json_problems(item):
        raise InvalidImport(f"{where}: {problems[0]}")
    return item


def _objects(data: dict[str, Any]) -> Iterator[Component]:
    source = _text(data.get("short_code")) or _text(data.get("id"))
    for i, item in enumerate(data.get("concepts") or []):
        yield from concept(_checked(item, f"concepts[{i}]"))
    for i, item in enumerate(data.get("mappings") or []):
        yield mapping(_checked(item, f"mappings[{i}]"), source)


def read(path: Path) -> list[Component]:
    """Components from an OCL export: a zip (its ``export.json``), the export's JSON itself
    (a ``.json`` file, pretty-printed or on one line), or JSON lines of OCL objects."""
    with path.open("rb") as handle:
        kind = sniff(handle.read(8))
    try:
        if kind == "zip":
            with zipfile.ZipFile(path) as archive:
                names = [n for n in archive.namelist() if n.endswith(".json")]
                if not names:
                    raise InvalidImport("The zip holds no JSON file (expected export.json).")
                return _export(
                    orjson.loads(
                        archive.read("export.json" if "export.json" in names else names[0])
                    )
                )
        if _one_document(path):
            return _export(orjson.loads(path.read_bytes()))
        return _json_lines(path)
    except (
        zipfile.BadZipFile,
        orjson.JSONDecodeError,
        KeyError,
        TypeError,
        AttributeError,
    ) as error:
        raise InvalidImport(f"The file is not a valid OCL export: {error}") from None


def _export(data: Any) -> list[Component]:
    """The components of one JSON document: an export, or a single Concept or Mapping."""
    if not isinstance(data, dict):
        raise InvalidImport("An OCL export must be one JSON object.")
    if data.get("type") == "Concept":
        return concept(_checked(data, "The concept"))
    if data.get("type") == "Mapping":
        return [mapping(_checked(data, "The mapping"), _text(data.get("source")))]
    if "concepts" not in data and "mappings" not in data:
        raise InvalidImport("The JSON holds no 'concepts' or 'mappings': not an OCL export.")
    return list(_objects(data))


def _one_document(path: Path) -> bool:
    """Whether a JSON file is one export document rather than JSON lines: its first line is
    not a whole object (a pretty-printed export), or is an export (one holding ``concepts``
    or ``mappings``, not a ``type`` of Concept or Mapping)."""
    with path.open("rb") as handle:
        first = handle.readline()
    try:
        item = orjson.loads(first)
    except orjson.JSONDecodeError:
        return True
    return isinstance(item, dict) and item.get("type") not in ("Concept", "Mapping")


def _json_lines(path: Path) -> list[Component]:
    result: list[Component] = []
    with path.open("rb") as handle:
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            try:
                item = orjson.loads(line)
            except orjson.JSONDecodeError:
                raise InvalidImport(f"Line {number} is not JSON.") from None
            kind = item.get("type") if isinstance(item, dict) else None
            _checked(item, f"Line {number}")
            if kind == "Concept":
                result += concept(item)
            elif kind == "Mapping":
                result.append(mapping(item, _text(item.get("source"))))
            else:
                raise InvalidImport(f"Line {number}: expected an OCL Concept or Mapping object.")
    return result


def sniff(head: bytes) -> str:
    """``zip`` or ``json`` (one export document or JSON lines) from a file's first bytes, or
    :class:`InvalidImport`."""
    if head.startswith(b"PK\x03\x04"):
        return "zip"
    if head.lstrip()[:1] == b"{":
        return "json"
    raise InvalidImport(
        "Upload an OCL export zip, its export.json, or a JSON-lines file of OCL objects."
    )
