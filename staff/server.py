"""The staff answer finder's page and API (aiohttp), on 127.0.0.1:$STAFF_PORT, behind ICM_STAFF_TOKEN.

    ICM_STAFF_TOKEN=… .venv/bin/python -m staff.server

API (header `Authorization: Bearer <token>`, or the page's session cookie):
    GET /api/lookup?q=…&limit=5          best approved answers (model + keywords)
    GET /api/unanswered?days=30          questions the assistant could not answer, grouped
    GET /api/unanswered.csv?days=30      the same as a CSV download
"""

from __future__ import annotations

import asyncio
import html
import os
import sys
from pathlib import Path
from typing import Awaitable, Callable, Optional

from aiohttp import web

from actions.knowledge import load_knowledge
from staff import auth
from staff.finder import Finder
from staff.parser import RasaHttpParser
from staff.unanswered import TrackerStoreError, to_csv, unanswered

STATIC = Path(__file__).resolve().parent / "static"
DEFAULT_PORT = 8090
# Loopback only, unless STAFF_HOST says otherwise (a container behind the reverse proxy: 0.0.0.0).
DEFAULT_HOST = "127.0.0.1"
MAX_QUERY_LENGTH = 500
MAX_LIMIT = 10
MAX_DAYS = 366
# Reachable without the token: the login form and its style sheet (no data).
PUBLIC = {("GET", "/login"), ("POST", "/login"), ("GET", "/static/style.css")}
SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'self'; frame-ancestors 'none'; form-action 'self'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
}
TOKEN_KEY = web.AppKey("token", str)
FINDER_KEY = web.AppKey("finder", Finder)
TRACKER_URL_KEY = web.AppKey("tracker_url", object)

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def login_page(error: str = "", status: int = 401) -> web.Response:
    """The login form; `error` is one of our fixed sentences (escaped all the same)."""
    page = (STATIC / "login.html").read_text(encoding="utf-8")
    message = f'<p class="error" role="alert">{html.escape(error)}</p>' if error else ""
    return web.Response(
        text=page.replace("<!--error-->", message), status=status, content_type="text/html", charset="utf-8"
    )


def _authorised(request: web.Request) -> bool:
    token = request.app[TOKEN_KEY]
    if auth.same_token(auth.bearer(request.headers.get("Authorization")), token):
        return True
    return auth.valid_session(request.cookies.get(auth.COOKIE), token)


@web.middleware
async def require_token(request: web.Request, handler: Handler) -> web.StreamResponse:
    """401 without the token: JSON for the API, the login form for pages."""
    if (request.method, request.path) in PUBLIC or _authorised(request):
        return await handler(request)
    if request.path.startswith("/api/"):
        return web.json_response(
            {"error": "Staff token required: send the header Authorization: Bearer <ICM_STAFF_TOKEN>."},
            status=401,
            headers={"WWW-Authenticate": 'Bearer realm="icm-staff"'},
        )
    return login_page()


async def _security_headers(request: web.Request, response: web.StreamResponse) -> None:
    response.headers.update(SECURITY_HEADERS)


def _redirect(location: str) -> web.Response:
    return web.Response(status=303, headers={"Location": location})


async def login(request: web.Request) -> web.StreamResponse:
    if request.method == "GET":
        return login_page(status=200)
    form = await request.post()
    token = request.app[TOKEN_KEY]
    given = form.get("token")
    if not isinstance(given, str) or not auth.same_token(given.strip(), token):
        return login_page("Jeton incorrect. Vérifiez-le et réessayez.")
    response = _redirect("./")
    response.set_cookie(
        auth.COOKIE,
        auth.new_session(token),
        max_age=auth.SESSION_SECONDS,
        httponly=True,
        samesite="Strict",
        secure=request.secure,
        path="/",
    )
    return response


async def logout(request: web.Request) -> web.StreamResponse:
    response = _redirect("login")
    response.del_cookie(auth.COOKIE, path="/")
    return response


async def index(request: web.Request) -> web.StreamResponse:
    return web.FileResponse(STATIC / "index.html")


async def static_file(request: web.Request) -> web.StreamResponse:
    name = request.match_info["name"]
    if name not in {"app.js", "style.css"}:
        raise web.HTTPNotFound()
    return web.FileResponse(STATIC / name)


def _bad_request(message: str) -> web.Response:
    return web.json_response({"error": message}, status=400)


async def lookup(request: web.Request) -> web.Response:
    query = request.query.get("q", "").strip()
    if not query:
        return _bad_request("Type a question or a keyword in the parameter q.")
    if len(query) > MAX_QUERY_LENGTH:
        return _bad_request(f"The question is too long: at most {MAX_QUERY_LENGTH} characters.")
    try:
        limit = min(MAX_LIMIT, max(1, int(request.query.get("limit", "5"))))
    except ValueError:
        return _bad_request("limit must be a whole number from 1 to 10.")
    finder = request.app[FINDER_KEY]
    results, model_error = await asyncio.get_running_loop().run_in_executor(None, finder.search, query, limit)
    sources = load_knowledge().sources
    return web.json_response(
        {"query": query, "results": [r.as_dict(sources) for r in results], "model_error": model_error}
    )


def _days(request: web.Request) -> float:
    try:
        days = float(request.query.get("days", "30"))
    except ValueError:
        raise web.HTTPBadRequest(text="days must be a number of days, e.g. 30.") from None
    if not 0 < days <= MAX_DAYS:
        raise web.HTTPBadRequest(text=f"days must be between 1 and {MAX_DAYS}.")
    return days


async def _unanswered(request: web.Request):
    days = _days(request)
    url = request.app[TRACKER_URL_KEY]
    return days, await asyncio.get_running_loop().run_in_executor(None, lambda: unanswered(days, url))


async def unanswered_json(request: web.Request) -> web.Response:
    try:
        days, entries = await _unanswered(request)
    except TrackerStoreError as err:
        return web.json_response({"error": str(err)}, status=503)
    return web.json_response({"days": days, "questions": [e.as_dict() for e in entries]})


async def unanswered_csv(request: web.Request) -> web.Response:
    try:
        days, entries = await _unanswered(request)
    except TrackerStoreError as err:
        return web.Response(text=str(err), status=503)
    return web.Response(
        # A byte-order mark so that Excel opens the UTF-8 file with its accents.
        body=("\ufeff" + to_csv(entries)).encode("utf-8"),
        content_type="text/csv",
        charset="utf-8",
        headers={"Content-Disposition": f'attachment; filename="questions-sans-reponse-{days:g}j.csv"'},
    )


def create_app(token: str, finder: Finder, tracker_url: Optional[str] = None) -> web.Application:
    """The application; `tracker_url` None means ICM_TRACKER_DB_URL / RASA_TRACKER_DB at each request."""
    app = web.Application(middlewares=[require_token], client_max_size=64 * 1024)
    app[TOKEN_KEY] = token
    app[FINDER_KEY] = finder
    app[TRACKER_URL_KEY] = tracker_url
    app.on_response_prepare.append(_security_headers)
    app.router.add_get("/", index)
    app.router.add_route("*", "/login", login)
    app.router.add_post("/logout", logout)
    app.router.add_get("/static/{name}", static_file)
    app.router.add_get("/api/lookup", lookup)
    app.router.add_get("/api/unanswered", unanswered_json)
    app.router.add_get("/api/unanswered.csv", unanswered_csv)
    return app


def main() -> int:
    try:
        token = auth.staff_token()
    except auth.TokenError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    try:
        port = int(os.environ.get("STAFF_PORT") or DEFAULT_PORT)
    except ValueError:
        print("error: STAFF_PORT must be a port number, e.g. 8090.", file=sys.stderr)
        return 2
    host = os.environ.get("STAFF_HOST") or DEFAULT_HOST
    parser = RasaHttpParser()
    app = create_app(token, Finder(parser))
    print(f"Staff answer finder on http://{host}:{port} (model: {parser.url}; token required)", flush=True)
    web.run_app(app, host=host, port=port, print=None, access_log=None)
    return 0


if __name__ == "__main__":
    sys.exit(main())
