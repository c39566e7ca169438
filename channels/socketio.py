"""socket.io, with session persistence that delivers the answers.

With `session_persistence: true`, Rasa 3.6 files a conversation under the `session_id` the client asks
for and sends the answers to the socket.io room of that name. It puts the client in that room with
`sio.enter_room(...)` without `await`; python-socketio 5.18 (pinned) made `AsyncServer.enter_room` a
coroutine, so the client never joined and every answer went to an empty room (found by
tests/test_api_security.py). This subclass replaces only the `session_request` handler with one that
awaits it. Same path (/socket.io), events and credentials as Rasa's channel.
"""

from __future__ import annotations

import uuid
from typing import Any, Awaitable, Callable, Dict, Optional

from rasa.core.channels.channel import UserMessage
from rasa.core.channels.socketio import SocketIOInput
from sanic import Blueprint


class PersistentSocketIOInput(SocketIOInput):
    """Rasa's socket.io channel, with `session_request` joining the session's room."""

    @classmethod
    def name(cls) -> str:
        return "socketio"

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        socketio_webhook = super().blueprint(on_new_message)
        sio = self.sio
        assert sio is not None, "Rasa's blueprint() creates the socket.io server"

        @sio.on("session_request", namespace=self.namespace)
        async def session_request(sid: str, data: Optional[Dict[str, Any]]) -> None:
            data = data if isinstance(data, dict) else {}
            session_id = data.get("session_id") or uuid.uuid4().hex
            if self.session_persistence:
                await sio.enter_room(sid, session_id, namespace=self.namespace)
            await sio.emit("session_confirm", session_id, room=sid, namespace=self.namespace)

        return socketio_webhook
