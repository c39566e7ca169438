"""web.serve, the widget's static server: what it serves, what it refuses, the headers it sends."""

from __future__ import annotations

import http.client
import threading
from typing import Dict, Iterator, Tuple

import pytest

from bench.servers import free_port
from web.serve import make_server, public_origin

RASA_URL = "http://rasa.example:5005"


@pytest.fixture(scope="module")
def port() -> Iterator[int]:
    server = make_server("127.0.0.1", free_port(), RASA_URL)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server.server_address[1]
    finally:
        server.shutdown()
        server.server_close()


def get(port: int, path: str) -> Tuple[int, Dict[str, str], str]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        connection.request("GET", path)
        response = connection.getresponse()
        return response.status, dict(response.getheaders()), response.read().decode()
    finally:
        connection.close()


def test_the_root_redirects_to_the_demo(port):
    status, headers, _ = get(port, "/")
    assert (status, headers["Location"]) == (302, "/demo/")


def test_the_demo_page_names_the_rasa_server_and_sends_security_headers(port):
    status, headers, body = get(port, "/demo/")
    assert status == 200
    assert headers["Content-Type"] == "text/html; charset=utf-8"
    assert f'data-server-url="{RASA_URL}"' in body and "__RASA_PUBLIC_URL__" not in body
    assert '<script\n      src="/widget/icm-chat.js"' in body
    csp = headers["Content-Security-Policy"]
    assert "connect-src 'self' http://rasa.example:5005;" in csp and "script-src 'self';" in csp
    assert headers["X-Content-Type-Options"] == "nosniff"


def test_the_config_object_demo_gets_the_url_as_a_javascript_string(port):
    status, headers, body = get(port, "/demo/en-config.js")
    assert status == 200 and headers["Content-Type"] == "text/javascript; charset=utf-8"
    assert f'serverUrl: "{RASA_URL}",' in body


def test_the_widget_files_have_their_types(port):
    assert get(port, "/widget/icm-chat.js")[1]["Content-Type"] == "text/javascript; charset=utf-8"
    assert get(port, "/widget/icm-chat.css")[1]["Content-Type"] == "text/css; charset=utf-8"


REFUSED = ["/widget/", "/serve.py", "/__init__.py", "/README.md", "/../pyproject.toml", "/%2e%2e/Makefile"]


@pytest.mark.parametrize("path", REFUSED)
def test_no_listing_no_sources_nothing_outside_web(port, path):
    status, _, body = get(port, path)
    assert status == 404
    assert "/demo/" in body  # the 404 says where the demo is


def test_a_folder_without_its_slash_is_redirected(port):
    status, headers, _ = get(port, "/demo")
    assert (status, headers["Location"]) == (301, "/demo/")


@pytest.mark.parametrize("url", ["localhost:5005", "ftp://example.org", ""])
def test_a_rasa_url_that_is_not_http_is_refused_with_what_to_do(url):
    with pytest.raises(ValueError, match="RASA_PUBLIC_URL must be an http"):
        public_origin(url)
