"""``/openapi.json`` and ``/docs``."""

from __future__ import annotations

from flask import Response

from api import http


def openapi() -> Response:
    from api.openapi import document  # the document is built from the route table

    return http.json(document())


def page() -> Response:
    from api.openapi import docs_page

    return Response(docs_page(), content_type="text/html;charset=UTF-8")
