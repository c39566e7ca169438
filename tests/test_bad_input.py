"""Bad input over REST: a clear reply or a 4xx, never a 5xx or a crash, and the server keeps serving."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
import uuid

import pytest

pytestmark = pytest.mark.integration


def raw_post(url: str, body: bytes, content_type: str = "application/json"):
    request = urllib.request.Request(url, data=body, headers={"Content-Type": content_type})
    try:
        with urllib.request.urlopen(request, timeout=120) as response:
            return response.status, response.read().decode(errors="replace")
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode(errors="replace")


@pytest.mark.parametrize(
    "message",
    [
        "",
        "   ",
        "a" * 10_000,
        "😀😀😀",
        "<script>alert('x')</script>",
        "<img src=x onerror=alert(1)>",
        "'; DROP TABLE events; --",
        "\x00\x01\x02 \ufffd\ufffe",
    ],
    ids=["empty", "whitespace", "10k-chars", "emoji", "script", "img-onerror", "sql", "control-bytes"],
)
def test_odd_messages_get_an_answer_or_a_4xx_and_the_server_keeps_serving(servers, message):
    sender = f"bad-{uuid.uuid4().hex[:8]}"
    status, body = raw_post(servers.webhook, json.dumps({"sender": sender, "message": message}).encode())
    assert status < 500, body
    if status == 200:
        for reply in json.loads(body):
            assert "<script>" not in reply.get("text", "") and "onerror" not in reply.get("text", "")
    assert servers.say(sender, "Bonjour"), "the server stopped answering"


@pytest.mark.parametrize(
    "body",
    [b"{not json", b"", b"[1, 2, 3]", json.dumps({"message": "Bonjour"}).encode()],
    ids=["malformed", "no-body", "wrong-shape", "no-sender"],
)
def test_malformed_requests_get_a_400_with_a_clear_message(servers, body):
    status, text = raw_post(servers.webhook, body)
    assert status == 400, text
    assert "sender" in text and "message" in text
    assert servers.say(f"ok-{uuid.uuid4().hex[:8]}", "Bonjour")


@pytest.mark.parametrize("sender", ["<b>x</b>", "../../etc/passwd", "a b\tc", "'; --", "é" * 100])
def test_strange_sender_ids_get_an_answer(servers, sender):
    status, text = raw_post(servers.webhook, json.dumps({"sender": sender, "message": "Bonjour"}).encode())
    assert status == 200, text
    assert "Bonjour" in text


@pytest.mark.parametrize("sender", ["", "   ", 42, "x" * 129])
def test_invalid_sender_ids_get_a_400(servers, sender):
    status, text = raw_post(servers.webhook, json.dumps({"sender": sender, "message": "Bonjour"}).encode())
    assert status == 400, text
    assert "sender" in text
