"""Telegram, with two fixes to Rasa 3.6's channel: it answers at all, and only Telegram can call it.

1. Rasa's TelegramInput registers the webhook at start-up inside `asyncio.run()`, and the aiogram Bot
   keeps the HTTP session opened in that short-lived event loop; the server's loop then fails on every
   update ("RuntimeError: Event loop is closed", a 500). Here the registration session is closed before
   that loop ends, so the Bot opens a new one in the server's loop.
2. Rasa checks each update by asking Telegram the bot's username (getMe), which anyone posting a fake
   update passes. Here the webhook is registered with a `secret_token` (derived from the bot token, so
   no extra setting), Telegram sends it back in `X-Telegram-Bot-Api-Secret-Token` with every update, and
   a POST without it gets a 403. Rasa's unauthenticated `/set_webhook` route (which would register the
   webhook without the secret) answers 404.

Same URL (POST /webhooks/telegram/webhook) and credentials as Rasa's channel.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import logging
from typing import Any, Awaitable, Callable, Optional

from aiogram.utils.exceptions import TelegramAPIError
from rasa.core.channels.channel import UserMessage
from rasa.core.channels.telegram import TelegramInput, TelegramOutput
from rasa.shared.exceptions import RasaException
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

logger = logging.getLogger(__name__)
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"


def webhook_secret(access_token: str) -> str:
    """The secret_token given to Telegram: 64 hex characters derived from the bot token."""
    return hmac.new(access_token.encode(), b"icm-telegram-webhook", hashlib.sha256).hexdigest()


class SecretTelegramInput(TelegramInput):
    """POST /webhooks/telegram/webhook, only with Telegram's secret token header."""

    @classmethod
    def name(cls) -> str:
        return "telegram"

    @property
    def secret(self) -> str:
        return webhook_secret(self.access_token or "")

    def get_output_channel(self) -> TelegramOutput:
        """The Bot that sends the answers, after registering the webhook (with its secret) at start-up."""
        channel = TelegramOutput(self.access_token)

        async def register() -> None:
            try:
                await channel.request("setWebhook", {"url": self.webhook_url, "secret_token": self.secret})
            finally:
                await channel.close()  # the server's event loop opens its own session

        try:
            asyncio.run(register())
        except TelegramAPIError as error:
            raise RasaException(
                f"Telegram refused the webhook {self.webhook_url!r}: {error}. Check TELEGRAM_ACCESS_TOKEN "
                "and that TELEGRAM_WEBHOOK_URL is a public https URL ending in /webhooks/telegram/webhook."
            ) from error
        return channel

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        telegram_webhook = super().blueprint(on_new_message)

        @telegram_webhook.middleware("request")
        async def check_secret(request: Request) -> Optional[HTTPResponse]:
            if request.path.rstrip("/").endswith("/set_webhook"):
                return response.text("Not found.", status=404)
            if request.method == "POST":
                given = request.headers.get(SECRET_HEADER, "")
                if not hmac.compare_digest(given.encode(), self.secret.encode()):
                    logger.warning("Refused a Telegram webhook call without the secret token header.")
                    return response.text(f"Invalid or missing {SECRET_HEADER}.", status=403)
            return None

        return telegram_webhook
