"""Start and stop the servers under test (action server, Rasa server, floor) on free loopback ports.

Started like tests/conftest.py does; each is a context manager that always stops its process tree
(SIGTERM, then SIGKILL after a timeout).
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Dict, Iterator, List, Optional

import psutil

from bench.paths import BIN, ROOT

START_TIMEOUT_S = 300
STOP_TIMEOUT_S = 30
HOST = "127.0.0.1"
# glibc heap arenas of every server process, as the Makefile and deploy/Dockerfile.* set them.
DEPLOYED_MALLOC_ARENA_MAX = "2"


@dataclass
class Server:
    """A running server: its process, port and log file."""

    name: str
    process: subprocess.Popen
    port: int
    log: Path
    api_token: Optional[str] = None

    @property
    def pid(self) -> int:
        return self.process.pid

    @property
    def base_url(self) -> str:
        return f"http://{HOST}:{self.port}"

    @property
    def webhook(self) -> str:
        return f"{self.base_url}/webhooks/rest/webhook"


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nobody listens on right now."""
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def rasa_env(**extra: str) -> Dict[str, str]:
    """Environment for rasa subprocesses: quiet, no telemetry, one Sanic worker, plus `extra`.

    MALLOC_ARENA_MAX as `make run` and deploy/ set it (unless the caller's environment sets it), so
    the memory measured is the deployed one.
    """
    env = dict(os.environ)
    env.setdefault("MALLOC_ARENA_MAX", DEPLOYED_MALLOC_ARENA_MAX)
    env.update(
        RASA_TELEMETRY_ENABLED="false",
        TF_CPP_MIN_LOG_LEVEL="2",
        PYTHONWARNINGS="ignore",
        SANIC_WORKERS="1",
    )
    env.update(extra)
    return env


def post_json(url: str, payload: dict, timeout: float = 60) -> object:
    """POST a JSON body and decode the JSON answer."""
    request = urllib.request.Request(
        url, data=json.dumps(payload).encode(), headers={"Content-Type": "application/json"}
    )
    with urllib.request.urlopen(request, timeout=timeout) as response:
        return json.loads(response.read().decode())


def get_json(url: str, timeout: float = 10) -> object:
    with urllib.request.urlopen(url, timeout=timeout) as response:
        return json.loads(response.read().decode())


def log_tail(log: Path, chars: int = 3000) -> str:
    return log.read_text(errors="replace")[-chars:] if log.exists() else "(no log)"


def stop(process: Optional[subprocess.Popen]) -> None:
    """SIGTERM the process, SIGKILL it after STOP_TIMEOUT_S, then kill any descendant it left behind."""
    if process is None or process.poll() is not None:
        return
    try:
        descendants = psutil.Process(process.pid).children(recursive=True)
    except psutil.NoSuchProcess:
        descendants = []
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=STOP_TIMEOUT_S)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
    for child in descendants:
        with contextlib.suppress(psutil.NoSuchProcess):
            child.kill()


def _wait_ready(server: Server, probe: Callable[[], object], what: str) -> None:
    """Call `probe` every second until it returns something truthy; print progress every 15 s."""
    started = time.monotonic()
    next_note = 15.0
    while time.monotonic() - started < START_TIMEOUT_S:
        if server.process.poll() is not None:
            raise RuntimeError(
                f"The {server.name} exited during start-up (code {server.process.returncode}); "
                f"see {server.log}. Its log ends with:\n{log_tail(server.log)}"
            )
        with contextlib.suppress(urllib.error.URLError, ConnectionError, TimeoutError, ValueError):
            if probe():
                print(f"    {server.name} ready after {time.monotonic() - started:.0f} s", flush=True)
                return
        elapsed = time.monotonic() - started
        if elapsed >= next_note:
            print(f"    waiting for the {server.name} ({what})… {elapsed:.0f} s", flush=True)
            next_note += 15
        time.sleep(1)
    raise RuntimeError(
        f"The {server.name} did not answer within {START_TIMEOUT_S} s; see {server.log}. "
        f"Its log ends with:\n{log_tail(server.log)}"
    )


@contextlib.contextmanager
def _spawn(name: str, args: List[str], log: Path, port: int, env: Dict[str, str]) -> Iterator[Server]:
    with open(log, "ab") as log_file:
        process = subprocess.Popen(args, cwd=ROOT, env=env, stdout=log_file, stderr=subprocess.STDOUT)
    try:
        yield Server(name=name, process=process, port=port, log=log)
    finally:
        stop(process)


@contextlib.contextmanager
def action_server(workdir: Path) -> Iterator[Server]:
    """`rasa run actions` on a free port, with its own SQLite database in `workdir`."""
    port = free_port()
    env = rasa_env(ICM_ACTIONS_DB_URL=f"sqlite:///{workdir / 'actions.db'}")
    args = [str(BIN / "rasa"), "run", "actions", "--port", str(port), "--actions", "actions"]
    with _spawn("action server", args, workdir / "actions.log", port, env) as server:
        _wait_ready(server, lambda: get_json(f"{server.base_url}/health"), "import of the actions")
        yield server


READY_LINE = "Rasa server is up and running."


def _workers_up(server: Server, workers: int) -> bool:
    """Whether every Sanic worker has logged that it is up (each loads the model on its own)."""
    return server.log.read_text(errors="replace").count(READY_LINE) >= workers


@contextlib.contextmanager
def rasa_server(
    name: str,
    model: Path,
    workdir: Path,
    action_port: int,
    workers: int = 1,
    endpoints: str = "endpoints.yml",
    extra_env: Optional[Dict[str, str]] = None,
) -> Iterator[Server]:
    """`rasa run` of `model` (REST, token-protected HTTP API for /model/parse) on a free port.

    One Sanic worker on endpoints.yml (SQLite tracker store) by default; `workers` > 1 needs endpoints
    with a Redis lock store and a shared tracker store (endpoints.prod.yml and its `extra_env`).
    """
    port = free_port()
    token = uuid.uuid4().hex
    env = rasa_env(
        ACTION_SERVER_URL=f"http://{HOST}:{action_port}/webhook",
        RASA_TRACKER_DB=str(workdir / f"tracker-{name}.db"),
        ICM_ACTIONS_DB_URL=f"sqlite:///{workdir / 'actions.db'}",
        SANIC_WORKERS=str(workers),
        **(extra_env or {}),
    )
    args = [
        str(BIN / "rasa"),
        "run",
        "--interface",
        HOST,
        "--port",
        str(port),
        "--model",
        str(model),
        "--credentials",
        "credentials.yml",
        "--endpoints",
        endpoints,
        "--enable-api",
        "--auth-token",
        token,
    ]
    log = workdir / f"rasa-{name}.log"
    with _spawn(f"Rasa server ({name})", args, log, port, env) as server:
        server.api_token = token
        probe_body = {"sender": f"bench-readiness-{token[:8]}", "message": "bonjour"}

        def ready() -> bool:
            return bool(post_json(server.webhook, probe_body)) and _workers_up(server, workers)

        what = "model load, about 30 s" + (f" in each of {workers} workers" if workers > 1 else "")
        _wait_ready(server, ready, what)
        yield server


@contextlib.contextmanager
def floor_server(workdir: Path) -> Iterator[Server]:
    """The minimal Sanic app of bench/floor.py on a free port."""
    port = free_port()
    args = [sys.executable, "-m", "bench.floor", "--port", str(port)]
    with _spawn("floor server", args, workdir / "floor.log", port, rasa_env()) as server:
        _wait_ready(server, lambda: get_json(f"{server.base_url}/"), "Sanic start-up")
        yield server
