"""What the trained model makes of a text: one interface, two implementations.

`RasaHttpParser` asks a running Rasa server (`POST /model/parse`, started with `--enable-api --auth-token`);
`LocalParser` loads models/icm.tar.gz in this process (about half a minute) when no server answers.
"""

from __future__ import annotations

import asyncio
import json
import os
import sys
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path
from typing import Any, Dict, Optional, Protocol

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_RASA_URL = "http://127.0.0.1:5005"
DEFAULT_MODEL = ROOT / "models" / "icm.tar.gz"
ParseData = Dict[str, Any]


class ParserUnavailable(RuntimeError):
    """The model cannot be asked (server down, wrong token, model missing)."""


class Parser(Protocol):
    """Anything that turns a text into Rasa parse data (intent ranking, response selector, entities)."""

    def parse(self, text: str) -> ParseData: ...


class RasaHttpParser:
    """The running Rasa server's HTTP API (loopback, token-protected)."""

    def __init__(self, url: Optional[str] = None, token: Optional[str] = None, timeout: float = 30) -> None:
        self.url = (url or os.environ.get("RASA_URL") or DEFAULT_RASA_URL).rstrip("/")
        self.token = token if token is not None else os.environ.get("RASA_API_TOKEN", "")
        self.timeout = timeout

    def parse(self, text: str) -> ParseData:
        query = "?" + urllib.parse.urlencode({"token": self.token}) if self.token else ""
        request = urllib.request.Request(
            f"{self.url}/model/parse{query}",
            data=json.dumps({"text": text}).encode(),
            headers={"Content-Type": "application/json"},
        )
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                return json.loads(response.read().decode())
        except urllib.error.HTTPError as err:
            if err.code in (401, 403):
                raise ParserUnavailable(
                    f"The Rasa server at {self.url} refused the token: set RASA_API_TOKEN to the token "
                    "it was started with (rasa run --enable-api --auth-token …)."
                ) from err
            if err.code == 404:
                raise ParserUnavailable(
                    f"The Rasa server at {self.url} has no HTTP API: "
                    "start it with --enable-api --auth-token …"
                ) from err
            raise ParserUnavailable(f"The Rasa server at {self.url} answered HTTP {err.code}.") from err
        except (urllib.error.URLError, ConnectionError, TimeoutError, json.JSONDecodeError) as err:
            raise ParserUnavailable(
                f"No Rasa server answers at {self.url} (set RASA_URL, or start it with `make run`)."
            ) from err


class LocalParser:
    """The trained model loaded in this process (for the CLI and `evaluate` when no server runs)."""

    def __init__(self, model: Optional[Path] = None) -> None:
        path = Path(model or os.environ.get("RASA_MODEL") or DEFAULT_MODEL)
        if not path.is_absolute():
            path = ROOT / path
        if not path.exists():
            raise ParserUnavailable(f"The model {path} is missing: run `make train` first.")
        print("Loading the model (about half a minute)…", file=sys.stderr, flush=True)
        os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
        if str(ROOT) not in sys.path:
            sys.path.insert(0, str(ROOT))  # the pipeline's custom component lives in components/
        import logging
        import warnings

        warnings.filterwarnings("ignore")
        from rasa.core.agent import Agent
        from rasa.utils.common import configure_logging_and_warnings
        from rasa.utils.log_utils import configure_structlog

        configure_logging_and_warnings(logging.WARNING)
        configure_structlog(logging.WARNING)
        self._loop = asyncio.new_event_loop()
        self._agent = Agent.load(str(path))

    def parse(self, text: str) -> ParseData:
        return self._loop.run_until_complete(self._agent.parse_message(text))


def default_parser(allow_local: bool = True) -> Parser:
    """The running server when it answers, else (CLI only) the model loaded in-process."""
    remote = RasaHttpParser()
    try:
        remote.parse("bonjour")
        return remote
    except ParserUnavailable as reason:
        if not allow_local:
            raise
        print(f"{reason} Using the model in-process instead.", file=sys.stderr)
        return LocalParser()
