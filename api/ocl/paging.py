"""OCL's paging: ``limit`` (default 25, at most 1000) and ``page`` (1-based) in the query;
the answer is a bare JSON array with the counts in headers ``num_found``, ``num_returned``,
``pages``, ``page_number`` and, when they exist, ``next`` and ``previous`` (absolute URLs
with ``page`` replaced). A page past the end is an empty array."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from flask import Response, request

from api.paging import PagingError, parse_int
from revisions.values import dumps

DEFAULT_LIMIT = 25
MAX_LIMIT = 1000
MAX_PAGE = 1_000_000
JSON = "application/json;charset=UTF-8"


@dataclass(frozen=True, slots=True)
class PageRequest:
    limit: int
    page: int

    @property
    def offset(self) -> int:
        return (self.page - 1) * self.limit


def page_request() -> PageRequest:
    """The ``limit`` and ``page`` of this request (400 for anything but whole numbers in
    range; ``limit=0`` is the default, as OCL reads it)."""
    limit = parse_int(request.args.get("limit"), "limit", DEFAULT_LIMIT, MAX_LIMIT) or DEFAULT_LIMIT
    page = parse_int(request.args.get("page"), "page", 1, MAX_PAGE)
    if page < 1:
        raise PagingError("'page' must be at least 1.")
    return PageRequest(limit, page)


def _link(page: int) -> str:
    args = request.args.to_dict(flat=False)
    args["page"] = [str(page)]
    return f"{request.base_url}?{urlencode(args, doseq=True)}"


def respond(items: list[Any], total: int, wanted: PageRequest) -> Response:
    """The page as OCL answers it (see the module docstring)."""
    pages = -(-total // wanted.limit) if total else 0
    headers = {
        "num_found": str(total),
        "num_returned": str(len(items)),
        "pages": str(pages),
        "page_number": str(wanted.page),
    }
    if wanted.page < pages:
        headers["next"] = _link(wanted.page + 1)
    if 1 < wanted.page <= pages + 1 and total:
        headers["previous"] = _link(wanted.page - 1)
    return Response(dumps(items), headers=headers, content_type=JSON)


def window(items: list[Any], wanted: PageRequest) -> list[Any]:
    return items[wanted.offset : wanted.offset + wanted.limit]
