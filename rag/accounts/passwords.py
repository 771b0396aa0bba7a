"""Password hashing with argon2id (argon2-cffi's defaults, RFC 9106's low-memory profile). Never by hand."""

from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from rag.errors import InvalidInputError

_hasher = PasswordHasher()
MIN_LENGTH = 8
MAX_LENGTH = 1024
# Verified against when the username does not exist, so a wrong name costs as long as a wrong password.
_DUMMY = _hasher.hash("not a password of anyone")


def checked_password(password: str) -> str:
    if len(password) < MIN_LENGTH:
        raise InvalidInputError(f"A password needs at least {MIN_LENGTH} characters.")
    if len(password) > MAX_LENGTH:
        raise InvalidInputError(f"A password can have at most {MAX_LENGTH:,} characters.")
    return password


def hash_password(password: str) -> str:
    return _hasher.hash(checked_password(password))


def verify_password(stored: str | None, password: str) -> bool:
    try:
        return _hasher.verify(stored or _DUMMY, password) and stored is not None
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(stored: str) -> bool:
    return _hasher.check_needs_rehash(stored)
