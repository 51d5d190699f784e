"""A source or source version GET with its content: ``includeConcepts``,
``includeMappings``, ``includeRetired``, ``limit`` (``0``: all), ``offset`` and
``updatedSince`` (any ISO 8601 instant or ``YYYYMMDDHHMMSS``, UTC unless it says otherwise,
inclusive). The JSON is streamed: the repository's fields, then ``concepts``, then
``mappings``, written batch by batch from one view (``exporter.ocl_stream``), never held
whole. ``Compress: true`` sends the same JSON as a zip with one entry, ``export.json``.

``updatedSince`` also applies to the concept and mapping lists (:func:`since`).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import Any

from flask import Response, request
from zipstream import ZIP_DEFLATED, ZipStream

from api import http
from api.ocl import places
from api.paging import PagingError, parse_int
from api.services import store
from exporter import ocl_stream
from exporter.ocl_json import Place
from exporter.ocl_stream import Selection
from revisions import RevisionStore
from revisions.registry import Version
from revisions.values import dumps
from revisions.visibility import View

_COMPACT = re.compile(r"(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})")
TRUE = ("true", "True", "1")
MAX_OFFSET = 100_000_000
# Concepts a limit=0 GET reads through a page before the whole-view streams (see _whole).
HEAD = 200


def truthy(name: str) -> bool:
    return request.args.get(name, "") in TRUE


def since() -> int | None:
    """``updatedSince`` as epoch milliseconds (None when absent); 400 when unreadable."""
    value = request.args.get("updatedSince")
    if not value:
        return None
    compact = _COMPACT.fullmatch(value)
    try:
        if compact:
            moment = datetime(*(int(part) for part in compact.groups()), tzinfo=UTC)
        else:
            moment = datetime.fromisoformat(value.replace(" ", "+"))
    except ValueError:
        raise PagingError(
            f"'updatedSince' must be an ISO 8601 instant or YYYYMMDDHHMMSS, not '{value}'."
        ) from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return int(moment.timestamp() * 1000)


def selection() -> Selection:
    limit = parse_int(request.args.get("limit"), "limit", 0, MAX_OFFSET)
    return Selection(
        include_retired=truthy("includeRetired"),
        since=since(),
        offset=parse_int(request.args.get("offset"), "offset", 0, MAX_OFFSET),
        limit=None if limit == 0 else limit,
    )


Rows = Callable[[Selection], Iterator[dict[str, Any]]]


def wants_content() -> bool:
    """Whether the GET asks for more than the repository's fields. The content parameters
    are checked either way (400 for a bad one, also when no content is asked for)."""
    selection()
    compress = request.headers.get("Compress", "").lower() == "true"
    return truthy("includeConcepts") or truthy("includeMappings") or compress


def respond(found: places.Source, head: dict[str, Any], version: Version | None) -> Response:
    """``head`` alone (a plain GET), or with the content the parameters ask for."""
    if not wants_content():
        return http.json(head)
    engine_store, place, locale = store(), found.place, found.locale
    view = engine_store.view(places.read_point(found, None if version is None else version.version))
    # Everything (limit=0, no offset or updatedSince) comes from the whole-view streams, a
    # few statements in all instead of four a batch; the mappings' from_concept_name then
    # comes from the concepts' display names, so they need the concepts read whole first.
    names: dict[str, str | None] = {}
    with_concepts = truthy("includeConcepts")

    def concepts(chosen: Selection) -> Iterator[dict[str, Any]]:
        if not chosen.whole:
            return ocl_stream.concepts(engine_store, view, place, chosen, locale=locale)
        return _whole(engine_store, view, place, chosen, names, locale)

    def mappings(chosen: Selection) -> Iterator[dict[str, Any]]:
        if chosen.whole and with_concepts:
            return ocl_stream.whole_mappings(engine_store, view, place, chosen, names)
        return ocl_stream.mappings(engine_store, view, place, chosen, locale=locale)

    return serve(head, {"concepts": concepts, "mappings": mappings})


def _whole(
    store: RevisionStore,
    view: View,
    place: Place,
    chosen: Selection,
    names: dict[str, str | None],
    locale: str,
) -> Iterator[dict[str, Any]]:
    """Every concept :func:`ocl_stream.whole_concepts` gives, the first :data:`HEAD` read
    through a page first (their display names kept in ``names`` too): the whole-view
    streams start only once the database has sorted every edit time of the version (a
    second at 350,000 concepts), a page of ids at once. The stream then resumes after the
    page's last id (ids compare as the database orders them: by code point)."""
    page = Selection(include_retired=True, limit=HEAD)
    read = 0
    for data in ocl_stream.concepts(store, view, place, page, locale=locale):
        names[data["id"]] = data["display_name"]
        read += 1
        last = data["id"]
        if chosen.include_retired or not data["retired"]:
            yield data
    if read < HEAD:
        return  # that was every concept
    for data in ocl_stream.whole_concepts(store, view, place, chosen, names, locale=locale):
        if data["id"] > last:
            yield data


def serve(head: dict[str, Any], sections: dict[str, Rows]) -> Response:
    """``head`` with the sections (``concepts``, ``mappings``) the request includes, streamed,
    zipped under ``Compress: true``. The rows run after the view returned: they must not
    need the request."""
    wanted = [
        (name, rows) for name, rows in sections.items() if truthy(f"include{name.capitalize()}")
    ]
    body = _stream(head, wanted, selection())
    if request.headers.get("Compress", "").lower() == "true":
        archive = ZipStream(compress_type=ZIP_DEFLATED)
        archive.add(body, "export.json")
        return Response(
            archive,
            content_type="application/zip",
            headers={"Content-Disposition": "attachment; filename=export.zip"},
        )
    return Response(body, content_type=http.JSON)


def _stream(
    head: dict[str, Any], sections: list[tuple[str, Rows]], chosen: Selection
) -> Iterator[bytes]:
    """The JSON object, in pieces: ``head``'s fields, then each section's array."""
    yield dumps(head)[:-1]
    for name, rows in sections:
        yield f',"{name}":['.encode()
        first = True
        for item in rows(chosen):
            yield (b"" if first else b",") + dumps(item)
            first = False
        yield b"]"
    yield b"}"
