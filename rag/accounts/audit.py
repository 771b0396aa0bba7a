"""The audit log: sign-ins, failed sign-ins, uploads, deletions, exports, shares, user and key changes. Rows are
only ever added. No password, key or session token is ever written to it: callers pass names and ids."""

from __future__ import annotations

import csv
import io
from datetime import datetime, timedelta

from sqlalchemy import func, select

from rag.accounts.caller import Caller
from rag.database.tables import AuditEvent, utcnow
from rag.schemas import AuditEventPublic
from rag.services import Services


def record(
    services: Services,
    action: str,
    *,
    user_id: str | None = None,
    username: str = "",
    target: str = "",
    detail: str = "",
    address: str = "",
) -> None:
    with services.sessions.begin() as session:
        session.add(
            AuditEvent(
                user_id=user_id,
                username=username[:80],
                action=action,
                target=target[:255],
                detail=detail,
                address=address[:64],
            )
        )


def by(services: Services, who: Caller, action: str, target: str, detail: str | None = None) -> None:
    """An event of what a caller did; `detail` is the workspace it was done in unless given."""
    record(
        services,
        action,
        user_id=who.user_id or None,
        username=who.username,
        target=target,
        detail=who.workspace_name if detail is None else detail,
        address=who.address,
    )


def count_since(services: Services, action: str, since: datetime, *, username: str = "", address: str = "") -> int:
    query = select(func.count()).select_from(AuditEvent).where(AuditEvent.action == action, AuditEvent.at >= since)
    if username:
        query = query.where(AuditEvent.target == username)
    if address:
        query = query.where(AuditEvent.address == address)
    with services.sessions() as session:
        return session.scalar(query) or 0


def checks_since(services: Services, username: str, since: datetime) -> int:
    """Password checks of this username since `since`, or since its last sign-in if later (a success starts the
    count again)."""
    last = (
        select(func.max(AuditEvent.at))
        .where(AuditEvent.action == "signin", AuditEvent.target == username)
        .scalar_subquery()
    )
    start = func.coalesce(last, since)
    query = select(func.count()).where(
        AuditEvent.action == "signin.check",
        AuditEvent.target == username,
        AuditEvent.at >= since,
        AuditEvent.at >= start,
    )
    with services.sessions() as session:
        return session.scalar(query) or 0


def names_failed_from(services: Services, address: str, since: datetime) -> int:
    """How many different usernames failed to sign in from this address since `since`."""
    query = select(func.count(func.distinct(AuditEvent.target))).where(
        AuditEvent.action == "signin.failed", AuditEvent.address == address, AuditEvent.at >= since
    )
    with services.sessions() as session:
        return session.scalar(query) or 0


def events(
    services: Services,
    *,
    action: str = "",
    username: str = "",
    since: datetime | None = None,
    limit: int = 1000,
) -> list[AuditEventPublic]:
    """Newest first, filtered by action (a prefix: "signin" takes "signin.failed" too), user and time."""
    query = select(AuditEvent).order_by(AuditEvent.id.desc()).limit(limit)
    if action:
        query = query.where(AuditEvent.action.startswith(action))
    if username:
        query = query.where(AuditEvent.username == username)
    if since is not None:
        query = query.where(AuditEvent.at >= since)
    with services.sessions() as session:
        return [AuditEventPublic.model_validate(e) for e in session.scalars(query)]


def as_csv(rows: list[AuditEventPublic]) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["id", "at", "user", "action", "target", "detail", "address"])
    for e in rows:
        # A leading = + - @ makes a spreadsheet run the cell as a formula: a filename must not.
        cells = [e.target, e.detail, e.username]
        target, detail, user = ("'" + c if c[:1] in ("=", "+", "-", "@") else c for c in cells)
        writer.writerow([e.id, e.at.isoformat(), user, e.action, target, detail, e.address])
    return out.getvalue()


def window(minutes: int = 15) -> datetime:
    return utcnow() - timedelta(minutes=minutes)
