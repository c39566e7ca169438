"""Session fixtures: one trained model, and the real action server + Rasa server on free ports."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import time
import urllib.error
import urllib.request
import uuid
from pathlib import Path
from typing import Iterator, List, Optional

import pytest

from bench.paths import BIN
from bench.paths import DEFAULT_MODEL as MODEL
from bench.servers import free_port, get_json, post_json, rasa_env
from bench.servers import stop as stop_process
from tests.helpers import ROOT

START_TIMEOUT_S = 300


@pytest.fixture(scope="session")
def trained_model() -> Path:
    """Train once per test session (Rasa reuses the model when data and config are unchanged)."""
    result = subprocess.run(
        [str(BIN / "rasa"), "train", "--out", "models", "--fixed-model-name", "icm"],
        cwd=ROOT,
        env=rasa_env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    assert result.returncode == 0, "rasa train failed:\n" + result.stdout[-4000:]
    assert MODEL.exists(), f"rasa train did not write {MODEL}"
    return MODEL


class Servers:
    """The action server and a Rasa server (REST + socket.io) started from the trained model."""

    def __init__(self, model: Path, workdir: Path) -> None:
        self.model = model
        self.workdir = workdir
        self.action_port = free_port()
        self.rasa_port = free_port()
        # The widget's static server (tests that need it start it on this port): Rasa allows its origin.
        self.web_port = free_port()
        self.tracker_db = workdir / "tracker.db"
        self.actions_db = workdir / "actions.db"
        self.api_token = uuid.uuid4().hex
        self.env = rasa_env(
            ACTION_SERVER_URL=f"http://127.0.0.1:{self.action_port}/webhook",
            RASA_TRACKER_DB=str(self.tracker_db),
            ICM_ACTIONS_DB_URL=f"sqlite:///{self.actions_db}",
        )
        self.actions: Optional[subprocess.Popen] = None
        self.rasa: Optional[subprocess.Popen] = None

    @property
    def webhook(self) -> str:
        return f"http://127.0.0.1:{self.rasa_port}/webhooks/rest/webhook"

    def _spawn(self, args: List[str], log_name: str) -> subprocess.Popen:
        log = open(self.workdir / log_name, "ab")  # noqa: SIM115 - closed with the process
        return subprocess.Popen(args, cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT)

    def start_actions(self) -> None:
        self.actions = self._spawn(
            [str(BIN / "rasa"), "run", "actions", "--port", str(self.action_port), "--actions", "actions"],
            "actions.log",
        )
        self._wait(lambda: get_json(f"http://127.0.0.1:{self.action_port}/health"), self.actions, "actions")

    def start_rasa(self) -> None:
        self.rasa = self._spawn(
            [
                str(BIN / "rasa"),
                "run",
                "--interface",
                "127.0.0.1",
                "--port",
                str(self.rasa_port),
                "--model",
                str(self.model),
                "--credentials",
                "credentials.yml",
                "--endpoints",
                "endpoints.yml",
                "--cors",
                f"http://localhost:{self.web_port}",
                f"http://127.0.0.1:{self.web_port}",
                # The HTTP API lets tests ask the model directly; token-protected, loopback only.
                "--enable-api",
                "--auth-token",
                self.api_token,
            ],
            "rasa.log",
        )
        # The server answers only once the model is loaded: wait for a real reply.
        self._wait(
            lambda: post_json(self.webhook, {"sender": "readiness", "message": "bonjour"}), self.rasa, "rasa"
        )

    def stop_rasa(self) -> None:
        stop_process(self.rasa)
        self.rasa = None

    def _wait(self, probe, process: subprocess.Popen, name: str) -> None:
        deadline = time.monotonic() + START_TIMEOUT_S
        while time.monotonic() < deadline:
            if process.poll() is not None:
                break
            try:
                if probe():
                    return
            except (urllib.error.URLError, ConnectionError, TimeoutError, json.JSONDecodeError):
                pass
            time.sleep(1)
        log = (self.workdir / f"{name}.log").read_text(errors="replace")[-4000:]
        raise RuntimeError(f"The {name} server did not start; its log ends with:\n{log}")

    def say(self, sender: str, message: str) -> List[str]:
        """Send one user message over REST and return the bot's texts."""
        return [m.get("text", "") for m in self.exchange(sender, message)]

    def exchange(self, sender: str, message: str) -> List[dict]:
        """Send one user message over REST and return the bot's messages (text, buttons…)."""
        return post_json(self.webhook, {"sender": sender, "message": message})

    def parse(self, text: str) -> dict:
        """What the trained model makes of a message (intent, ranking, response selector)."""
        url = f"http://127.0.0.1:{self.rasa_port}/model/parse?token={self.api_token}"
        return post_json(url, {"text": text})

    def close(self) -> None:
        stop_process(self.rasa)
        stop_process(self.actions)


@pytest.fixture(scope="session")
def servers(trained_model: Path, tmp_path_factory) -> Iterator[Servers]:
    """Both servers, started once for the whole session."""
    workdir = tmp_path_factory.mktemp("servers")
    running = Servers(trained_model, workdir)
    try:
        running.start_actions()
        running.start_rasa()
        yield running
    finally:
        running.close()
        if os.environ.get("ICM_KEEP_SERVER_LOGS"):
            shutil.copytree(workdir, ROOT / "reports" / "server-logs", dirs_exist_ok=True)


@pytest.fixture(scope="module")
def browser():
    """A headless Debian Chromium (Playwright) for the browser tests of one module.

    Module scope: Playwright's sync API runs its own event loop, which must be closed before the
    asyncio tests of other modules run.
    """
    from tests.browser_support import chromium_missing_reason, launch_browser

    reason = chromium_missing_reason()
    if reason:
        pytest.skip(reason)
    yield from launch_browser()


@pytest.fixture
def anyio_backend() -> str:
    """Async action tests run on asyncio, like the rasa-sdk action server."""
    return "asyncio"
