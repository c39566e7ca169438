"""Test support for the messaging channels, with no traffic leaving 127.0.0.1.

- `FakeApis`: a local HTTP server standing in for the Telegram Bot API, the Graph API (Messenger),
  Twilio's REST API and Slack's Web API. It records every call, answers like the real API, and
  enforces a few of their documented limits (message length, Telegram callback data, Messenger buttons)
  so an answer the real service would refuse fails here too.
- `python -m tests.channel_support <rasa arguments>`: runs `rasa` unchanged except for one thing: the
  HTTP clients the connectors use (aiohttp for aiogram and slack_sdk, requests for fbmessenger and
  twilio) send calls for those four API hosts to `FakeApis` ($ICM_TEST_FAKE_APIS) and refuse any other
  host that is not loopback. The connectors build their real requests (paths, fields, tokens).
- `ChannelServer`: the fake APIs plus that Rasa server with every channel on (secrets made up here),
  using the session's action server; one per test session (`shared_channel_server`).
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import json
import os
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Dict, List, Optional, Tuple
from urllib.parse import urlsplit

from bench.servers import free_port
from bench.servers import stop as stop_process
from tests.helpers import ROOT

FAKE_ENV = "ICM_TEST_FAKE_APIS"
FAKE_HOSTS = ("api.telegram.org", "graph.facebook.com", "api.twilio.com", "slack.com", "www.slack.com")
LOOPBACK = ("127.0.0.1", "localhost", "::1")
WAIT_S = 180


# --- in the Rasa subprocess: send the four APIs' calls to the fake, refuse the rest -------------------


def redirect(url: str, fake: str) -> str:
    """The URL to call instead of `url`: the fake for the four APIs, loopback as is, else an error."""
    parts = urlsplit(url)
    if parts.hostname in LOOPBACK:
        return url
    if parts.hostname in FAKE_HOSTS:
        query = f"?{parts.query}" if parts.query else ""
        return f"{fake}/{parts.hostname}{parts.path}{query}"
    raise ConnectionRefusedError(f"The channel tests allow no traffic outside 127.0.0.1; refused {url}")


def install_redirect(fake: str) -> None:
    """Patch aiohttp's and requests' lowest request methods to go through `redirect`."""
    import aiohttp
    import requests

    original_request = aiohttp.ClientSession._request

    async def _request(self, method, str_or_url, **kwargs):  # type: ignore[no-untyped-def]
        return await original_request(self, method, redirect(str(str_or_url), fake), **kwargs)

    aiohttp.ClientSession._request = _request  # type: ignore[method-assign]

    original_send = requests.Session.send

    def send(self, request, **kwargs):  # type: ignore[no-untyped-def]
        request.url = redirect(request.url, fake)
        kwargs["proxies"] = {}
        return original_send(self, request, **kwargs)

    requests.Session.send = send  # type: ignore[method-assign]


def run_rasa(argv: List[str]) -> None:
    install_redirect(os.environ[FAKE_ENV])
    from rasa.__main__ import main

    sys.argv = ["rasa", *argv]
    main()


# --- in the test process: the fake APIs --------------------------------------------------------------


@dataclass
class Call:
    """One HTTP call a connector made to a (fake) messaging API."""

    host: str
    method: str
    path: str
    query: Dict[str, str]
    headers: Dict[str, str]
    data: Dict[str, Any]

    @property
    def api_method(self) -> str:
        return self.path.rstrip("/").rsplit("/", 1)[-1]


class FakeApis:
    """Telegram, Graph (Messenger), Twilio and Slack Web APIs on 127.0.0.1, recording each call."""

    def __init__(self, telegram_username: str) -> None:
        self.telegram_username = telegram_username
        self.port = free_port()
        self.calls: List[Call] = []
        self._lock = threading.Lock()
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self._runner: Any = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        from aiohttp import web

        app = web.Application()
        app.router.add_route("*", "/{tail:.*}", self._handle)
        self._runner = web.AppRunner(app)
        self._thread.start()
        asyncio.run_coroutine_threadsafe(self._runner.setup(), self._loop).result()
        site = web.TCPSite(self._runner, "127.0.0.1", self.port)
        asyncio.run_coroutine_threadsafe(site.start(), self._loop).result()

    def stop(self) -> None:
        if self._runner is not None:
            asyncio.run_coroutine_threadsafe(self._runner.cleanup(), self._loop).result()
        if self._thread.is_alive():
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(timeout=10)

    def calls_to(self, host: str, api_method: Optional[str] = None) -> List[Call]:
        with self._lock:
            return [c for c in self.calls if c.host == host and api_method in (None, c.api_method)]

    async def _handle(self, request: Any) -> Any:
        from aiohttp import web

        host, _, path = request.path.lstrip("/").partition("/")
        if request.content_type == "application/json":
            data = await request.json()
        else:
            data = {key: value for key, value in (await request.post()).items() if isinstance(value, str)}
        call = Call(host, request.method, "/" + path, dict(request.query), dict(request.headers), data)
        with self._lock:
            self.calls.append(call)
        status, body = self._answer(call)
        return web.json_response(body, status=status)

    def _answer(self, call: Call) -> Tuple[int, Dict[str, Any]]:
        if call.host == "api.telegram.org":
            return _telegram(call, self.telegram_username)
        if call.host == "graph.facebook.com":
            return _messenger(call)
        if call.host == "api.twilio.com":
            return _twilio(call)
        return _slack(call)


def _telegram(call: Call, username: str) -> Tuple[int, Dict[str, Any]]:
    """Bot API answers; sendMessage refuses what Telegram refuses (text > 4096, callback data > 64 B)."""
    method = call.api_method
    if method == "getMe":
        bot = {"id": 4711, "is_bot": True, "first_name": "ICM", "username": username}
        return 200, {"ok": True, "result": bot}
    if method != "sendMessage":
        return 200, {"ok": True, "result": True}
    text = str(call.data.get("text", ""))
    markup = json.loads(call.data.get("reply_markup") or "{}")
    buttons = [b for row in markup.get("inline_keyboard", []) for b in row]
    if not text.strip() or len(text) > 4096:
        return 400, {"ok": False, "error_code": 400, "description": "Bad Request: message text is invalid"}
    if any(len(b.get("callback_data", "").encode()) > 64 for b in buttons):
        return 400, {"ok": False, "error_code": 400, "description": "Bad Request: BUTTON_DATA_INVALID"}
    chat = {"id": int(call.data["chat_id"]), "type": "private"}
    message = {"message_id": len(text), "date": int(time.time()), "chat": chat, "text": text}
    return 200, {"ok": True, "result": message}


def _messenger(call: Call) -> Tuple[int, Dict[str, Any]]:
    """Send API answers; refuses text > 2000 chars, button templates with > 3 buttons or text > 640."""
    message = call.data.get("message", {}) if isinstance(call.data, dict) else {}
    template = message.get("attachment", {}).get("payload", {})
    too_long = len(message.get("text", "")) > 2000 or len(template.get("text", "")) > 640
    if too_long or len(template.get("buttons", [])) > 3:
        return 400, {"error": {"message": "(#100) Invalid parameter", "type": "OAuthException", "code": 100}}
    return 200, {
        "recipient_id": call.data.get("recipient", {}).get("id"),
        "message_id": f"m_{uuid.uuid4().hex}",
    }


def _twilio(call: Call) -> Tuple[int, Dict[str, Any]]:
    """Messages.json answers like Twilio (201 + the message resource); refuses bodies > 1600 chars."""
    body = str(call.data.get("Body", ""))
    if len(body) > 1600:
        return 400, {
            "code": 21617,
            "message": "The concatenated message body exceeds the 1600 character limit.",
        }
    resource = {
        "sid": f"SM{uuid.uuid4().hex}",
        "to": call.data.get("To"),
        "from": call.data.get("From"),
        "body": body,
        "status": "queued",
        "direction": "outbound-api",
    }
    return 201, resource


def _slack(call: Call) -> Tuple[int, Dict[str, Any]]:
    return 200, {"ok": True, "channel": call.data.get("channel"), "ts": f"{time.time():.6f}"}


def sent_texts(call: Call) -> List[str]:
    """The text a send call carried (Telegram, Messenger, Twilio, Slack), empty for other calls."""
    data = call.data
    if call.host == "api.telegram.org" and call.api_method == "sendMessage":
        return [str(data.get("text", ""))]
    if call.host == "graph.facebook.com" and call.api_method == "messages":
        message = data.get("message", {})
        return [message.get("text") or message.get("attachment", {}).get("payload", {}).get("text", "")]
    if call.host == "api.twilio.com" and call.path.endswith("/Messages.json"):
        return [str(data.get("Body", ""))]
    if call.host in ("slack.com", "www.slack.com") and call.api_method == "chat.postMessage":
        return [str(data.get("text", ""))]
    return []


# --- signatures, as each platform computes them -------------------------------------------------------


def messenger_signature(secret: str, body: bytes) -> str:
    return "sha1=" + hmac.new(secret.encode(), body, hashlib.sha1).hexdigest()


def slack_signature(secret: str, timestamp: str, body: bytes) -> str:
    base = f"v0:{timestamp}:".encode() + body
    return "v0=" + hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()


def twilio_signature(auth_token: str, url: str, form: Dict[str, str]) -> str:
    """Twilio's documented scheme: HMAC-SHA1 of the URL followed by each sorted key and its value."""
    payload = url + "".join(key + form[key] for key in sorted(form))
    return base64.b64encode(hmac.new(auth_token.encode(), payload.encode(), hashlib.sha1).digest()).decode()


# --- the Rasa server with every channel on --------------------------------------------------------------


def channel_secrets() -> Dict[str, str]:
    """Made-up credentials for every channel in credentials.yml (the fake APIs accept them)."""
    token = uuid.uuid4().hex
    return {
        "TELEGRAM_ACCESS_TOKEN": f"{int(time.time())}:{token}",
        "TELEGRAM_BOT_USERNAME": "icm_test_bot",
        "TELEGRAM_WEBHOOK_URL": "https://assistant.example.org/webhooks/telegram/webhook",
        "FACEBOOK_VERIFY_TOKEN": uuid.uuid4().hex,
        "FACEBOOK_APP_SECRET": uuid.uuid4().hex,
        "FACEBOOK_PAGE_ACCESS_TOKEN": "EAAtest" + token,
        "TWILIO_ACCOUNT_SID": "AC" + uuid.uuid4().hex,
        "TWILIO_AUTH_TOKEN": uuid.uuid4().hex,
        "TWILIO_WHATSAPP_NUMBER": "whatsapp:+15005550006",
        "TWILIO_WEBHOOK_URL": "https://assistant.example.org/webhooks/twilio/webhook",
        "SLACK_BOT_TOKEN": "xoxb-test-" + token,
        "SLACK_SIGNING_SECRET": uuid.uuid4().hex,
        "SOCKETIO_JWT_KEY": uuid.uuid4().hex,
    }


class ChannelServer:
    """A Rasa server (real model, the session's action server) with every channel on, and the fake APIs."""

    def __init__(self, servers: Any, workdir: Path) -> None:
        self.workdir = workdir
        self.secrets = channel_secrets()
        self.fake = FakeApis(self.secrets["TELEGRAM_BOT_USERNAME"])
        self.port = free_port()
        self.api_token = uuid.uuid4().hex
        self.credentials = workdir / "credentials.active.yml"
        self.env = {
            **servers.env,
            **self.secrets,
            FAKE_ENV: self.fake.url,
            "RASA_TRACKER_DB": str(workdir / "tracker.db"),
        }
        self.model = servers.model
        self.channels_line = ""
        self.process: Optional[subprocess.Popen] = None
        self.closed = False

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        self.fake.start()
        generated = subprocess.run(
            [sys.executable, "-m", "channels.active_credentials", "--out", str(self.credentials)],
            cwd=ROOT,
            env=self.env,
            capture_output=True,
            text=True,
            check=True,
        )
        self.channels_line = generated.stdout.strip()
        args = ["run", "--interface", "127.0.0.1", "--port", str(self.port), "--model", str(self.model)]
        args += ["--credentials", str(self.credentials), "--endpoints", "endpoints.yml"]
        args += ["--enable-api", "--auth-token", self.api_token]
        log = open(self.workdir / "rasa.log", "ab")  # noqa: SIM115 - closed with the process
        self.process = subprocess.Popen(
            [sys.executable, "-m", "tests.channel_support", *args],
            cwd=ROOT,
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        self.wait_for(self._answers_rest, "the channel Rasa server to answer over REST", fail_fast=True)

    def _answers_rest(self) -> bool:
        status, body = self.post(
            "/webhooks/rest/webhook", json.dumps({"sender": "readiness", "message": "bonjour"}).encode()
        )
        return status == 200 and bool(json.loads(body))

    def close(self) -> None:
        if self.closed:
            return
        self.closed = True
        stop_process(self.process)
        self.fake.stop()

    def log_tail(self) -> str:
        return (self.workdir / "rasa.log").read_text(errors="replace")[-4000:]

    def wait_for(self, condition: Callable[[], Any], what: str, fail_fast: bool = False) -> Any:
        """Poll `condition` until it returns something truthy; fail with the server log after WAIT_S."""
        deadline = time.monotonic() + (300 if fail_fast else WAIT_S)
        while time.monotonic() < deadline:
            if self.process is not None and self.process.poll() is not None:
                break
            try:
                result = condition()
                if result:
                    return result
            except (urllib.error.URLError, ConnectionError, TimeoutError, json.JSONDecodeError):
                pass
            time.sleep(0.5)
        raise AssertionError(f"Timed out waiting for {what}; the Rasa log ends with:\n{self.log_tail()}")

    def post(self, path: str, body: bytes, headers: Optional[Dict[str, str]] = None) -> Tuple[int, str]:
        request = urllib.request.Request(
            self.base + path, data=body, headers={"Content-Type": "application/json", **(headers or {})}
        )
        try:
            with urllib.request.urlopen(request, timeout=120) as response:
                return response.status, response.read().decode(errors="replace")
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode(errors="replace")

    def get(self, path: str) -> Tuple[int, str]:
        try:
            with urllib.request.urlopen(self.base + path, timeout=30) as response:
                return response.status, response.read().decode(errors="replace")
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode(errors="replace")

    def tracker(self, sender: str) -> Dict[str, Any]:
        # Rasa's routes do not unquote the conversation id: send ':' and '+' (WhatsApp ids) as they are.
        path = urllib.parse.quote(sender, safe=":+@")
        status, body = self.get(f"/conversations/{path}/tracker?token={self.api_token}")
        assert status == 200, body
        return json.loads(body)

    def finished_turn(self, sender: str, text: str) -> Optional[Dict[str, Any]]:
        """The tracker once `text` was received from `sender` and the bot is listening again."""
        tracker = self.tracker(sender)
        users = [e for e in tracker["events"] if e["event"] == "user" and e.get("text") == text]
        if users and tracker.get("latest_action_name") == "action_listen":
            return tracker
        return None


_SHARED: Dict[str, Any] = {}


def shared_channel_server(servers: Any, tmp_path_factory: Any, request: Any) -> ChannelServer:
    """One ChannelServer for the whole session, whichever test module asks first (a failed start is
    reported to each of them, not retried)."""
    if "error" in _SHARED:
        raise RuntimeError("The channel Rasa server failed to start (see the first error).")
    if "server" not in _SHARED:
        server = ChannelServer(servers, tmp_path_factory.mktemp("channels"))
        request.addfinalizer(server.close)
        try:
            server.start()
        except BaseException:
            _SHARED["error"] = True
            raise
        _SHARED["server"] = server
    return _SHARED["server"]


async def socketio_exchange(
    url: str, auth: Optional[dict], message: Optional[str], mark: str = ""
) -> List[str]:
    """Connect like a socket.io widget (raises socketio.exceptions.ConnectionError when refused), ask
    for a session, say `message` and return the bot's texts, once one contains `mark` (or after 2 min)."""
    import socketio

    client = socketio.AsyncClient(reconnection=False)
    replies: List[str] = []
    session_id = uuid.uuid4().hex
    confirmed = asyncio.Event()
    client.on("session_confirm", lambda _data: confirmed.set())
    client.on("bot_uttered", lambda data: replies.append(data.get("text", "")))
    # Long polling: python-engineio 4.15's websocket client needs a newer aiohttp than the pinned 3.9.5.
    await client.connect(url, auth=auth, transports=["polling"], socketio_path="socket.io", wait_timeout=30)
    try:
        if message is None:
            return replies
        await client.emit("session_request", {"session_id": session_id})
        await asyncio.wait_for(confirmed.wait(), timeout=60)
        await client.emit("user_uttered", {"message": message, "session_id": session_id})
        for _ in range(240):
            if any(mark in reply for reply in replies):
                break
            await asyncio.sleep(0.5)
        return replies
    finally:
        await client.disconnect()


def bot_texts(tracker: Dict[str, Any]) -> List[str]:
    return [e["text"] for e in tracker["events"] if e["event"] == "bot" and e.get("text")]


if __name__ == "__main__":
    run_rasa(sys.argv[1:])
