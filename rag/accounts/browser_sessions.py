"""Browser sessions of password sign-ins: a one-time code, traded once within a minute for the cookie's token.
Only SHA-256 hashes of either are stored; a token is 32 random bytes, so a fast hash is enough."""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from sqlalchemy import select, update

from rag.database.tables import BrowserSession, User, as_utc, utcnow
from rag.errors import SignInError
from rag.services import Services

CODE_SECONDS = 60
# The cookie that holds the token (api/routes/session.py sets it, ui/session.py reads it).
COOKIE = "docchat_session"


def _digest(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


def start(services: Services, user: User) -> str:
    """A one-time code for the user's new browser session."""
    code = secrets.token_urlsafe(32)
    expires = utcnow() + timedelta(days=services.settings.session_days)
    with services.sessions.begin() as session:
        session.add(BrowserSession(user_id=user.id, code_hash=_digest(code), expires_at=expires))
    return code


def exchange(services: Services, code: str) -> tuple[str, float]:
    """The session's token for its one-time code, and the seconds it lasts. A code works once, for a minute."""
    refused = SignInError("That sign-in link has expired or was used already: sign in again.")
    with services.sessions.begin() as session:
        row = session.scalar(select(BrowserSession).where(BrowserSession.code_hash == _digest(code or "")))
        if row is None or row.revoked_at is not None:
            raise refused
        row.code_hash = None  # used up, whatever follows
        if utcnow() - as_utc(row.created_at) > timedelta(seconds=CODE_SECONDS):
            raise refused
        token = secrets.token_urlsafe(32)
        row.token_hash = _digest(token)
        lasts = (as_utc(row.expires_at) - utcnow()).total_seconds()
    return token, lasts


def user_of(services: Services, token: str) -> User:
    refused = SignInError("Your session has ended: sign in again.")
    with services.sessions() as session:
        row = session.scalar(select(BrowserSession).where(BrowserSession.token_hash == _digest(token or "")))
        if row is None or row.revoked_at is not None or as_utc(row.expires_at) < utcnow():
            raise refused
        user = session.get(User, row.user_id)
    if user is None or user.disabled:
        raise refused
    return user


def end(services: Services, token: str) -> None:
    with services.sessions.begin() as session:
        session.execute(
            update(BrowserSession)
            .where(BrowserSession.token_hash == _digest(token or ""), BrowserSession.revoked_at.is_(None))
            .values(revoked_at=utcnow())
        )
