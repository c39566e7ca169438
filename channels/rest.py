"""The REST channel with request validation: a bad body gets a 400 with a clear message, never a 500.

Rasa's own RestInput answers 500 to an empty body or a JSON list, and files every request without a
`sender` under one shared conversation ("default"). This subclass keeps the same URL
(POST /webhooks/rest/webhook) and payload, and checks them first.
"""

from __future__ import annotations

from typing import Any, Dict, Optional

from rasa.core.channels.rest import RestInput
from sanic.exceptions import InvalidUsage, PayloadTooLarge
from sanic.request import Request

MAX_SENDER_LENGTH = 128
# Longer than any question a patient types (the website widget caps its input field lower); a longer
# message gets a 413 instead of tying up the NLU pipeline.
MAX_MESSAGE_LENGTH = 5_000
USAGE = 'Send a JSON object: {"sender": "<conversation id>", "message": "<text>"}.'


def _body(request: Request) -> Dict[str, Any]:
    try:
        body = request.json
    except InvalidUsage as error:
        raise InvalidUsage(f"The body is not valid JSON. {USAGE}") from error
    if not isinstance(body, dict):
        raise InvalidUsage(f"The body must be a JSON object. {USAGE}")
    return body


class ValidatedRestInput(RestInput):
    """POST /webhooks/rest/webhook, with a 400 for a body that is not a valid message, 413 if too long."""

    @classmethod
    def name(cls) -> str:
        return "rest"

    async def _extract_sender(self, req: Request) -> Optional[str]:
        sender = _body(req).get("sender")
        if not isinstance(sender, str) or not sender.strip():
            raise InvalidUsage(f'"sender" is required and must be a non-empty string. {USAGE}')
        if len(sender) > MAX_SENDER_LENGTH:
            raise InvalidUsage(f'"sender" must be at most {MAX_SENDER_LENGTH} characters.')
        return sender

    def _extract_message(self, req: Request) -> Optional[str]:
        message = _body(req).get("message", "")
        if not isinstance(message, str):
            raise InvalidUsage(f'"message" must be a string. {USAGE}')
        if len(message) > MAX_MESSAGE_LENGTH:
            raise PayloadTooLarge(
                f'"message" is {len(message):,} characters long; send at most {MAX_MESSAGE_LENGTH:,}.'
            )
        return message

    def _extract_input_channel(self, req: Request) -> str:
        channel = _body(req).get("input_channel")
        return channel if isinstance(channel, str) and channel else self.name()
