"""``/openapi.json``, ``/docs`` (Swagger UI), its files under ``/docs/…``, and ``/``, which
points a newcomer to ``/docs``.

The Swagger UI files come from the flask-swagger-ui wheel (its ``dist`` folder), served by
this app: the page loads nothing from elsewhere, so it works offline. Only the page itself
(``api/docs.html``: which files, and the UI's settings) is ours.
"""

from __future__ import annotations

from importlib import resources
from string import Template

from flask import Response, redirect, request, send_from_directory, url_for

from api import http
from api.openapi import docs_page, document
from api.services import services

# A real folder: the wheel installs as files (send_from_directory refuses paths out of it).
SWAGGER_UI = resources.files("flask_swagger_ui") / "dist"


def openapi() -> Response:
    return http.json(document(services().routes, services().reserved_ids))


def page() -> Response:
    # $root: where the app is mounted, so the page's URLs hold behind a path prefix and at /docs/
    html = Template(docs_page()).substitute(root=request.script_root)
    return Response(html, content_type="text/html;charset=UTF-8")


def asset(asset: str) -> Response:
    """A file of the bundled Swagger UI (404 in the error shape for any other name)."""
    return send_from_directory(str(SWAGGER_UI), asset, max_age=3600)


def root() -> Response:
    # 302, not 301: browsers keep a 301 for good, and / may answer something else one day.
    return redirect(url_for("docs"), code=302)
