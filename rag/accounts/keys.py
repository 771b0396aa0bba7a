"""API keys: created for a user, shown once, stored as a SHA-256 hash, revoked by their prefix."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import timedelta

from sqlalchemy import select, update

from rag.database.tables import ApiKey, User, as_utc, utcnow
from rag.errors import SignInError, UnknownUserError
from rag.schemas import ApiKeyPublic, NewApiKey
from rag.services import Services

PREFIX = "dc_"


def _digest(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def create_key(services: Services, user: User, name: str = "") -> NewApiKey:
    prefix = secrets.token_hex(4)
    key = f"{PREFIX}{prefix}_{secrets.token_urlsafe(32)}"
    with services.sessions.begin() as session:
        row = ApiKey(user_id=user.id, prefix=prefix, key_hash=_digest(key), name=name.strip()[:120])
        session.add(row)
    return NewApiKey(prefix=prefix, name=row.name, username=user.username, created_at=row.created_at, key=key)


def list_keys(services: Services, user_id: str | None = None) -> list[ApiKeyPublic]:
    query = select(ApiKey, User.username).join(User, User.id == ApiKey.user_id).order_by(ApiKey.created_at.desc())
    if user_id is not None:
        query = query.where(ApiKey.user_id == user_id)
    with services.sessions() as session:
        return [
            ApiKeyPublic.model_validate(key).model_copy(update={"username": username})
            for key, username in session.execute(query)
        ]


def revoke_key(services: Services, prefix: str, user_id: str | None = None) -> ApiKeyPublic:
    """Revokes at once: the next request with it is refused. `user_id` limits it to that user's own keys."""
    prefix = prefix.strip().removeprefix(PREFIX)[:8]
    query = select(ApiKey).where(ApiKey.prefix == prefix)
    if user_id is not None:
        query = query.where(ApiKey.user_id == user_id)
    with services.sessions.begin() as session:
        key = session.scalar(query)
        if key is None:
            raise UnknownUserError(f"No API key starts with {prefix}.")
        key.revoked_at = key.revoked_at or utcnow()
        username = session.get_one(User, key.user_id).username
    return ApiKeyPublic.model_validate(key).model_copy(update={"username": username})


def user_of_key(services: Services, key: str) -> User:
    """The enabled user a live key belongs to, or SignInError. The same message for every kind of wrong key."""
    refused = SignInError("That API key is not valid: it may be mistyped, revoked, or its user disabled.")
    if not key.startswith(PREFIX) or key.count("_") < 2:
        raise refused
    prefix = key[len(PREFIX) :].split("_", 1)[0]
    with services.sessions.begin() as session:
        row = session.scalar(select(ApiKey).where(ApiKey.prefix == prefix))
        if row is None or row.revoked_at is not None or not hmac.compare_digest(row.key_hash, _digest(key)):
            raise refused
        user = session.get(User, row.user_id)
        if user is None or user.disabled:
            raise refused
        last = row.last_used_at
        if last is None or utcnow() - as_utc(last) > timedelta(minutes=1):
            # At most once a minute: a write on every request would queue a busy client's reads behind it.
            session.execute(update(ApiKey).where(ApiKey.id == row.id).values(last_used_at=utcnow()))
    return user
