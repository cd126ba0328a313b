"""The two HTTP routes that give the browser its session cookie and take it away.

A script run cannot set a cookie (it talks to the browser over a WebSocket), so a login
goes: the form checks the password and starts a session with a one-time handoff
(warehouse/accounts.py); the page sends the browser to /account/session?h=…&next=…, which
redeems the handoff, sets the HttpOnly, signed cookie for the session's lifetime and sends
the browser back. /account/logout ends the cookie's session and deletes the cookie.

app.py hands these routes to st.App, which both `streamlit run app.py` and `make run` find.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from starlette.requests import Request
from starlette.responses import RedirectResponse
from starlette.routing import Route

from warehouse import accounts

COOKIE = "zs_session"
LOGIN_PATH = "/account/session"
LOGOUT_PATH = "/account/logout"


def session_token(cookie_value: str | None) -> str | None:
    """The token of a session cookie's value; None when missing or not signed by this server."""
    if not cookie_value:
        return None
    return accounts.unsign(cookie_value, accounts.store().secret())


def _back(request: Request) -> RedirectResponse:
    """A redirect to ?next= when it is a path of this site, else to the start page."""
    target = request.query_params.get("next", "/")
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//") or "\\" in target:
        target = "/"
    response = RedirectResponse(target, status_code=303)
    response.headers["Cache-Control"] = "no-store"
    response.headers["Referrer-Policy"] = "no-referrer"  # the handoff is in this URL
    return response


async def start(request: Request) -> RedirectResponse:
    response = _back(request)
    store = accounts.store()
    redeemed = store.redeem_handoff(request.query_params.get("h", ""))
    if redeemed is not None:
        token, seconds_left = redeemed
        response.set_cookie(
            COOKIE,
            accounts.sign(token, store.secret()),
            max_age=max(int(seconds_left), 1),
            path="/",
            httponly=True,
            samesite="lax",
            secure=request.url.scheme == "https",
        )
    return response


async def end(request: Request) -> RedirectResponse:
    response = _back(request)
    accounts.store().end_session(session_token(request.cookies.get(COOKIE)))
    response.delete_cookie(COOKIE, path="/", httponly=True, samesite="lax")
    return response


ROUTES = [Route(LOGIN_PATH, start, methods=["GET"]), Route(LOGOUT_PATH, end, methods=["GET"])]
