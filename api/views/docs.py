"""``/openapi.json`` and ``/docs``."""

from __future__ import annotations

from flask import Response

from api import http
from api.openapi import docs_page, document
from api.services import services


def openapi() -> Response:
    return http.json(document(services().routes, services().reserved_ids))


def page() -> Response:
    return Response(docs_page(), content_type="text/html;charset=UTF-8")
