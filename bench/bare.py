"""The HTTP yardstick of issue 21: a bare Flask endpoint answering a fixed 1 KB concept,
served under exactly the settings of ``snowpath serve`` (``api.server.Server``: gunicorn
processes running waitress, the same threads, timeouts and connection limit), so that
``bench.http`` can print each read's rate as a share of what the stack itself allows.

    .venv/bin/python -m bench.bare --port 5001 [--workers 3]

serves ``GET /concept`` until stopped. Nothing of Snowpath runs per request: no guard,
no authentication, no store. The server's body limits (``api.server._Parser`` asks the
app's services for them) are the settings' own.
"""

from __future__ import annotations

import argparse
from types import SimpleNamespace

import orjson
from flask import Flask, Response

from api.server import THREADS, Server
from api.settings import Settings, load

# A concept as the native API answers one, padded to 1,024 bytes of JSON.
_FIELDS = {
    "id": "22298006",
    "active": True,
    "moduleId": "900000000000207008",
    "conceptClass": "Disorder",
    "definitionStatus": "FULLY_DEFINED",
    "parents": ["57809008", "251061000", "414545008"],
    "released": True,
    "effectiveTime": "20020131",
}
_NOTE = 1024 - len(orjson.dumps({**_FIELDS, "extras": {"note": ""}}))
CONCEPT = orjson.dumps({**_FIELDS, "extras": {"note": "x" * _NOTE}})
PATH = "/concept"


def bare_app(settings: Settings) -> Flask:
    """The endpoint alone, with the services the server's body-limit lookup reads."""
    app = Flask("bare")

    @app.get(PATH)
    def concept() -> Response:
        return Response(CONCEPT, content_type="application/json")

    app.extensions["snowpath"] = SimpleNamespace(settings=settings, route=lambda _: None)
    return app


class BareServer(Server):
    """:class:`api.server.Server` with the bare app in each worker."""

    def load(self) -> Flask:
        return bare_app(self.settings)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--workers", type=int, default=3)
    parser.add_argument("--threads", type=int, default=THREADS)
    args = parser.parse_args(argv)
    BareServer(load(), f"127.0.0.1:{args.port}", args.workers, args.threads).run()


if __name__ == "__main__":
    main()
