"""Serve the widget and its demo page: `.venv/bin/python -m web.serve` → http://127.0.0.1:$WEB_PORT/.

Standard library only. Serves the files under web/ with an allow-list of types (no directory listing,
never the Python sources), redirects / to the demo, writes the Rasa server's address ($RASA_PUBLIC_URL)
into the demo page, and sends security headers (CSP allowing the browser to call only that server).
"""

from __future__ import annotations

import html
import json
import os
import sys
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import ClassVar, Dict, Optional
from urllib.parse import unquote, urlsplit

ROOT = Path(__file__).resolve().parent
DEMO = "/demo/"
# Written in the demo pages where the widget's configuration needs the Rasa server's address.
SERVER_URL_PLACEHOLDER = "__RASA_PUBLIC_URL__"
TYPES: Dict[str, str] = {
    ".html": "text/html; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".svg": "image/svg+xml",
    ".png": "image/png",
    ".ico": "image/x-icon",
}


def public_origin(url: str) -> str:
    """scheme://host[:port] of the Rasa server's public URL, or a ValueError that says what to fix."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(
            f"RASA_PUBLIC_URL must be an http(s) URL such as http://localhost:5005, not {url!r}."
        )
    return f"{parts.scheme}://{parts.netloc}"


def security_headers(rasa_origin: str) -> Dict[str, str]:
    """Headers sent with every file; the CSP lets pages call only themselves and the Rasa server."""
    csp = (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        f"connect-src 'self' {rasa_origin}; object-src 'none'; base-uri 'none'; form-action 'self'; "
        "frame-ancestors 'self'"
    )
    return {
        "Content-Security-Policy": csp,
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "no-referrer",
        "Cache-Control": "no-cache",
    }


def with_server_url(body: bytes, suffix: str, url: str) -> bytes:
    """A demo file with the Rasa server's URL in place of the placeholder (escaped for HTML or JS)."""
    if suffix == ".html":
        return body.replace(SERVER_URL_PLACEHOLDER.encode(), html.escape(url, quote=True).encode())
    if suffix == ".js":
        return body.replace(f'"{SERVER_URL_PLACEHOLDER}"'.encode(), json.dumps(url).encode())
    return body


def _inside(path: Path) -> bool:
    return path == ROOT or ROOT in path.parents


def resolve(path: str) -> Optional[Path]:
    """The file under web/ that a decoded URL path names (index.html for a folder), or None."""
    candidate = (ROOT / path.lstrip("/")).resolve()
    if candidate.is_dir():
        candidate = candidate / "index.html"
    if not _inside(candidate) or candidate.suffix not in TYPES or not candidate.is_file():
        return None
    return candidate


class WidgetHandler(BaseHTTPRequestHandler):
    """GET/HEAD of the widget and demo files; everything else is a 404 or 405."""

    protocol_version = "HTTP/1.1"
    rasa_url = "http://localhost:5005"
    headers_sent: ClassVar[Dict[str, str]] = {}

    def version_string(self) -> str:
        return "icm-widget"

    def do_GET(self) -> None:
        self._serve(with_body=True)

    def do_HEAD(self) -> None:
        self._serve(with_body=False)

    def _serve(self, with_body: bool) -> None:
        path = unquote(urlsplit(self.path).path)
        if path == "/":
            self._send(HTTPStatus.FOUND, b"", {"Location": DEMO}, with_body)
            return
        folder = (ROOT / path.lstrip("/")).resolve()
        if not path.endswith("/") and _inside(folder) and folder.is_dir():
            self._send(HTTPStatus.MOVED_PERMANENTLY, b"", {"Location": path + "/"}, with_body)
            return
        file = resolve(path)
        if file is None:
            body = b"Not found. The demo page is at /demo/ and the widget at /widget/icm-chat.js.\n"
            self._send(HTTPStatus.NOT_FOUND, body, {"Content-Type": "text/plain; charset=utf-8"}, with_body)
            return
        body = file.read_bytes()
        if file.parent.name == "demo":
            body = with_server_url(body, file.suffix, self.rasa_url)
        self._send(HTTPStatus.OK, body, {"Content-Type": TYPES[file.suffix]}, with_body)

    def _send(self, status: HTTPStatus, body: bytes, headers: Dict[str, str], with_body: bool) -> None:
        self.send_response(status)
        for name, value in {**self.headers_sent, **headers}.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if with_body:
            self.wfile.write(body)


def make_server(host: str, port: int, rasa_url: str) -> ThreadingHTTPServer:
    """An HTTP server for web/ whose demo page talks to the Rasa server at `rasa_url`."""
    origin = public_origin(rasa_url)
    handler = type(
        "ConfiguredWidgetHandler",
        (WidgetHandler,),
        {"rasa_url": rasa_url.rstrip("/"), "headers_sent": security_headers(origin)},
    )
    return ThreadingHTTPServer((host, port), handler)


def main() -> int:
    host = os.environ.get("WEB_INTERFACE", "127.0.0.1")
    port_text = os.environ.get("WEB_PORT", "8080")
    rasa_url = os.environ.get("RASA_PUBLIC_URL", "http://localhost:5005")
    if not port_text.isdigit():
        print(f"WEB_PORT must be a port number such as 8080, not {port_text!r}.", file=sys.stderr)
        return 2
    try:
        server = make_server(host, int(port_text), rasa_url)
    except ValueError as error:
        print(error, file=sys.stderr)
        return 2
    except OSError as error:
        print(f"Cannot listen on {host}:{port_text} ({error}); set WEB_PORT to a free port.", file=sys.stderr)
        return 2
    print(f"Widget demo: http://{host}:{port_text}/ (Rasa server: {rasa_url})", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
