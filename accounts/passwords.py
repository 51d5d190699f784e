"""Password hashing: argon2id through argon2-cffi (its ``PasswordHasher`` defaults, RFC 9106's
low-memory profile). The stored string is the hasher's encoded form (algorithm, parameters,
salt and hash); a password is never stored or logged.
"""

from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

_HASHER = PasswordHasher()


def hash_password(password: str) -> str:
    """The encoded argon2id hash of ``password`` (salted: two calls differ)."""
    return _HASHER.hash(password)


def verify_password(encoded: str | None, password: str) -> bool:
    """Whether ``password`` matches ``encoded`` (an account without a password never does)."""
    if not encoded:
        return False
    try:
        return _HASHER.verify(encoded, password)
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(encoded: str) -> bool:
    """Whether ``encoded`` was made with weaker parameters than today's (rehash at login)."""
    return _HASHER.check_needs_rehash(encoded)
