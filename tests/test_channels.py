"""Messaging channels: credentials from the environment, and real-shaped webhooks end to end.

The integration tests post what Telegram, Twilio (WhatsApp), Messenger and Slack post, to a Rasa server
running the real model with every channel on; the connectors' outgoing API calls go to a local fake
API (tests/channel_support.py). Each test checks that the user's text reached the assistant (its
tracker, over the HTTP API) and that every answer the assistant gave was handed to the platform's send
call, to the right recipient. Nothing leaves 127.0.0.1.
"""

from __future__ import annotations

import asyncio
import json
import subprocess
import time
import urllib.parse
import uuid
from typing import Dict, List

import pytest
import yaml

from channels import active_credentials
from tests.channel_support import (
    ChannelServer,
    bot_texts,
    messenger_signature,
    sent_texts,
    shared_channel_server,
    slack_signature,
    socketio_exchange,
    twilio_signature,
)
from tests.helpers import ROOT

QUESTION = "Quelles sont les valeurs de l'ICM ?"
ANSWER_MARK = "4 valeurs"  # in utter_faq/values_overview, the answer to QUESTION
MESSAGING = {
    "channels.telegram.SecretTelegramInput": [
        "TELEGRAM_ACCESS_TOKEN",
        "TELEGRAM_BOT_USERNAME",
        "TELEGRAM_WEBHOOK_URL",
    ],
    "facebook": ["FACEBOOK_VERIFY_TOKEN", "FACEBOOK_APP_SECRET", "FACEBOOK_PAGE_ACCESS_TOKEN"],
    "channels.twilio.SignedTwilioInput": [
        "TWILIO_ACCOUNT_SID",
        "TWILIO_AUTH_TOKEN",
        "TWILIO_WHATSAPP_NUMBER",
        "TWILIO_WEBHOOK_URL",
    ],
    "slack": ["SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET"],
}


# --- credentials.yml, credentials.channels.yml and the generator ------------------------------------


def test_credentials_yml_has_no_variable_and_every_optional_secret_is_an_unquoted_variable():
    base = active_credentials.read_credentials(ROOT / "credentials.yml")
    assert list(base) == ["channels.rest.ValidatedRestInput", "channels.socketio.PersistentSocketIOInput"]
    assert not active_credentials.variables(base), "credentials.yml must load without any environment"
    optional = active_credentials.read_credentials(ROOT / "credentials.channels.yml")
    raw = (ROOT / "credentials.channels.yml").read_text()
    for channel, names in MESSAGING.items():
        assert list(optional[channel].values()) == [f"${{{name}}}" for name in names], channel
        for name in names:
            assert f": ${{{name}}}\n" in raw, f"{name} must be written unquoted, or Rasa will not expand it"
    assert optional["channels.socketio.PersistentSocketIOInput"] == {
        "jwt_key": "${SOCKETIO_JWT_KEY}",
        "jwt_method": "HS256",
    }


def test_rasa_expands_the_variables_of_the_generated_file(tmp_path, monkeypatch):
    import rasa.shared.utils.io

    env = {name: f"value-of-{name}" for names in MESSAGING.values() for name in names}
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    out = tmp_path / "active.yml"
    assert active_credentials.main(["--out", str(out)], env=env) == 0
    assert "value-of-" not in out.read_text(), "secrets must stay in the environment, not on disk"
    loaded = rasa.shared.utils.io.read_config_file(str(out))
    assert loaded["channels.telegram.SecretTelegramInput"]["access_token"] == "value-of-TELEGRAM_ACCESS_TOKEN"
    assert loaded["facebook"]["secret"] == "value-of-FACEBOOK_APP_SECRET"
    assert loaded["channels.twilio.SignedTwilioInput"]["webhook_url"] == "value-of-TWILIO_WEBHOOK_URL"
    assert loaded["slack"]["slack_signing_secret"] == "value-of-SLACK_SIGNING_SECRET"


def test_with_no_channel_variable_only_rest_and_socketio_are_on(tmp_path, capsys):
    out = tmp_path / "active.yml"
    assert active_credentials.main(["--out", str(out)], env={}) == 0
    generated = yaml.safe_load(out.read_text())
    assert generated == yaml.safe_load((ROOT / "credentials.yml").read_text())
    printed = capsys.readouterr().out
    assert printed.startswith(
        "Channels: rest, socketio. Off (variables not set): telegram, facebook, twilio, slack."
    )
    assert "socketio runs without its options (SOCKETIO_JWT_KEY not set)" in printed


def test_a_channel_is_on_when_all_its_variables_are_set(tmp_path, capsys):
    out = tmp_path / "active.yml"
    env = {
        "TELEGRAM_ACCESS_TOKEN": "1:x",
        "TELEGRAM_BOT_USERNAME": "b",
        "TELEGRAM_WEBHOOK_URL": "https://h/w",
    }
    active_credentials.main(["--out", str(out)], env={**env, "SOCKETIO_JWT_KEY": "k"})
    generated = yaml.safe_load(out.read_text())
    assert list(generated) == [
        "channels.rest.ValidatedRestInput",
        "channels.socketio.PersistentSocketIOInput",
        "channels.telegram.SecretTelegramInput",
    ]
    assert generated["channels.socketio.PersistentSocketIOInput"]["jwt_key"] == "${SOCKETIO_JWT_KEY}"
    assert (
        generated["channels.socketio.PersistentSocketIOInput"]["user_message_evt"] == "user_uttered"
    ), "the JWT is added to socket.io's settings"
    printed = capsys.readouterr().out
    assert "socketio (SOCKETIO_JWT_KEY set)" in printed
    assert "telegram (TELEGRAM_ACCESS_TOKEN, TELEGRAM_BOT_USERNAME, TELEGRAM_WEBHOOK_URL set)" in printed


def test_a_half_configured_channel_stays_off_with_a_warning(tmp_path, capsys):
    out = tmp_path / "active.yml"
    active_credentials.main(
        ["--out", str(out)], env={"FACEBOOK_APP_SECRET": "s", "FACEBOOK_VERIFY_TOKEN": " "}
    )
    assert "facebook" not in yaml.safe_load(out.read_text())
    err = capsys.readouterr().err
    assert "facebook stays off because FACEBOOK_VERIFY_TOKEN, FACEBOOK_PAGE_ACCESS_TOKEN are not set" in err


def test_rasa_builds_every_channel_from_the_generated_file(tmp_path, monkeypatch):
    from rasa.core.run import create_http_input_channels

    env = {name: f"1:{name}" for names in MESSAGING.values() for name in names}
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    out = tmp_path / "active.yml"
    active_credentials.main(["--out", str(out)], env=env)
    names = [channel.name() for channel in create_http_input_channels(None, str(out))]
    assert names == ["rest", "socketio", "telegram", "facebook", "twilio", "slack"]


# --- end to end, against the channel server ----------------------------------------------------------------


@pytest.fixture(scope="session")
def channel_server(servers, tmp_path_factory, request) -> ChannelServer:
    return shared_channel_server(servers, tmp_path_factory, request)


def _delivered(server: ChannelServer, host: str, recipient_key, recipient: str) -> List[str]:
    return [
        text
        for call in server.fake.calls_to(host)
        if recipient_key(call) == recipient
        for text in sent_texts(call)
    ]


def _check_answered(server: ChannelServer, sender: str, channel: str, delivered) -> None:
    """The user's QUESTION is in the tracker from `channel`, answered, and every answer was sent."""
    try:
        tracker = server.wait_for(
            lambda: server.finished_turn(sender, QUESTION), f"{channel} message in tracker"
        )
    except AssertionError:
        events = server.tracker(sender)["events"]
        summary = [(e["event"], e.get("text") or e.get("name")) for e in events][-12:]
        raise AssertionError(
            f"{channel}: the tracker of {sender!r} never showed the finished turn: {summary}"
        ) from None
    user = next(e for e in tracker["events"] if e["event"] == "user" and e["text"] == QUESTION)
    assert user["input_channel"] == channel
    answers = bot_texts(tracker)
    assert any(ANSWER_MARK in text for text in answers), answers
    parts = [part.strip() for text in answers for part in text.strip().split("\n\n")]

    def all_sent() -> bool:
        sent = "\n\n".join(delivered())
        return all(part in sent for part in parts)

    try:
        server.wait_for(all_sent, f"every answer sent through {channel}")
    except AssertionError:
        missing = [part for part in parts if part not in "\n\n".join(delivered())]
        raise AssertionError(f"{channel}: answers never sent: {missing}\n{server.log_tail()}") from None


def _no_conversation(server: ChannelServer, sender: str) -> bool:
    return not [e for e in server.tracker(sender)["events"] if e["event"] == "user"]


@pytest.mark.integration
def test_every_channel_is_on_and_telegram_registration_stayed_local(channel_server):
    line = channel_server.channels_line
    assert line.startswith("Channels: rest, socketio (SOCKETIO_JWT_KEY set), telegram (")
    for name in ("facebook (", "twilio (", "slack ("):
        assert name in line
    registration = _telegram_registration(channel_server)
    assert registration.data["url"] == channel_server.secrets["TELEGRAM_WEBHOOK_URL"]
    assert channel_server.secrets["TELEGRAM_ACCESS_TOKEN"] in registration.path
    assert len(registration.data["secret_token"]) >= 32


def _telegram_registration(server: ChannelServer):
    registrations = server.fake.calls_to("api.telegram.org", "setWebhook")
    assert registrations, "the server should register its webhook with Telegram at start-up"
    return registrations[-1]


def _telegram_update(chat_id: int) -> bytes:
    update = {
        "update_id": chat_id,
        "message": {
            "message_id": 1,
            "from": {"id": chat_id, "is_bot": False, "first_name": "Camille", "language_code": "fr"},
            "chat": {"id": chat_id, "first_name": "Camille", "type": "private"},
            "date": int(time.time()),
            "text": QUESTION,
        },
    }
    return json.dumps(update).encode()


def _new_chat_id() -> int:
    return uuid.uuid4().int % 10**9


@pytest.mark.integration
def test_telegram_update_is_answered_through_send_message(channel_server):
    chat_id = _new_chat_id()
    # Telegram sends back, in this header, the secret_token the server registered.
    secret = _telegram_registration(channel_server).data["secret_token"]
    headers = {"X-Telegram-Bot-Api-Secret-Token": secret}
    status, body = channel_server.post("/webhooks/telegram/webhook", _telegram_update(chat_id), headers)
    assert (status, body) == (200, "success")

    def delivered() -> List[str]:
        return _delivered(
            channel_server, "api.telegram.org", lambda c: str(c.data.get("chat_id")), str(chat_id)
        )

    _check_answered(channel_server, str(chat_id), "telegram", delivered)
    sends = channel_server.fake.calls_to("api.telegram.org", "sendMessage")
    keyboards = [
        json.loads(c.data["reply_markup"])
        for c in sends
        if c.data.get("chat_id") == str(chat_id) and c.data.get("reply_markup")
    ]
    payloads = [button["callback_data"] for k in keyboards for row in k["inline_keyboard"] for button in row]
    assert QUESTION in payloads, "the welcome's topic buttons should arrive as Telegram inline buttons"


@pytest.mark.integration
@pytest.mark.parametrize("secret", [None, "", "guessed-secret"], ids=["no-header", "empty", "wrong"])
def test_telegram_update_without_the_secret_token_is_refused(channel_server, secret):
    chat_id = _new_chat_id()
    headers = {} if secret is None else {"X-Telegram-Bot-Api-Secret-Token": secret}
    status, body = channel_server.post("/webhooks/telegram/webhook", _telegram_update(chat_id), headers)
    assert status == 403, body
    assert _no_conversation(channel_server, str(chat_id))
    sent = [
        c for c in channel_server.fake.calls_to("api.telegram.org") if c.data.get("chat_id") == str(chat_id)
    ]
    assert not sent


@pytest.mark.integration
def test_telegram_set_webhook_route_is_closed(channel_server):
    registrations = len(channel_server.fake.calls_to("api.telegram.org", "setWebhook"))
    assert channel_server.get("/webhooks/telegram/set_webhook")[0] == 404
    assert channel_server.post("/webhooks/telegram/set_webhook", b"{}")[0] == 404
    assert len(channel_server.fake.calls_to("api.telegram.org", "setWebhook")) == registrations


def _whatsapp_form(sender: str, server: ChannelServer) -> Dict[str, str]:
    sid = "SM" + uuid.uuid4().hex
    return {
        "SmsMessageSid": sid,
        "NumMedia": "0",
        "ProfileName": "Camille",
        "SmsSid": sid,
        "WaId": sender.split("+")[1],
        "SmsStatus": "received",
        "Body": QUESTION,
        "To": server.secrets["TWILIO_WHATSAPP_NUMBER"],
        "NumSegments": "1",
        "MessageSid": sid,
        "AccountSid": server.secrets["TWILIO_ACCOUNT_SID"],
        "From": sender,
        "ApiVersion": "2010-04-01",
    }


def _new_whatsapp_sender() -> str:
    return f"whatsapp:+3361{uuid.uuid4().int % 10**7:07d}"


def _post_form(server: ChannelServer, form: Dict[str, str], signature: str):
    headers = {"Content-Type": "application/x-www-form-urlencoded", "X-Twilio-Signature": signature}
    return server.post("/webhooks/twilio/webhook", urllib.parse.urlencode(form).encode(), headers)


@pytest.mark.integration
def test_whatsapp_message_signed_by_twilio_is_answered_through_the_messages_api(channel_server):
    sender = _new_whatsapp_sender()
    form = _whatsapp_form(sender, channel_server)
    signature = twilio_signature(
        channel_server.secrets["TWILIO_AUTH_TOKEN"], channel_server.secrets["TWILIO_WEBHOOK_URL"], form
    )
    status, body = _post_form(channel_server, form, signature)
    assert status == 204, body

    def delivered() -> List[str]:
        return _delivered(channel_server, "api.twilio.com", lambda c: c.data.get("To"), sender)

    _check_answered(channel_server, sender, "twilio", delivered)
    calls = [c for c in channel_server.fake.calls_to("api.twilio.com") if c.data.get("To") == sender]
    assert {c.data.get("From") for c in calls} == {channel_server.secrets["TWILIO_WHATSAPP_NUMBER"]}
    assert channel_server.secrets["TWILIO_ACCOUNT_SID"] in calls[0].path


@pytest.mark.integration
@pytest.mark.parametrize(
    "signature", ["", "bm90IGEgc2lnbmF0dXJl", "wrong-token"], ids=["none", "forged", "bad-key"]
)
def test_whatsapp_post_without_a_valid_twilio_signature_is_refused(channel_server, signature):
    sender = _new_whatsapp_sender()
    form = _whatsapp_form(sender, channel_server)
    if signature == "wrong-token":
        signature = twilio_signature("not-the-token", channel_server.secrets["TWILIO_WEBHOOK_URL"], form)
    status, body = _post_form(channel_server, form, signature)
    assert status == 403, body
    assert "X-Twilio-Signature" in body
    assert _no_conversation(channel_server, sender)
    assert not [c for c in channel_server.fake.calls_to("api.twilio.com") if c.data.get("To") == sender]


def _messenger_event(psid: str) -> bytes:
    now = int(time.time() * 1000)
    event = {
        "sender": {"id": psid},
        "recipient": {"id": "104000000000001"},
        "timestamp": now,
        "message": {"mid": f"m_{uuid.uuid4().hex}", "text": QUESTION},
    }
    return json.dumps(
        {"object": "page", "entry": [{"id": "104000000000001", "time": now, "messaging": [event]}]}
    ).encode()


@pytest.mark.integration
def test_messenger_event_with_a_valid_signature_is_answered_through_the_send_api(channel_server):
    psid = str(uuid.uuid4().int % 10**16)
    body = _messenger_event(psid)
    signature = messenger_signature(channel_server.secrets["FACEBOOK_APP_SECRET"], body)
    status, text = channel_server.post("/webhooks/facebook/webhook", body, {"X-Hub-Signature": signature})
    assert (status, text) == (200, "success")

    def delivered() -> List[str]:
        return _delivered(
            channel_server, "graph.facebook.com", lambda c: c.data.get("recipient", {}).get("id"), psid
        )

    _check_answered(channel_server, psid, "facebook", delivered)
    sends = channel_server.fake.calls_to("graph.facebook.com", "messages")
    assert sends[0].query["access_token"] == channel_server.secrets["FACEBOOK_PAGE_ACCESS_TOKEN"]


@pytest.mark.integration
@pytest.mark.parametrize("how", ["missing", "other-secret", "other-body"])
def test_messenger_event_with_a_bad_signature_is_rejected(channel_server, how):
    psid = str(uuid.uuid4().int % 10**16)
    body = _messenger_event(psid)
    secret = "not-the-app-secret" if how == "other-secret" else channel_server.secrets["FACEBOOK_APP_SECRET"]
    signed = body.replace(b"ICM", b"XYZ") if how == "other-body" else body
    headers = {} if how == "missing" else {"X-Hub-Signature": messenger_signature(secret, signed)}
    status, text = channel_server.post("/webhooks/facebook/webhook", body, headers)
    assert text == "not validated"  # Rasa's answer (a 200, which Meta does not retry)
    assert _no_conversation(channel_server, psid)
    assert not [
        c
        for c in channel_server.fake.calls_to("graph.facebook.com")
        if c.data.get("recipient", {}).get("id") == psid
    ]


@pytest.mark.integration
def test_messenger_webhook_verification_echoes_the_challenge_only_for_the_verify_token(channel_server):
    token = channel_server.secrets["FACEBOOK_VERIFY_TOKEN"]
    query = urllib.parse.urlencode(
        {"hub.mode": "subscribe", "hub.verify_token": token, "hub.challenge": "1158201444"}
    )
    assert channel_server.get(f"/webhooks/facebook/webhook?{query}") == (200, "1158201444")
    wrong = query.replace(token, "guess")
    assert channel_server.get(f"/webhooks/facebook/webhook?{wrong}")[1] != "1158201444"


def _slack_event(user: str) -> bytes:
    ts = f"{time.time():.6f}"
    event = {
        "type": "message",
        "channel": f"D{user[1:]}",
        "user": user,
        "text": QUESTION,
        "ts": ts,
        "channel_type": "im",
    }
    payload = {
        "token": "verification-token-unused",
        "team_id": "T0ICM0001",
        "api_app_id": "A0ICM0001",
        "event": event,
        "type": "event_callback",
        "event_id": f"Ev{uuid.uuid4().hex[:10].upper()}",
        "event_time": int(time.time()),
        "authorizations": [{"team_id": "T0ICM0001", "user_id": "U0ICMBOT", "is_bot": True}],
    }
    return json.dumps(payload).encode()


def _slack_headers(secret: str, body: bytes, timestamp: int) -> Dict[str, str]:
    return {
        "X-Slack-Request-Timestamp": str(timestamp),
        "X-Slack-Signature": slack_signature(secret, str(timestamp), body),
    }


@pytest.mark.integration
def test_slack_event_with_a_valid_signature_is_answered_through_chat_post_message(channel_server):
    user = "U" + uuid.uuid4().hex[:9].upper()
    body = _slack_event(user)
    headers = _slack_headers(channel_server.secrets["SLACK_SIGNING_SECRET"], body, int(time.time()))
    status, text = channel_server.post("/webhooks/slack/webhook", body, headers)
    assert status == 200, text

    def delivered() -> List[str]:
        return _delivered(channel_server, "slack.com", lambda c: c.data.get("channel"), f"D{user[1:]}")

    _check_answered(channel_server, user, "slack", delivered)
    sends = channel_server.fake.calls_to("slack.com", "chat.postMessage")
    assert sends[0].headers["Authorization"] == f"Bearer {channel_server.secrets['SLACK_BOT_TOKEN']}"


@pytest.mark.integration
@pytest.mark.parametrize("how", ["missing", "other-secret", "stale"])
def test_slack_event_with_a_bad_signature_is_rejected(channel_server, how):
    user = "U" + uuid.uuid4().hex[:9].upper()
    body = _slack_event(user)
    secret = (
        "not-the-signing-secret" if how == "other-secret" else channel_server.secrets["SLACK_SIGNING_SECRET"]
    )
    timestamp = int(time.time()) - (600 if how == "stale" else 0)  # Slack: reject requests older than 5 min
    headers = {} if how == "missing" else _slack_headers(secret, body, timestamp)
    status, text = channel_server.post("/webhooks/slack/webhook", body, headers)
    assert status == 400, text
    assert _no_conversation(channel_server, user)
    assert not [
        c for c in channel_server.fake.calls_to("slack.com") if c.data.get("channel") == f"D{user[1:]}"
    ]


def test_the_generated_file_is_not_committed():
    ignored = subprocess.run(["git", "check-ignore", "-q", "var/credentials.active.yml"], cwd=ROOT)
    assert ignored.returncode == 0, "var/credentials.active.yml must be git-ignored"


@pytest.mark.integration
def test_socketio_with_session_persistence_delivers_the_answer(servers):
    """Rasa 3.6 with python-socketio 5.18 never delivered it (channels/socketio.py)."""
    url = f"http://127.0.0.1:{servers.rasa_port}"
    replies = asyncio.run(socketio_exchange(url, None, QUESTION, ANSWER_MARK))
    assert any(ANSWER_MARK in reply for reply in replies), replies
