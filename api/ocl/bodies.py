"""OCL request bodies -> what the store takes: source fields -> code system title and
metadata, version fields -> version metadata, a concept -> a concept and its descriptions
(through ``exporter.ocl``, the import's mapping), a mapping -> mapping fields.

Bad input is an :class:`api.errors.Invalid` whose violations name OCL's field
(``'names': …``), before anything is written.
"""

from __future__ import annotations

from typing import Any

from flask import request

from accounts.repositories import PUBLIC_ACCESS
from api import http
from api.errors import Invalid, UnsupportedMediaType
from exporter import ocl
from exporter.ocl_json import RENAMED, SOURCE_METADATA, Place, parse_source_url

TRUE, FALSE = ("true", "True", "1"), ("false", "False", "0")


def body(*, optional: bool = False) -> dict[str, Any]:
    """The request's JSON object (``api.http.body``); 415 for a body of another media type
    (as the native API: a form post from another site's page cannot write). ``optional``:
    no body at all is an empty object."""
    raw = request.get_data(cache=True)
    if optional and not raw:
        return {}
    kind = request.mimetype
    if raw and not (
        kind == "application/json" or (kind.startswith("application/") and kind.endswith("+json"))
    ):
        raise UnsupportedMediaType(f"Send the body as application/json, not {kind or 'untyped'}.")
    return http.body()


def flag(data: dict[str, Any], name: str, default: bool = False) -> bool:
    """A boolean field given as JSON boolean or OCL's text forms; 400 otherwise."""
    value = data.get(name, default)
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value in TRUE + FALSE:
        return value in TRUE
    raise Invalid([f"'{name}': Must be a valid boolean."])


def text(data: dict[str, Any], name: str, *, required: bool = False) -> str | None:
    """The text field ``name`` (None when null or ""); a required one must not be blank."""
    value = data.get(name)
    if value is None or value == "":
        if required:
            raise Invalid([f"'{name}': This field is required."])
        return None
    if not isinstance(value, str):
        raise Invalid([f"'{name}': Must be text."])
    if required and not value.strip():
        raise Invalid([f"'{name}': This field is required (not blank)."])
    return value


def _object(data: dict[str, Any], name: str) -> dict[str, Any] | None:
    value = data.get(name)
    if value is not None and not isinstance(value, dict):
        raise Invalid([f"'{name}': Must be an object."])
    return value


# --- sources ------------------------------------------------------------------------------


def locales(data: dict[str, Any], default_locale: str) -> list[str]:
    """``supported_locales`` (a list or comma-separated text), starting with the default."""
    value = data.get("supported_locales")
    if value is None or value == "":
        return [default_locale]
    if isinstance(value, str):
        value = [part.strip() for part in value.split(",") if part.strip()]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise Invalid(["'supported_locales': Must be a list of locales or comma-separated text."])
    return [default_locale, *(v for v in value if v != default_locale)]


def public_access(data: dict[str, Any], default: str | None = "View") -> str | None:
    value = data.get("public_access", default)
    if value is not None and value not in PUBLIC_ACCESS:
        raise Invalid([f"'public_access': Must be one of {', '.join(PUBLIC_ACCESS)}."])
    return value


def source_metadata(data: dict[str, Any], current: dict[str, Any] | None = None) -> dict[str, Any]:
    """The code system metadata for a source body; with ``current``, the given fields
    change it (a partial update) and the others stay."""
    metadata = dict(current or {})
    for name in SOURCE_METADATA:
        if name in ("created_by", "updated_by", "supported_locales") or name not in data:
            continue
        if name == "extras":
            metadata[name] = _object(data, name) or {}
        else:
            metadata[name] = text(data, name)
    for name, native in RENAMED.items():
        if name in data:
            metadata[native] = text(data, name)
    language = metadata.get("language") or "en"
    metadata["language"] = language
    if (
        "supported_locales" in data
        or "supported_locales" not in metadata
        or "default_locale" in data
    ):
        given = (
            data
            if "supported_locales" in data
            else {"supported_locales": metadata.get("supported_locales")}
        )
        metadata["supported_locales"] = locales(given, language)
    return {k: v for k, v in metadata.items() if v is not None}


# --- versions -----------------------------------------------------------------------------


def version_metadata(data: dict[str, Any], current: dict[str, Any]) -> dict[str, Any]:
    """A source version's metadata after a body (partial: absent fields keep their value)."""
    metadata = dict(current)
    for name in ("released", "retired"):
        if name in data:
            metadata[name] = flag(data, name)
    for name in ("external_id", "version_external_id"):
        if name in data:
            metadata["external_id"] = text(data, name)
    if "extras" in data:
        metadata["extras"] = _object(data, "extras") or {}
    return metadata


# --- concepts -----------------------------------------------------------------------------


def concept_parts(place: Place, data: dict[str, Any], concept_id: str) -> list[ocl.Component]:
    """The concept and its descriptions for an OCL concept body (``id`` as given)."""
    text(data, "concept_class", required=True)
    for name in ("datatype", "external_id", "retire_reason"):
        text(data, name)
    check_lists(data, required=True)
    flag(data, "retired")
    parts = ocl.concept({**data, "id": concept_id})
    found = parents(place, data)
    if found:
        parts[0][2]["parents"] = found
    return parts


def parents(place: Place, data: dict[str, Any]) -> list[str] | None:
    """The concept ids ``parent_concept_urls`` names (None when absent): concepts of this
    source only, as the store's ``parents`` are."""
    if "parent_concept_urls" not in data:
        return None
    urls = data["parent_concept_urls"]
    urls = [] if urls is None else urls
    if not isinstance(urls, list) or not all(isinstance(u, str) for u in urls):
        raise Invalid(["'parent_concept_urls': Must be a list of concept URLs."])
    found = []
    for url in urls:
        ours, code = _concept_in(place, url, "parent_concept_urls")
        if not ours or code is None:
            raise Invalid(["'parent_concept_urls': A parent must be a concept of this source."])
        found.append(code)
    return found


def check_lists(data: dict[str, Any], *, required: bool) -> None:
    """``names`` (at least one, each with a ``name``) and ``descriptions`` (each with a
    ``description``), when given or ``required``."""
    names = data.get("names")
    if required or "names" in data:
        if not isinstance(names, list) or not names:
            raise Invalid(["'names': A concept must have at least one name."])
        _items(names, "names", "name")
    if "descriptions" in data:
        found = data.get("descriptions")
        found = [] if found is None else found
        if not isinstance(found, list):
            raise Invalid(["'descriptions': Must be a list."])
        _items(found, "descriptions", "description")
    for name in ("extras",):
        _object(data, name)


# A name's or description's other fields (exporter.ocl reads them): text, and flags that are
# JSON booleans or "true"/"false" in any case (exporter.ocl._flag).
ITEM_TEXT = ("locale", "name_type", "description_type", "external_id", "uuid", "id")
ITEM_FLAGS = ("locale_preferred", "retired")


def _items(items: list[Any], field: str, term: str) -> None:
    for i, item in enumerate(items):
        if not isinstance(item, dict):
            raise Invalid([f"'{field}[{i}]': Must be an object."])
        if not isinstance(item.get(term), str) or not item[term].strip():
            raise Invalid([f"'{field}[{i}].{term}': This field is required."])
        for name in ITEM_TEXT:
            if not isinstance(item.get(name), str | None):
                raise Invalid([f"'{field}[{i}].{name}': Must be text."])
        for name in ITEM_FLAGS:
            value = item.get(name)
            if not (value is None or isinstance(value, bool) or _flag_text(value)):
                raise Invalid([f"'{field}[{i}].{name}': Must be a valid boolean."])


def _flag_text(value: Any) -> bool:
    return isinstance(value, str) and value.lower() in ("true", "false")


def concept_fields(place: Place, data: dict[str, Any]) -> dict[str, Any]:
    """The concept's own fields a partial update body gives."""
    fields: dict[str, Any] = {}
    found = parents(place, data)
    if found is not None:
        fields["parents"] = found
    for name in ("concept_class", "datatype", "external_id", "retire_reason"):
        if name in data:
            fields[name] = text(data, name)
    if "extras" in data:
        fields["extras"] = _object(data, "extras") or None
    if "retired" in data:
        fields["active"] = not flag(data, "retired")
    return fields


# --- mappings -----------------------------------------------------------------------------


def _concept_in(place: Place, url: str | None, field: str) -> tuple[bool, str | None]:
    """(whether ``url`` is a concept of this source, its code)."""
    if url is None:
        return False, None
    parts = [p for p in url.split("/") if p]
    parsed = parse_source_url(url)
    if parsed is None or "concepts" not in parts or parts.index("concepts") + 1 >= len(parts):
        raise Invalid(
            [f"'{field}': Must be an OCL concept URL such as /orgs/O/sources/S/concepts/C/."]
        )
    code = parts[parts.index("concepts") + 1]
    ours = parsed == (place.owner_type, place.owner, place.repo_id)
    return ours, code


def _same_source(place: Place, url: str | None) -> bool:
    if url is None:
        return False
    return parse_source_url(url) == (place.owner_type, place.owner, place.repo_id)


MAPPING_TEXT = (
    "from_concept_url",
    "from_source_url",
    "from_concept_code",
    "to_concept_url",
    "to_source_url",
    "to_source_name",
    "to_concept_code",
    "to_concept_name",
)


def mapping_fields(place: Place, data: dict[str, Any], *, partial: bool) -> dict[str, Any]:
    """Mapping fields for a body: a create (``partial`` False: ``map_type``, a from and a
    to are required) or the given fields of an update. The from concept must be one of this
    source's; a to concept of this source is ``target_id``, anything else
    ``target_code_system`` (the OCL source URL, or its name) and ``target_code``."""
    for name in MAPPING_TEXT:  # each checked, also those another one makes unused
        text(data, name)
    fields: dict[str, Any] = {}
    if not partial or "map_type" in data:
        fields["map_type"] = text(data, "map_type", required=True)
    ours, code = _concept_in(place, text(data, "from_concept_url"), "from_concept_url")
    if code is None and ("from_source_url" in data or "from_concept_code" in data):
        ours = _same_source(place, text(data, "from_source_url", required=True))
        code = text(data, "from_concept_code", required=True)
    if code is not None:
        if not ours:
            raise Invalid(
                ["'from_concept_url': The from concept must be a concept of this source."]
            )
        fields["source_id"] = code
    elif not partial:
        raise Invalid(
            ["'from_concept_url': Give from_concept_url, or from_source_url and from_concept_code."]
        )
    ours, code = _concept_in(place, text(data, "to_concept_url"), "to_concept_url")
    system = None
    if code is None and (
        "to_source_url" in data or "to_concept_code" in data or "to_source_name" in data
    ):
        source_url = text(data, "to_source_url") or text(data, "to_source_name")
        if source_url is None:
            raise Invalid(["'to_source_url': This field is required."])
        ours = _same_source(place, source_url)
        system = source_url
        code = text(data, "to_concept_code", required=True)
    elif code is not None and not ours:
        parsed = parse_source_url(text(data, "to_concept_url") or "")
        assert parsed is not None
        system = f"/{parsed[0]}/{parsed[1]}/sources/{parsed[2]}/"
    if code is not None:
        fields.update(
            {"target_id": code, "target_code_system": None, "target_code": None}
            if ours
            else {"target_id": None, "target_code_system": system, "target_code": code}
        )
    elif not partial:
        raise Invalid(
            ["'to_concept_url': Give to_concept_url, or to_source_url and to_concept_code."]
        )
    if "to_concept_name" in data:
        fields["target_name"] = text(data, "to_concept_name")
    for name in ("external_id",):
        if name in data:
            fields[name] = text(data, name)
    if "extras" in data:
        fields["extras"] = _object(data, "extras") or None
    if "sort_weight" in data:
        weight = data["sort_weight"]
        if weight is not None and (isinstance(weight, bool) or not isinstance(weight, int | float)):
            raise Invalid(["'sort_weight': Must be a number."])
        fields["sort_weight"] = weight
    if "retired" in data:
        fields["active"] = not flag(data, "retired")
    return fields
