"""The patient chat widget in a real browser (Chromium), against the real action and Rasa servers.

The demo page is served by `python -m web.serve` on the port the Rasa server allows (CORS). Expected
answers are substrings of the approved answers in domain.yml.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
import urllib.error
import urllib.request
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator, List

import pytest
from playwright.sync_api import expect

from tests.browser_support import blocking_axe_violations, screenshot
from tests.helpers import ROOT

pytestmark = pytest.mark.integration

DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 375, "height": 740}
WAIT_MS = 60_000  # an answer may take a while on a loaded machine; this is a limit, not a measurement
WEBHOOK = "**/webhooks/rest/webhook"
START_TIMEOUT_S = 30

QUESTION = "C'est quoi la charte Unicancer ?"
CHARTER_ANSWER = "6 engagements envers les patients, communs à tous les centres"  # utter_faq/charter_what
VALUES_ANSWER = "L'ICM a 4 valeurs"  # utter_faq/icm_values, the "Nos valeurs" button's answer
WELCOME = "assistant automatisé"  # utter_welcome
XSS = '<img src=x onerror="window.__xss=1">'
CRAFTED_XSS = '<img src=x onerror="window.__xss=2">'


# --- Fixtures ----------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def demo_url(servers, tmp_path_factory) -> Iterator[str]:
    """`python -m web.serve` on the port the Rasa server accepts; yields the site's root URL."""
    env = dict(
        os.environ, WEB_PORT=str(servers.web_port), RASA_PUBLIC_URL=f"http://127.0.0.1:{servers.rasa_port}"
    )
    log_path = tmp_path_factory.mktemp("web") / "web.log"
    with open(log_path, "wb") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "web.serve"], cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT
        )
    url = f"http://127.0.0.1:{servers.web_port}/"
    try:
        _wait_until_served(url, process, log_path)
        yield url
    finally:
        process.terminate()
        process.wait(timeout=10)


def _wait_until_served(url: str, process: subprocess.Popen, log_path: Path) -> None:
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline and process.poll() is None:
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except (urllib.error.URLError, ConnectionError):
            time.sleep(0.2)
    raise RuntimeError(f"web.serve did not answer on {url}; its log:\n{log_path.read_text(errors='replace')}")


@contextmanager
def open_page(browser, url: str, **options) -> Iterator:
    """A page in a fresh browser context (own storage); fails the test on any JavaScript error."""
    context = browser.new_context(**{"viewport": DESKTOP, "locale": "fr-FR", **options})
    errors: List[str] = []
    try:
        page = context.new_page()
        page.on("pageerror", lambda error: errors.append(str(error)))
        page.goto(url)
        yield page
        assert errors == [], f"JavaScript errors in the page: {errors}"
    finally:
        context.close()


@pytest.fixture
def page(browser, demo_url):
    with open_page(browser, demo_url) as opened:
        yield opened


# --- Helpers: what a user sees and does ---------------------------------------------------------------


def launcher(page):
    return page.get_by_role("button", name="Poser une question")


def log(page):
    return page.get_by_role("log")


def message_input(page):
    return page.get_by_label("Votre message")


def bot_texts(page) -> List[str]:
    return page.locator(".icm-bot").all_inner_texts()


def open_widget(page) -> None:
    """Open the panel and wait for the server's welcome."""
    launcher(page).click()
    expect_text(log(page), WELCOME)


def ask(page, text: str) -> None:
    message_input(page).fill(text)
    message_input(page).press("Enter")


def expect_text(locator, text: str) -> None:
    expect(locator).to_contain_text(text, timeout=WAIT_MS)


def is_focused(locator) -> bool:
    """True when the element has the focus (inside the widget's shadow root too)."""
    return locator.evaluate("element => element.getRootNode().activeElement === element")


def no_horizontal_scroll(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def panel_box(page) -> dict:
    """The panel's box once its opening animation ("icm-in") has ended: before, it is still moving."""
    panel = page.get_by_role("dialog")
    panel.evaluate("panel => Promise.all(panel.getAnimations().map(animation => animation.finished))")
    return panel.bounding_box()


def keep_for_docs(path: Path) -> None:
    """`make screenshots` (ICM_UPDATE_DOCS_SCREENSHOTS=1) refreshes the copies committed in docs/."""
    if os.environ.get("ICM_UPDATE_DOCS_SCREENSHOTS") == "1":
        target = ROOT / "docs" / "screenshots" / path.name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, target)


# --- Conversation ---------------------------------------------------------------------------------------


def test_a_french_question_gets_its_answer_after_one_welcome(page):
    open_widget(page)
    privacy = "Ne partagez pas de détails médicaux. Les conversations sont conservées 90 jours."
    expect(page.get_by_text(privacy)).to_be_visible()
    ask(page, QUESTION)

    expect_text(log(page), CHARTER_ANSWER)
    expect(page.locator(".icm-user")).to_have_text([f"Vous :{QUESTION}"])
    assert sum(WELCOME in text for text in bot_texts(page)) == 1
    expect(message_input(page)).to_have_value("")
    # The welcome's English sentence is marked as English for screen readers.
    expect(log(page).locator('[lang="en"]')).to_have_text(["You can also write in English."])


def test_a_quick_reply_sends_its_payload_and_shows_its_title(page):
    open_widget(page)
    page.get_by_role("button", name="Nos valeurs").click()

    expect_text(log(page), VALUES_ANSWER)
    expect(page.locator(".icm-user")).to_have_text(["Vous :Nos valeurs"])
    # The answer's "•" lines are a list; the buttons of the welcome are gone, the feedback ones are there.
    expect(log(page).locator("li").first).to_contain_text("une médecine humaniste")
    expect(page.get_by_role("button", name="Nos valeurs")).to_have_count(0)
    expect(page.get_by_role("button", name="👍 Oui")).to_be_visible()


def test_the_conversation_survives_a_reload_until_a_new_conversation(page):
    open_widget(page)
    ask(page, QUESTION)
    expect_text(log(page), CHARTER_ANSWER)

    page.reload()
    launcher(page).click()
    expect(log(page)).to_contain_text(QUESTION)
    expect(log(page)).to_contain_text(CHARTER_ANSWER)
    assert sum(WELCOME in text for text in bot_texts(page)) == 1

    page.get_by_role("button", name="Nouvelle conversation").click()
    expect_text(log(page), WELCOME)
    expect(log(page)).not_to_contain_text(QUESTION)
    expect(log(page)).not_to_contain_text(CHARTER_ANSWER)

    page.reload()
    launcher(page).click()
    expect(log(page)).to_contain_text(WELCOME)
    expect(log(page)).not_to_contain_text(QUESTION)


def test_the_widget_works_with_the_keyboard_alone(page):
    for _ in range(30):
        if is_focused(launcher(page)):
            break
        page.keyboard.press("Tab")
    assert is_focused(launcher(page)), "Tab never reached the launcher"

    page.keyboard.press("Enter")
    expect(message_input(page)).to_be_focused()
    expect_text(log(page), WELCOME)
    page.keyboard.type(QUESTION)
    page.keyboard.press("Enter")
    expect_text(log(page), CHARTER_ANSWER)

    thumbs_up = page.get_by_role("button", name="👍 Oui")
    for _ in range(10):
        if is_focused(thumbs_up):
            break
        page.keyboard.press("Shift+Tab")
    assert is_focused(thumbs_up), "Shift+Tab from the message field never reached the quick replies"
    page.keyboard.press("Enter")
    expect_text(log(page), "Merci pour votre retour !")  # utter_feedback_thanks
    expect(page.locator(".icm-user").last).to_have_text("Vous :👍 Oui")

    page.keyboard.press("Escape")
    expect(page.get_by_role("dialog")).to_be_hidden()
    expect(launcher(page)).to_be_visible()
    assert is_focused(launcher(page)), "the focus did not return to the launcher"


# --- Small screens and zoom --------------------------------------------------------------------------


def test_on_a_375px_phone_the_panel_fills_the_screen_without_horizontal_scroll(browser, demo_url):
    with open_page(browser, demo_url, viewport=PHONE, is_mobile=True, has_touch=True) as page:
        open_widget(page)
        ask(page, QUESTION)
        expect_text(log(page), CHARTER_ANSWER)

        box = panel_box(page)
        assert (box["x"], box["y"], box["width"], box["height"]) == (0, 0, PHONE["width"], PHONE["height"])
        assert no_horizontal_scroll(page)
        assert message_input(page).bounding_box()["width"] > 150
        keep_for_docs(screenshot(page, "widget-mobile", full_page=False))


def test_at_200_percent_zoom_the_panel_fits_and_works(browser, demo_url):
    """1280x800 at 200 % zoom is a 640x400 CSS-pixel viewport drawn with 2 device pixels per pixel."""
    viewport = {"width": 640, "height": 400}
    with open_page(browser, demo_url, viewport=viewport, device_scale_factor=2) as page:
        open_widget(page)
        box = panel_box(page)
        assert box["x"] >= 0 and box["y"] >= 0
        assert box["x"] + box["width"] <= viewport["width"] and box["y"] + box["height"] <= viewport["height"]
        expect(message_input(page)).to_be_in_viewport()
        expect(page.get_by_role("button", name="Envoyer")).to_be_in_viewport()
        ask(page, QUESTION)
        expect_text(log(page), CHARTER_ANSWER)
        assert no_horizontal_scroll(page)


def test_reduced_motion_turns_the_animations_off(browser, demo_url):
    def panel_animation(**options) -> str:
        with open_page(browser, demo_url, **options) as page:
            open_widget(page)
            return page.get_by_role("dialog").evaluate("panel => getComputedStyle(panel).animationName")

    assert panel_animation(reduced_motion="no-preference") == "icm-in"
    assert panel_animation(reduced_motion="reduce") == "none"


# --- Safety of the renderer ------------------------------------------------------------------------------


def test_html_in_a_message_is_shown_as_text_and_never_run(browser, demo_url):
    """The page's CSP would block inline handlers anyway: bypass it so that the renderer itself is tested."""
    with open_page(browser, demo_url, bypass_csp=True) as page:
        open_widget(page)
        ask(page, XSS)
        expect(page.locator(".icm-user")).to_have_text([f"Vous :{XSS}"])
        expect(page.locator(".icm-typing")).to_be_hidden(timeout=WAIT_MS)

        crafted = [
            {
                "recipient_id": "x",
                "text": f"Réponse {CRAFTED_XSS} voir https://www.icm.unicancer.fr. ou javascript:alert(1)",
                "buttons": [{"title": "<b onmouseover=alert(3)>Bouton</b>", "payload": "/greet"}],
            }
        ]
        page.route(
            WEBHOOK,
            lambda route: route.fulfill(
                status=200,
                content_type="application/json",
                headers={"Access-Control-Allow-Origin": "*"},
                body=json.dumps(crafted),
            ),
        )
        ask(page, "Bonjour")
        expect_text(log(page), f"Réponse {CRAFTED_XSS} voir")

        link = log(page).get_by_role("link", name="https://www.icm.unicancer.fr")
        expect(link).to_have_attribute("href", "https://www.icm.unicancer.fr/")
        expect(link).to_have_attribute("target", "_blank")
        expect(link).to_have_attribute("rel", "noopener noreferrer")
        expect(log(page).get_by_role("link")).to_have_count(1)  # javascript: is not a link
        expect(page.get_by_role("button", name="<b onmouseover=alert(3)>Bouton</b>")).to_be_visible()
        expect(page.locator("#icm-chat img, #icm-chat b")).to_have_count(0)
        assert page.evaluate("typeof window.__xss") == "undefined"


# --- Errors ----------------------------------------------------------------------------------------------


def test_an_unreachable_server_shows_an_error_and_retry_resends_the_message(page):
    open_widget(page)
    page.route(WEBHOOK, lambda route: route.abort())
    ask(page, QUESTION)

    alert = page.get_by_role("alert")
    expect(alert).to_contain_text("Le serveur ne répond pas", timeout=WAIT_MS)
    retry = page.get_by_role("button", name="Réessayer")
    expect(retry).to_be_visible()
    assert blocking_axe_violations(page) == []

    page.unroute(WEBHOOK)
    retry.click()
    expect_text(log(page), CHARTER_ANSWER)
    expect(alert).to_be_hidden()
    expect(page.locator(".icm-user")).to_have_text([f"Vous :{QUESTION}"])


# --- Accessibility and configuration ------------------------------------------------------------------


def test_axe_finds_no_serious_violation_closed_and_open(page):
    assert blocking_axe_violations(page) == []
    open_widget(page)
    ask(page, QUESTION)
    expect_text(log(page), CHARTER_ANSWER)
    assert blocking_axe_violations(page) == []
    keep_for_docs(screenshot(page, "widget-desktop"))


def test_a_window_config_sets_language_title_colour_and_retention(browser, demo_url):
    """The English demo is configured with window.ICMChatConfig and a light colour (#f5b700)."""
    with open_page(browser, demo_url + "demo/en.html") as page:
        page.get_by_role("button", name="Ask a question").click()
        expect(page.get_by_role("heading", name="ICM assistant")).to_be_visible()
        privacy = "Do not share medical details. Conversations are kept for 30 days."
        expect(page.get_by_text(privacy)).to_be_visible()
        expect_text(log(page), WELCOME)
        # Dark text on the light colour, so that it stays readable (axe checks the contrast too).
        expect(page.get_by_role("button", name="Send")).to_have_css("color", "rgb(27, 27, 27)")
        assert blocking_axe_violations(page) == []
