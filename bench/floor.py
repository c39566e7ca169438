"""The floor: a minimal Sanic app (the Sanic of Rasa, 1 worker) answering the REST webhook with a fixed reply.

It parses the JSON body like the REST channel does, then returns a constant list: whatever it costs is
the price of Sanic + HTTP + JSON on this machine, the least a Rasa turn can take.

    python -m bench.floor --port 5099
"""

from __future__ import annotations

import argparse
import sys
from typing import List, Optional

from sanic import Sanic
from sanic.request import Request
from sanic.response import HTTPResponse, json

REPLY_TEXT = "Réponse fixe du serveur plancher."


def create_app() -> Sanic:
    """The floor app: POST /webhooks/rest/webhook → [{"recipient_id": sender, "text": REPLY_TEXT}]."""
    app = Sanic("bench_floor", configure_logging=False)

    @app.post("/webhooks/rest/webhook")
    async def webhook(request: Request) -> HTTPResponse:
        body = request.json if isinstance(request.json, dict) else {}
        return json([{"recipient_id": str(body.get("sender", "")), "text": REPLY_TEXT}])

    @app.get("/")
    async def health(_: Request) -> HTTPResponse:
        return json({"status": "ok"})

    return app


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.floor", description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args(argv)
    # Same settings as `rasa run`: loopback, backlog 100, one worker; no access log.
    create_app().run(host="127.0.0.1", port=args.port, backlog=100, workers=1, access_log=False)
    return 0


if __name__ == "__main__":
    sys.exit(main())
