"""API tokens: 40 hexadecimal characters from :mod:`secrets` (160 bits, the shape of OCL's
keys), stored only as their SHA-256 hex digest. A token is shown once, when made; the server
finds its owner by the digest (one indexed lookup) and can never show it again.
"""

from __future__ import annotations

import hashlib
import re
import secrets

TOKEN_BYTES = 20
_SHAPE = re.compile(r"[0-9a-f]{40}")


def new_token() -> str:
    """A fresh random token."""
    return secrets.token_hex(TOKEN_BYTES)


def digest(token: str) -> str:
    """What is stored for ``token``: its SHA-256 hex digest."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def well_formed(token: str) -> bool:
    """Whether ``token`` has the shape of a token this server makes (else: no lookup)."""
    return _SHAPE.fullmatch(token) is not None
