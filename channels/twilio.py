"""WhatsApp/SMS through Twilio, refusing webhook calls that Twilio did not sign.

Rasa's TwilioInput accepts any POST to /webhooks/twilio/webhook and answers the `From` number it
contains: anyone could make the assistant send (paid) WhatsApp messages to any number. This subclass
keeps the same URL and payload and first checks the `X-Twilio-Signature` header, an HMAC-SHA1 of the
public webhook URL and the form fields with the account's auth token, as Twilio documents. Behind a
reverse proxy the URL the server sees differs from the one Twilio called, so that public URL comes from
the credentials (`webhook_url`, exactly as entered in the Twilio console).
"""

from __future__ import annotations

import logging
from typing import Any, Awaitable, Callable, Dict, Optional

from rasa.core.channels.channel import InputChannel, UserMessage
from rasa.core.channels.twilio import TwilioInput
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse
from twilio.request_validator import RequestValidator

logger = logging.getLogger(__name__)


class SignedTwilioInput(TwilioInput):
    """POST /webhooks/twilio/webhook, only with a valid X-Twilio-Signature."""

    @classmethod
    def name(cls) -> str:
        return "twilio"

    @classmethod
    def from_credentials(cls, credentials: Optional[Dict[str, Any]]) -> InputChannel:
        if not credentials:
            cls.raise_missing_credentials_exception()
        webhook_url = credentials.get("webhook_url")
        if not webhook_url or not credentials.get("auth_token"):
            raise ValueError(
                "The twilio channel needs `auth_token` and `webhook_url` (the public URL entered in the "
                "Twilio console, ending in /webhooks/twilio/webhook): set TWILIO_AUTH_TOKEN and "
                "TWILIO_WEBHOOK_URL."
            )
        return cls(
            credentials.get("account_sid"),
            credentials.get("auth_token"),
            credentials.get("twilio_number"),
            webhook_url=webhook_url,
        )

    def __init__(
        self,
        account_sid: Optional[str],
        auth_token: Optional[str],
        twilio_number: Optional[str],
        debug_mode: bool = True,
        webhook_url: str = "",
    ) -> None:
        super().__init__(account_sid, auth_token, twilio_number, debug_mode)
        self.webhook_url = webhook_url
        self.validator = RequestValidator(auth_token or "")

    def is_signed_by_twilio(self, request: Request) -> bool:
        """True when X-Twilio-Signature matches the public webhook URL and the form fields."""
        signature = request.headers.get("X-Twilio-Signature", "")
        return bool(signature) and self.validator.validate(self.webhook_url, request.form, signature)

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        twilio_webhook = super().blueprint(on_new_message)

        @twilio_webhook.middleware("request")
        async def check_signature(request: Request) -> Optional[HTTPResponse]:
            if request.method == "POST" and not self.is_signed_by_twilio(request):
                logger.warning(
                    "Refused a Twilio webhook call without a valid X-Twilio-Signature: check that "
                    "TWILIO_WEBHOOK_URL is the URL set in the Twilio console and TWILIO_AUTH_TOKEN its token."
                )
                return response.text("Invalid or missing X-Twilio-Signature.", status=403)
            return None

        return twilio_webhook
