"""/session: the browser's side of a password sign-in. The sign-in page posts a one-time code here; the answer
sets the session cookie (HttpOnly, so no script of a page can read it) and goes back to the app. Not for API
clients, which send keys: left out of the OpenAPI schema."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import urlsplit

from fastapi import APIRouter, Cookie, Form, HTTPException, Request
from fastapi.responses import RedirectResponse
from starlette.concurrency import run_in_threadpool

from api.deps import ServicesDep
from rag.errors import SignInError
from rag.usecases import accounts

router = APIRouter(include_in_schema=False)
COOKIE = accounts.SESSION_COOKIE
# What the sign-in page reads to say that the code it posted was spent or too old (ui/signin.py).
EXPIRED_QUERY = "signin=expired"


def _from_this_app(request: Request) -> None:
    """Refuses a form another site's page posted (login CSRF: it would sign the browser into the attacker's
    account, and its uploads would go there). A browser names the page's origin in Origin, or failing that in
    Referer; its host must be this app's. A request naming neither is no browser's, so no victim's cookie rides
    on it."""
    named = request.headers.get("origin") or request.headers.get("referer")
    if named is None:
        return
    if named == "null" or urlsplit(named).netloc.lower() != request.headers.get("host", "").lower():
        raise HTTPException(403, "This sign-in came from another site's page, so it was refused. Sign in on DocChat.")


def _page(given: str | None) -> tuple[str, str]:
    """The path and query of the page a sign-in started from (a link to a conversation, say), if it is one of this
    app's: never another site's ("//evil", "/\\evil", "https://…"), where an open redirect would lead."""
    if not given or not given.startswith("/") or given.startswith(("//", "/\\")):
        return "/", ""
    parts = urlsplit(given)
    if parts.scheme or parts.netloc or any(ord(c) < 32 or c == "\\" for c in given):
        return "/", ""
    return parts.path, parts.query


def _back(request: Request, page: str | None = None, query: str = "") -> RedirectResponse:
    # To the pages, served at the root of the same process (app.py mounts this API under /api/v1).
    path, kept = _page(page)
    return RedirectResponse(str(request.url.replace(path=path, query=query or kept)), status_code=303)


@router.post("/session")
async def start_session(
    request: Request,
    code: Annotated[str, Form(max_length=200)],
    services: ServicesDep,
    current: Annotated[str | None, Cookie(alias=COOKIE)] = None,
    page: Annotated[str | None, Form(max_length=2000, alias="next")] = None,
):
    _from_this_app(request)
    try:
        token, lasts = await run_in_threadpool(accounts.open_browser_session, services, code)
    except SignInError:
        # The same form posted again (its page drawn twice before the first answer came back), by a browser
        # the first post signed in already: it is signed in, not refused.
        if current and await run_in_threadpool(_signed_in, services, current):
            return _back(request, page)
        # A browser's form post: it goes back to the sign-in page, which says why, never to a bare JSON error.
        return _back(request, "/", query=EXPIRED_QUERY)
    response = _back(request, page)
    response.set_cookie(
        COOKIE,
        token,
        max_age=int(lasts),
        path="/",
        httponly=True,
        samesite="lax",
        secure=request.url.scheme == "https",
    )
    return response


def _signed_in(services: ServicesDep, token: str) -> bool:
    try:
        accounts.caller_for_session(services, token)
    except SignInError:
        return False
    return True


@router.post("/session/end")
async def end_session(
    request: Request, services: ServicesDep, token: Annotated[str | None, Cookie(alias=COOKIE)] = None
):
    _from_this_app(request)
    if token:
        await run_in_threadpool(accounts.end_browser_session, services, token)
    response = _back(request)
    response.delete_cookie(COOKIE, path="/")
    return response
