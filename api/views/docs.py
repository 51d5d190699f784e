"""``/openapi.json``, ``/docs``, and ``/``, which points a newcomer to ``/docs``."""

from __future__ import annotations

from flask import Response, redirect, url_for

from api import http
from api.openapi import docs_page, document
from api.services import services


def openapi() -> Response:
    return http.json(document(services().routes, services().reserved_ids))


def page() -> Response:
    return Response(docs_page(), content_type="text/html;charset=UTF-8")


def root() -> Response:
    # 302, not 301: browsers keep a 301 for good, and / may answer something else one day.
    return redirect(url_for("docs"), code=302)
