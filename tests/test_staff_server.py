"""Staff answer finder against the real servers: token, lookup, unanswered list and CSV, held-out accuracy,
and the page in a real browser (axe, screenshot)."""

from __future__ import annotations

import csv
import io
import json
import os
import shutil
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from typing import Dict, Iterator, Optional, Tuple

import pytest

from bench.servers import free_port
from staff.intents import expected_answer, is_answer
from tests.browser_support import (
    blocking_axe_violations,
    screenshot,
)
from tests.helpers import ROOT

pytestmark = pytest.mark.integration
TOKEN = "staff-" + uuid.uuid4().hex
# The model cannot read this (nlu_fallback): the assistant asks "Vouliez-vous dire … ?".
NONSENSE = ("zorglub frobnitz ?", "Zorglub, frobnitz")
TARGET = 0.95


class Staff:
    """The staff server started as `python -m staff.server`."""

    def __init__(self, port: int) -> None:
        self.base = f"http://127.0.0.1:{port}"

    def get(self, path: str, token: Optional[str] = TOKEN, **params) -> Tuple[int, Dict[str, str], bytes]:
        url = self.base + path + ("?" + urllib.parse.urlencode(params) if params else "")
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        try:
            with urllib.request.urlopen(urllib.request.Request(url, headers=headers), timeout=60) as r:
                return r.status, dict(r.headers), r.read()
        except urllib.error.HTTPError as err:
            return err.code, dict(err.headers), err.read()

    def api(self, path: str, **params) -> dict:
        status, _, body = self.get(path, **params)
        assert status == 200, body[:500]
        return json.loads(body)


@pytest.fixture(scope="module")
def staff(servers, tmp_path_factory) -> Iterator[Staff]:
    port = free_port()
    env = dict(
        os.environ,
        ICM_STAFF_TOKEN=TOKEN,
        STAFF_PORT=str(port),
        RASA_URL=f"http://127.0.0.1:{servers.rasa_port}",
        RASA_API_TOKEN=servers.api_token,
        ICM_TRACKER_DB_URL=f"sqlite:///{servers.tracker_db}",
        PYTHONWARNINGS="ignore",
    )
    log_path = tmp_path_factory.mktemp("staff") / "staff.log"
    with open(log_path, "wb") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "staff.server"], cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT
        )
    running = Staff(port)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and process.poll() is None:
        try:
            if running.get("/login", token=None)[0] == 200:
                break
        except (urllib.error.URLError, ConnectionError):
            time.sleep(0.3)
    else:
        process.kill()
        pytest.fail("The staff server did not start:\n" + log_path.read_text(errors="replace")[-3000:])
    try:
        yield running
    finally:
        process.terminate()
        process.wait(timeout=20)


def test_without_the_token_pages_and_api_answer_401(staff):
    status, _, body = staff.get("/", token=None)
    assert status == 401 and b'name="token"' in body  # the login form
    assert staff.get("/api/lookup", token=None, q="ALD")[0] == 401
    assert staff.get("/api/unanswered.csv", token=None)[0] == 401
    assert staff.get("/api/lookup", token="wrong-" + TOKEN, q="ALD")[0] == 401
    assert staff.get("/", token="wrong-" + TOKEN)[0] == 401


def test_a_known_question_returns_its_approved_answer_first(staff):
    found = staff.api("/api/lookup", q="Est-ce que je vais payer des dépassements d'honoraires ?")
    assert found["model_error"] is None
    first = found["results"][0]
    assert first["id"] == "utter_faq/extra_fees"
    assert "dépassement" in first["fr"] and "fees" in first["en"]
    assert first["reviewed"] and first["sources"][0]["title"]


def test_a_message_the_assistant_did_not_understand_is_listed_with_its_count(servers, staff):
    for spelling in NONSENSE:
        replies = " ".join(servers.say(f"staff-{uuid.uuid4().hex}", spelling))
        assert "compris" in replies, replies  # "Je ne suis pas sûr d'avoir compris…"
    listed = {q["question"].lower(): q for q in staff.api("/api/unanswered", days=1)["questions"]}
    entry = next(q for text, q in listed.items() if "zorglub" in text)
    assert entry["count"] == 2 and entry["fallbacks"] == 2
    status, headers, body = staff.get("/api/unanswered.csv", days=1)
    assert status == 200 and headers["Content-Type"].startswith("text/csv")
    assert "attachment" in headers["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(body.decode("utf-8-sig"))))
    row = next(r for r in rows if "zorglub" in r["question"].lower())
    assert row["count"] == "2"


def test_held_out_top1_accuracy_through_the_running_server(staff):
    from staff.evaluate import held_out_examples

    examples = held_out_examples()
    correct, misses = 0, []
    for label, text in examples:
        results = staff.api("/api/lookup", q=text, limit=1)["results"]
        found = results[0]["id"] if results else None
        if found and is_answer(found, expected_answer(label)):
            correct += 1
        else:
            misses.append(f"{text!r}: expected {expected_answer(label)}, got {found}")
    accuracy = correct / len(examples)
    print(f"\nstaff answer finder, held-out top-1: {correct}/{len(examples)} = {accuracy:.1%}")
    assert accuracy >= TARGET, "\n".join(misses)


def test_the_page_logs_in_finds_an_answer_and_is_accessible(servers, staff, browser):
    servers.say(f"staff-{uuid.uuid4().hex}", NONSENSE[0])  # so that the unanswered list has a row
    context = browser.new_context(permissions=["clipboard-read", "clipboard-write"])
    page = context.new_page()
    try:
        page.goto(staff.base + "/")
        assert blocking_axe_violations(page) == []  # the login form
        page.get_by_label("Jeton d'accès du personnel").fill(TOKEN)
        page.get_by_role("button", name="Se connecter").click()
        page.get_by_label("Question du patient ou mot-clé (français ou anglais)").fill("ALD")
        page.get_by_role("button", name="Rechercher").click()
        first = page.locator(".result").first
        first.wait_for()
        assert "utter_faq/ald" in first.locator("code").inner_text()
        french = first.locator("[lang=fr] p").inner_text()
        assert "ALD" in french and "ALD" in first.locator("[lang=en] p").inner_text()
        first.get_by_role("button", name="Copier le texte français de utter_faq/ald").click()
        page.get_by_text("Texte français copié.").wait_for()
        assert page.evaluate("navigator.clipboard.readText()") == french
        page.locator("#unanswered-table").get_by_text("zorglub", exact=False).first.wait_for()
        assert blocking_axe_violations(page) == []
        path = screenshot(page, "staff-finder")
        if os.environ.get("ICM_UPDATE_DOCS_SCREENSHOTS") == "1":
            target = ROOT / "docs" / "screenshots" / "staff-finder.png"
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(path, target)
    finally:
        context.close()
