"""Who is asking. Until authentication arrives (the OCL issue) writes are open and the
author of a commit is the ``X-Author`` header, or ``anonymous``. This is the one place
authentication will plug in."""

from __future__ import annotations

from flask import request

ANONYMOUS = "anonymous"


def current_author() -> str:
    """The author recorded on commits made by this request."""
    author = (request.headers.get("X-Author") or "").strip()
    return author[:200] or ANONYMOUS


def require_write() -> None:
    """Raise if the caller may not write. Open until authentication arrives."""
