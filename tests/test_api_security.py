"""API security: the HTTP API needs its token, CORS allows only the configured origins, oversize
messages are refused, socket.io can require a JWT, and the start-up commands bind to loopback.

The HTTP API, CORS and size tests use the session's Rasa server (`servers`: `--enable-api --auth-token`,
`--interface 127.0.0.1`, `--cors` the widget's two origins). The socket.io JWT tests use the channel
test server (tests/channel_support.py), started with SOCKETIO_JWT_KEY set.
"""

from __future__ import annotations

import asyncio
import json
import shlex
import time
import urllib.error
import urllib.request
import uuid
from typing import Dict, List, Optional, Tuple

import jwt
import pytest
import socketio

from tests.channel_support import ChannelServer, shared_channel_server, socketio_exchange
from tests.helpers import ROOT, makefile_default

PROTECTED = [
    ("GET", "/status", None),
    ("GET", "/domain", None),
    ("GET", "/conversations/{sender}/tracker", None),
    ("POST", "/conversations/{sender}/messages", {"text": "Bonjour", "sender": "user"}),
    ("POST", "/conversations/{sender}/trigger_intent", {"name": "greet"}),
    ("POST", "/model/parse", {"text": "Bonjour"}),
    ("PUT", "/model", {"model_file": "/tmp/other-model.tar.gz"}),
    ("DELETE", "/model", None),
]


def call(
    url: str, method: str = "GET", body: Optional[object] = None, headers: Optional[Dict[str, str]] = None
) -> Tuple[int, Dict[str, str], str]:
    data = None if body is None else (body if isinstance(body, bytes) else json.dumps(body).encode())
    request = urllib.request.Request(
        url, data=data, method=method, headers={"Content-Type": "application/json", **(headers or {})}
    )
    try:
        with urllib.request.urlopen(request, timeout=120) as response:
            return response.status, dict(response.headers), response.read().decode(errors="replace")
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read().decode(errors="replace")


def _base(servers) -> str:
    return f"http://127.0.0.1:{servers.rasa_port}"


# --- the HTTP API ---------------------------------------------------------------------------------------


@pytest.mark.integration
@pytest.mark.parametrize("token", [None, "", "wrong-token"], ids=["no-token", "empty-token", "wrong-token"])
@pytest.mark.parametrize(("method", "path", "body"), PROTECTED, ids=[f"{m} {p}" for m, p, _ in PROTECTED])
def test_http_api_refuses_calls_without_the_token(servers, token, method, path, body):
    sender = f"api-{uuid.uuid4().hex[:8]}"
    query = "" if token is None else f"?token={token}"
    status, _, text = call(_base(servers) + path.format(sender=sender) + query, method, body)
    assert status in (401, 403), f"{method} {path}: {status} {text}"
    assert "NotAuthenticated" in text or "NotAuthorized" in text


@pytest.mark.integration
def test_http_api_answers_with_the_token_and_refused_calls_changed_nothing(servers):
    sender = f"api-{uuid.uuid4().hex[:8]}"
    token = f"?token={servers.api_token}"
    call(_base(servers) + f"/conversations/{sender}/messages", "POST", {"text": "Bonjour", "sender": "user"})
    status, _, text = call(_base(servers) + "/status" + token)
    assert status == 200, text
    assert json.loads(text)["model_file"].endswith(
        "icm.tar.gz"
    ), "the unauthenticated PUT /model changed the model"
    status, _, text = call(_base(servers) + "/model/parse" + token, "POST", {"text": "Bonjour"})
    assert status == 200 and json.loads(text)["intent"]["name"], text
    status, _, text = call(_base(servers) + f"/conversations/{sender}/tracker" + token)
    assert status == 200, text
    assert not [
        e for e in json.loads(text)["events"] if e["event"] == "user"
    ], "unauthenticated message stored"


# --- CORS -------------------------------------------------------------------------------------------------


def _allowed_origins(servers) -> List[str]:
    return [f"http://localhost:{servers.web_port}", f"http://127.0.0.1:{servers.web_port}"]


@pytest.mark.integration
@pytest.mark.parametrize("which", [0, 1])
def test_cors_allows_the_configured_origins(servers, which):
    origin = _allowed_origins(servers)[which]
    body = {"sender": f"cors-{uuid.uuid4().hex[:8]}", "message": "Bonjour"}
    status, headers, _ = call(servers.webhook, "POST", body, {"Origin": origin})
    assert status == 200
    assert headers.get("Access-Control-Allow-Origin") == origin
    preflight = {"Origin": origin, "Access-Control-Request-Method": "POST"}
    status, headers, _ = call(servers.webhook, "OPTIONS", None, preflight)
    assert headers.get("Access-Control-Allow-Origin") == origin


@pytest.mark.integration
@pytest.mark.parametrize(
    "origin", ["https://evil.example", "http://localhost:1", "null", "http://localhost.evil.example"]
)
def test_cors_gives_no_allow_origin_header_to_other_origins(servers, origin):
    body = {"sender": f"cors-{uuid.uuid4().hex[:8]}", "message": "Bonjour"}
    _, headers, _ = call(servers.webhook, "POST", body, {"Origin": origin})
    assert "Access-Control-Allow-Origin" not in headers, headers
    preflight = {"Origin": origin, "Access-Control-Request-Method": "POST"}
    _, headers, _ = call(servers.webhook, "OPTIONS", None, preflight)
    assert "Access-Control-Allow-Origin" not in headers, headers


# --- oversize messages ----------------------------------------------------------------------------------


@pytest.mark.integration
@pytest.mark.parametrize("size", [5_001, 2_000_000], ids=["5001-chars", "2MB"])
def test_an_oversize_message_gets_a_413_with_a_clear_json_error_and_the_server_keeps_serving(servers, size):
    sender = f"big-{uuid.uuid4().hex[:8]}"
    status, _, text = call(servers.webhook, "POST", {"sender": sender, "message": "a" * size})
    assert status == 413, text[:500]
    error = json.loads(text)
    assert "at most 5,000" in error["message"], error
    assert servers.say(sender, "Bonjour"), "the server stopped answering"


@pytest.mark.integration
def test_a_message_of_exactly_the_limit_is_answered(servers):
    texts = servers.say(f"limit-{uuid.uuid4().hex[:8]}", ("Bonjour " * 700)[:5_000])
    assert texts


# --- socket.io JWT --------------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def channel_server(servers, tmp_path_factory, request) -> ChannelServer:
    return shared_channel_server(servers, tmp_path_factory, request)


def _token(key: str, **claims) -> str:
    return jwt.encode({"sub": "widget", "exp": int(time.time()) + 300, **claims}, key, algorithm="HS256")


@pytest.mark.integration
def test_socketio_with_a_valid_jwt_is_accepted_and_answered(channel_server):
    token = _token(channel_server.secrets["SOCKETIO_JWT_KEY"])
    question, mark = "Quelles sont les valeurs de l'ICM ?", "4 valeurs"
    replies = asyncio.run(
        socketio_exchange(channel_server.base, {"token": f"Bearer {token}"}, question, mark)
    )
    assert any(mark in reply for reply in replies), replies


@pytest.mark.integration
@pytest.mark.parametrize("case", ["no-auth", "no-token", "other-key", "expired", "alg-none", "garbage"])
def test_socketio_without_a_valid_jwt_is_refused(channel_server, case):
    key = channel_server.secrets["SOCKETIO_JWT_KEY"]
    tokens = {
        "no-token": {},
        "other-key": {"token": "Bearer " + _token("not-the-key-" + "x" * 32)},
        "expired": {"token": "Bearer " + _token(key, exp=int(time.time()) - 60)},
        "alg-none": {"token": "Bearer " + jwt.encode({"sub": "widget"}, None, algorithm="none")},
        "garbage": {"token": "Bearer not.a.jwt"},
    }
    with pytest.raises(socketio.exceptions.ConnectionError):
        asyncio.run(socketio_exchange(channel_server.base, tokens.get(case), None))


# --- how the servers are started ------------------------------------------------------------------------


def _procfile_commands() -> Dict[str, str]:
    lines = (ROOT / "Procfile").read_text().splitlines()
    return dict(line.split(":", 1) for line in lines if line.strip() and not line.startswith("#"))


def _rasa_server_args() -> List[str]:
    for command in _procfile_commands().values():
        args = shlex.split(command, posix=True)
        if "run" in args and "actions" not in args and any(a.endswith("rasa") for a in args):
            return args
    raise AssertionError("The Procfile has no `rasa run` line for the Rasa server")


def _value_after(args: List[str], flag: str) -> Optional[str]:
    return args[args.index(flag) + 1] if flag in args else None


def test_procfile_binds_the_rasa_server_to_loopback_by_default():
    interface = _value_after(_rasa_server_args(), "--interface")
    assert interface in ("127.0.0.1", "$RASA_INTERFACE", "${RASA_INTERFACE}"), interface
    if interface != "127.0.0.1":
        assert makefile_default("RASA_INTERFACE") == "127.0.0.1"


def _api_is_protected(args: List[str]) -> bool:
    if "--enable-api" not in args:
        return True
    if _value_after(args, "--jwt-secret"):
        return True
    token = _value_after(args, "--auth-token")
    if token in ("$RASA_API_TOKEN", "${RASA_API_TOKEN}"):
        # An empty token is refused only because Sanic drops blank query values: make run must always set
        # one (the Makefile's default, scripts/local_secret.sh).
        return bool(makefile_default("RASA_API_TOKEN"))
    return bool(token) and token.startswith("${RASA_API_TOKEN:?")


def test_procfile_never_enables_the_http_api_without_a_token():
    assert _api_is_protected(_rasa_server_args()), (
        "The Procfile starts Rasa with --enable-api but without a token that is always set: use "
        '--auth-token "$RASA_API_TOKEN" with a Makefile default '
        "(export RASA_API_TOKEN ?= $(shell scripts/local_secret.sh rasa-api-token))."
    )


@pytest.mark.parametrize(
    ("command", "protected"),
    [
        ('.venv/bin/rasa run --interface "$RASA_INTERFACE" --port "$RASA_PORT"', True),
        (
            '.venv/bin/rasa run --interface "$RASA_INTERFACE" --enable-api --auth-token "$RASA_API_TOKEN"',
            None,
        ),
        ('.venv/bin/rasa run --enable-api --auth-token "${RASA_API_TOKEN:?set RASA_API_TOKEN}"', True),
        ('.venv/bin/rasa run --enable-api --jwt-secret "$RASA_JWT_SECRET"', True),
        ('.venv/bin/rasa run --interface "$RASA_INTERFACE" --enable-api', False),
        ('.venv/bin/rasa run --enable-api --auth-token ""', False),
    ],
)
def test_the_api_rule_accepts_a_token_and_rejects_an_open_api(command, protected):
    if protected is None:  # the Procfile form: protected when the Makefile always sets a token
        protected = bool(makefile_default("RASA_API_TOKEN"))
    assert _api_is_protected(shlex.split(command)) is protected
