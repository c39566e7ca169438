"""Staff answer finder, unit level: ranking merge, keyword search, catalogue, unanswered questions, auth."""

from __future__ import annotations

import csv
import io
import json
import sqlite3
import time
from pathlib import Path
from typing import Any, Dict, List, Optional

import pytest
import yaml

from actions.catalogue import load_catalogue
from actions.knowledge import load_knowledge
from actions.ranking import ranked_answers
from staff import auth
from staff.finder import Finder, merge
from staff.intents import COMMITMENTS, INTENT_ANSWERS, expected_answer, is_answer
from staff.parser import ParserUnavailable
from staff.unanswered import group, to_csv, unanswered, unanswered_messages
from tests.helpers import ROOT

CATALOGUE = load_catalogue()
KNOWLEDGE = load_knowledge()


def parse_data(
    text: str, intents: Dict[str, float], faq: Optional[Dict[str, float]] = None, entities=()
) -> Dict[str, Any]:
    """Rasa parse data as /model/parse returns it (intent ranking, response selector, entities)."""
    ranking = [{"name": n, "confidence": c} for n, c in sorted(intents.items(), key=lambda i: -i[1])]
    selector = [{"intent_response_key": k, "confidence": c} for k, c in (faq or {}).items()]
    return {
        "text": text,
        "intent": ranking[0],
        "intent_ranking": ranking,
        "entities": [{"entity": e, "value": v} for e, v in entities],
        "response_selector": {"faq": {"ranking": selector}},
    }


class FakeParser:
    """Answers with prepared parse data; raises ParserUnavailable for unknown texts."""

    def __init__(self, answers: Dict[str, Dict[str, Any]]) -> None:
        self.answers = answers

    def parse(self, text: str) -> Dict[str, Any]:
        if text not in self.answers:
            raise ParserUnavailable("No Rasa server answers at http://127.0.0.1:9.")
        return self.answers[text]


# --- Model ranking and merge ---


def test_model_ranking_multiplies_faq_confidence_by_the_response_selector():
    data = parse_data("les frais", {"faq": 0.8, "find_centre": 0.15}, {"faq/extra_fees": 0.5, "faq/ald": 0.4})
    ranked = ranked_answers(data, {"faq/extra_fees": "a", "faq/ald": "b", "find_centre": "c"})
    assert [name for name, _ in ranked] == ["a", "b", "c"]
    assert ranked[0][1] == pytest.approx(0.4)
    assert ranked[1][1] == pytest.approx(0.32)


def test_intents_sharing_an_answer_keep_their_best_confidence():
    data = parse_data("non", {"deny": 0.6, "stop": 0.3, "greet": 0.1})
    assert ranked_answers(data, INTENT_ANSWERS)[0] == ("utter_anything_else", pytest.approx(0.6))


def test_a_confident_model_keeps_its_order_and_keywords_only_fill_in():
    merged = merge([("a", 0.9), ("b", 0.05)], [("b", 1.0), ("c", 1.0)])
    assert [m[0] for m in merged] == ["a", "b", "c"]


def test_keywords_decide_when_the_model_is_unsure():
    merged = merge([("a", 0.3), ("b", 0.2)], [("b", 1.0)])
    assert [m[0] for m in merged][:2] == ["b", "a"]


def test_merge_drops_negligible_scores_and_respects_the_limit():
    merged = merge([("a", 0.6), ("b", 0.01)], [(f"k{i}", 0.8) for i in range(10)], limit=3)
    assert len(merged) == 3 and "b" not in [m[0] for m in merged]


# --- Keyword search ---


@pytest.fixture(scope="module")
def keyword_finder() -> Finder:
    return Finder(parser=None)


@pytest.mark.parametrize(
    ("query", "answer"),
    [
        ("ALD", "utter_faq/ald"),
        ("dépassements d'honoraires", "utter_faq/extra_fees"),
        ("mutuele", "utter_faq/no_mutuelle"),  # typo
        ("Epidaure", "utter_faq/prevention"),
        ("SIRIC", "utter_faq/siric"),
        ("bénévoles", "utter_faq/associations_volunteers"),
        ("Val d'Aurelle", "utter_faq/icm_name"),
        ("Paoli-Calmettes", "action_find_centre/paoli_calmettes"),
        ("suicide", "utter_distress"),
    ],
)
def test_a_single_keyword_finds_its_answer_without_the_model(keyword_finder, query, answer):
    results, model_error = keyword_finder.search(query)
    assert results, f"nothing found for {query!r}"
    assert results[0].answer.id == answer, [r.answer.id for r in results]
    assert model_error  # said, so the page can tell staff the model was not asked


def test_the_suicide_prevention_number_finds_every_answer_that_gives_it(keyword_finder):
    found = [result.answer.id for result in keyword_finder.find("3114")]
    assert sorted(found) == ["utter_distress", "utter_share_worry"]


def test_function_words_alone_find_nothing(keyword_finder):
    assert keyword_finder.find("est-ce que c'est le la de") == []


def test_keyword_results_carry_both_languages_sources_and_review_date(keyword_finder):
    item = keyword_finder.find("ALD")[0].as_dict(KNOWLEDGE.sources)
    assert "ALD" in item["fr"] and "ALD" in item["en"]
    assert item["reviewed"] == "2026-11-28"
    assert item["sources"][0]["url"].startswith("https://")


# --- The finder with the model's parse data ---


def test_the_model_ranks_first_and_the_finder_names_the_commitment_asked_for():
    parser = FakeParser(
        {"le 4e engagement": parse_data("le 4e engagement", {"ask_commitments": 0.9, "faq": 0.1})}
    )
    results = Finder(parser).find("le 4e engagement")
    assert results[0].answer.id == "action_commitments/4"
    assert "n° 4" in results[0].answer.fr and "commitment 4" in results[0].answer.en


@pytest.mark.parametrize(
    ("text", "entities", "answer", "words"),
    [
        ("un centre à Lyon ?", [("city", "Lyon")], "action_find_centre/leon_berard", "Lyon"),
        ("un centre à Perpignan ?", [("city", "Perpignan")], "action_find_centre", "Perpignan"),
        ("un centre a marseile", [], "action_find_centre/paoli_calmettes", "Marseille"),
        ("trouver un centre", [], "action_find_centre", "Dans quelle ville"),
    ],
)
def test_the_centre_finder_answer_is_the_one_for_the_city(text, entities, answer, words):
    parser = FakeParser({text: parse_data(text, {"find_centre": 0.95}, entities=entities)})
    first = Finder(parser).find(text)[0].answer
    assert first.id == answer
    assert words in first.fr


def test_when_the_model_is_unavailable_keywords_still_answer():
    results, model_error = Finder(FakeParser({})).search("ALD")
    assert results[0].answer.id == "utter_faq/ald"
    assert "No Rasa server answers" in model_error


# --- Catalogue and expected answers ---


def test_the_catalogue_has_every_response_in_both_languages_with_sources_and_date():
    domain = yaml.safe_load((ROOT / "domain.yml").read_text(encoding="utf-8"))
    for name in domain["responses"]:
        answer = CATALOGUE[name]
        assert answer.fr.strip() and answer.en.strip() and answer.fr != answer.en, name
        assert answer.sources and all(key in KNOWLEDGE.sources for key in answer.sources), name
        assert answer.reviewed.startswith("20"), name
    assert len([a for a in CATALOGUE if a.startswith("action_commitments/")]) == 7
    assert len([a for a in CATALOGUE if a.startswith("action_find_centre/")]) == len(KNOWLEDGE.centres)
    assert "action_contact" in CATALOGUE and "action_find_centre" in CATALOGUE


def test_docs_answers_md_is_what_the_shared_catalogue_builds():
    from scripts.answer_catalogue import build

    assert build() == (ROOT / "docs" / "answers.md").read_text(encoding="utf-8")


def test_every_intent_has_an_answer_in_the_catalogue():
    domain = yaml.safe_load((ROOT / "domain.yml").read_text(encoding="utf-8"))
    for intent in domain["intents"]:
        if intent == "faq":
            continue
        expected = INTENT_ANSWERS[intent]
        assert any(is_answer(answer_id, expected) for answer_id in CATALOGUE), intent
    for key in KNOWLEDGE.topics:
        if key.startswith("faq/"):
            assert expected_answer(key) in CATALOGUE, key


def test_expected_answers_follow_the_rules_of_the_assistant():
    """Where a rule answers an intent directly with a response or a catalogue action, the map agrees."""
    rules = yaml.safe_load((ROOT / "data" / "rules.yml").read_text(encoding="utf-8"))["rules"]
    checked = 0
    for rule in rules:
        steps = rule["steps"]
        if rule.get("condition") or len(steps) < 2 or "action" not in steps[1]:
            continue
        first = steps[0]
        intents = [first["intent"]] if "intent" in first else [o["intent"] for o in first.get("or", [])]
        action = steps[1]["action"]
        if not intents or not (action in CATALOGUE or action == COMMITMENTS):
            continue
        for intent in intents:
            assert is_answer(action, INTENT_ANSWERS[intent]) or INTENT_ANSWERS[intent] == action, intent
            checked += 1
    assert checked >= 15


# --- Unanswered questions from the tracker store ---

NOW = time.time()


class Conversation:
    """Rows of Rasa's SQLTrackerStore `events` table, shaped as Rasa 3.6 writes them."""

    def __init__(self, sender: str, start: float) -> None:
        self.sender, self.clock, self.rows = sender, start, []

    def _add(self, type_name: str, data: Dict[str, Any], intent=None, action=None) -> Conversation:
        self.clock += 0.01
        data = {"event": type_name, "timestamp": self.clock, **data}
        self.rows.append((self.sender, type_name, self.clock, intent, action, json.dumps(data)))
        return self

    def user(self, text: str, intent: str) -> Conversation:
        parse = {"intent": {"name": intent, "confidence": 0.4}, "entities": [], "text": text}
        return self._add("user", {"text": text, "parse_data": parse, "input_channel": "rest"}, intent=intent)

    def action(self, name: str) -> Conversation:
        return self._add("action", {"name": name, "policy": "RulePolicy", "confidence": 1.0}, action=name)

    def bot(self, response: str, text: str = "…") -> Conversation:
        return self._add("bot", {"text": text, "metadata": {"utter_action": response}})

    def listen(self) -> Conversation:
        return self.action("action_listen")

    def answered(self, text: str, intent: str = "faq") -> Conversation:
        return (
            self.user(text, intent)
            .action("utter_faq")
            .bot("utter_faq/ald")
            .action("utter_ask_feedback")
            .bot("utter_ask_feedback")
        )


@pytest.fixture
def tracker_db(tmp_path) -> Path:
    """A tracker store with the conversations of the scenarios below."""
    path = tmp_path / "tracker.db"
    day = 86400
    conversations = [
        # Two-stage fallback: "did you mean", "none of these", rephrase, unclear again, default answer.
        Conversation("a", NOW - day)
        .user("Le parking est payant ?", "nlu_fallback")
        .action("action_two_stage_fallback")
        .bot("", "Vouliez-vous dire :")
        .listen()
        .user("/out_of_scope", "out_of_scope")
        .action("action_two_stage_fallback")
        .bot("utter_ask_rephrase")
        .listen()
        .user("le parking est PAYANT", "nlu_fallback")
        .action("action_two_stage_fallback")
        .bot("utter_default")
        .listen(),
        # Same question, another patient, another spelling.
        Conversation("b", NOW - 2 * day)
        .user("le parking, est payant?", "nlu_fallback")
        .action("action_two_stage_fallback"),
        # 👎 button after an answer, then "non" to the feedback question.
        Conversation("c", NOW - 3 * day)
        .answered("ALD ?")
        .bot("utter_ask_feedback")
        .listen()
        .user("/feedback_down", "feedback_down")
        .action("action_store_feedback")
        .bot("utter_feedback_sorry")
        .listen()
        .answered("les frais en plus")
        .bot("utter_ask_feedback")
        .listen()
        .user("non", "deny")
        .action("action_store_feedback")
        .listen(),
        # A clarified fallback: only the unclear message counts, not the clicked suggestion.
        Conversation("d", NOW - 3 * day)
        .user("euh les sous", "nlu_fallback")
        .action("action_two_stage_fallback")
        .listen()
        .user("Vais-je payer des dépassements d'honoraires ?", "faq")
        .action("action_two_stage_fallback")
        .listen()
        .user("Vais-je payer des dépassements d'honoraires ?", "faq")
        .action("utter_faq")
        .bot("utter_faq/extra_fees"),
        # Core fallback on a confident but unpredictable turn.
        Conversation("e", NOW - 4 * day).user("et ma voiture", "greet").action("action_default_fallback"),
        # Not unanswered: a phone number in the callback form, a 👍, an empty message, an answer.
        Conversation("f", NOW - day)
        .user("06 12 34 56 78", "nlu_fallback")
        .action("callback_form")
        .listen()
        .answered("merci pour l'info")
        .bot("utter_ask_feedback")
        .listen()
        .user("/feedback_up", "feedback_up")
        .action("action_store_feedback")
        .user("", "nlu_fallback")
        .action("utter_default"),
        # Too old for a 30-day window.
        Conversation("g", NOW - 40 * day)
        .user("question ancienne", "nlu_fallback")
        .action("action_two_stage_fallback"),
    ]
    with sqlite3.connect(path) as db:
        db.execute(
            "CREATE TABLE events (id INTEGER PRIMARY KEY, sender_id VARCHAR(255) NOT NULL, "
            "type_name VARCHAR(255) NOT NULL, timestamp FLOAT, intent_name VARCHAR(255), "
            "action_name VARCHAR(255), data TEXT)"
        )
        for conversation in conversations:
            db.executemany(
                "INSERT INTO events (sender_id, type_name, timestamp, intent_name, action_name, data) "
                "VALUES (?, ?, ?, ?, ?, ?)",
                conversation.rows,
            )
    return path


def test_the_events_table_read_is_rasas():
    from rasa.core.tracker_store import SQLTrackerStore

    table = SQLTrackerStore.SQLEvent.__table__
    assert table.name == "events"
    columns = {"sender_id", "type_name", "timestamp", "intent_name", "action_name", "data"}
    assert columns <= set(table.c.keys())


def test_unanswered_questions_are_grouped_counted_and_explained(tracker_db):
    entries = {e.question: e for e in unanswered(days=30, url=f"sqlite:///{tracker_db}", now=NOW)}
    parking = [e for q, e in entries.items() if "parking" in q.lower()]
    assert len(parking) == 1 and parking[0].count == 3 and parking[0].fallbacks == 3
    assert entries["ALD ?"].thumbs_down == 1
    assert entries["les frais en plus"].thumbs_down == 1
    assert entries["euh les sous"].fallbacks == 1
    assert entries["et ma voiture"].fallbacks == 1
    others = {"ALD ?", "les frais en plus", "euh les sous", "et ma voiture"}
    assert set(entries) == {parking[0].question, *others}
    assert next(iter(entries.values())).count == 3  # most frequent first


def test_the_window_excludes_older_conversations(tracker_db):
    recent = [e.question for e in unanswered(days=30, url=f"sqlite:///{tracker_db}", now=NOW)]
    everything = [e.question for e in unanswered(days=60, url=f"sqlite:///{tracker_db}", now=NOW)]
    assert "question ancienne" not in recent and "question ancienne" in everything


def test_a_missing_tracker_database_is_a_clear_error(tmp_path):
    from staff.unanswered import TrackerStoreError

    with pytest.raises(TrackerStoreError, match="does not exist"):
        unanswered(url=f"sqlite:///{tmp_path / 'none.db'}")


def test_csv_export_round_trips_with_commas_and_quotes():
    messages: List[Dict[str, Any]] = [
        {"text": 'Le "forfait", c\'est combien ?', "reason": "fallback", "timestamp": NOW},
        {"text": "le forfait c'est combien", "reason": "thumbs_down", "timestamp": NOW - 60},
    ]
    rows = list(csv.DictReader(io.StringIO(to_csv(group(messages)))))
    assert rows == [
        {
            "question": 'Le "forfait", c\'est combien ?',
            "count": "2",
            "fallbacks": "1",
            "thumbs_down": "1",
            "last_seen": rows[0]["last_seen"],
        }
    ]
    assert rows[0]["last_seen"].endswith("Z")


def test_payloads_and_empty_messages_are_never_questions():
    rows = Conversation("x", NOW).user("/restart", "restart").action("action_two_stage_fallback").rows
    rows += Conversation("y", NOW).user("   ", "nlu_fallback").action("action_two_stage_fallback").rows
    columns = ("sender_id", "type_name", "timestamp", "intent_name", "action_name", "data")
    assert unanswered_messages([dict(zip(columns, row)) for row in rows]) == []


# --- Staff token ---


def test_the_server_refuses_to_start_without_a_long_enough_token(monkeypatch):
    monkeypatch.delenv("ICM_STAFF_TOKEN", raising=False)
    with pytest.raises(auth.TokenError, match="ICM_STAFF_TOKEN is not set"):
        auth.staff_token()
    monkeypatch.setenv("ICM_STAFF_TOKEN", "x" * 15)
    with pytest.raises(auth.TokenError, match="too short"):
        auth.staff_token()
    monkeypatch.setenv("ICM_STAFF_TOKEN", "x" * 16)
    assert auth.staff_token() == "x" * 16


def test_session_cookies_are_signed_and_expire():
    token = "s" * 20
    cookie = auth.new_session(token, now=1000)
    assert token not in cookie
    assert auth.valid_session(cookie, token, now=1000 + 60)
    assert not auth.valid_session(cookie, token, now=1000 + auth.SESSION_SECONDS + 1)
    assert not auth.valid_session(cookie, "t" * 20, now=1060)
    tampered = cookie[:-1] + ("1" if cookie.endswith("0") else "0")
    assert not auth.valid_session(tampered, token, now=1060)
    assert not auth.valid_session(None, token) and not auth.valid_session("garbage", token)


def test_bearer_header_parsing():
    assert auth.bearer("Bearer abc") == "abc" and auth.bearer("bearer  abc ") == "abc"
    assert auth.bearer("Basic abc") is None and auth.bearer(None) is None


# --- Staff server, without a model (keywords only) ---

STAFF_TOKEN = "unit-test-token-0123456789"


@pytest.fixture
async def client():
    from aiohttp.test_utils import TestClient, TestServer

    from staff.server import create_app

    app = create_app(STAFF_TOKEN, Finder(FakeParser({})), tracker_url="sqlite:////nonexistent/tracker.db")
    async with TestClient(TestServer(app)) as test_client:
        yield test_client


@pytest.mark.anyio
async def test_pages_and_api_need_the_token_and_the_login_form_sets_a_strict_cookie(client):
    page = await client.get("/")
    assert page.status == 401 and 'name="token"' in await page.text()
    assert (await client.get("/api/lookup", params={"q": "ALD"})).status == 401
    wrong = await client.post("/login", data={"token": "not-the-token-at-all"}, allow_redirects=False)
    assert wrong.status == 401 and "Jeton incorrect" in await wrong.text()
    login = await client.post("/login", data={"token": STAFF_TOKEN}, allow_redirects=False)
    assert login.status == 303
    cookie = login.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Strict" in cookie and STAFF_TOKEN not in cookie
    page = await client.get("/")
    assert page.status == 200 and 'id="search-form"' in await page.text()
    found = await (await client.get("/api/lookup", params={"q": "ALD"})).json()
    assert found["results"][0]["id"] == "utter_faq/ald" and found["model_error"]


@pytest.mark.anyio
async def test_api_errors_are_sentences(client):
    headers = {"Authorization": f"Bearer {STAFF_TOKEN}"}
    empty = await client.get("/api/lookup", params={"q": " "}, headers=headers)
    assert empty.status == 400 and "question" in (await empty.json())["error"]
    store = await client.get("/api/unanswered", headers=headers)
    assert store.status == 503 and "does not exist" in (await store.json())["error"]


def test_evaluation_counts_the_first_result_and_records_misses():
    from staff.evaluate import evaluate

    parser = FakeParser(
        {
            "c koi l'ald": parse_data("c koi l'ald", {"faq": 0.9}, {"faq/ald": 0.9}),
            "au revoir": parse_data("au revoir", {"greet": 0.7, "goodbye": 0.3}),
        }
    )
    result = evaluate(Finder(parser), [("faq/ald", "c koi l'ald"), ("goodbye", "au revoir")])
    assert (result.correct, result.in_top3, result.total) == (1, 2, 2)
    assert result.misses == [
        {"text": "au revoir", "expected": "utter_goodbye", "found": ["utter_greet", "utter_goodbye"]}
    ]


# --- Command line ---


def test_cli_lookup_prints_the_answer_in_the_language_asked(monkeypatch, capsys):
    import staff.__main__ as cli

    monkeypatch.setattr(cli, "default_parser", lambda: FakeParser({}))
    assert cli.main(["lookup", "ALD", "--lang", "en", "--limit", "1"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("1. utter_faq/ald") and "[EN] General rule" in out and "[FR]" not in out
    assert "Relu le 2026-11-28" in out
    assert cli.main(["lookup", "ALD", "--json", "--limit", "1"]) == 0
    assert json.loads(capsys.readouterr().out)[0]["id"] == "utter_faq/ald"


def test_cli_unanswered_csv(tracker_db, monkeypatch, capsys):
    import staff.__main__ as cli

    monkeypatch.setenv("ICM_TRACKER_DB_URL", f"sqlite:///{tracker_db}")
    assert cli.main(["unanswered", "--days", "30", "--csv"]) == 0
    rows = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    assert rows[0]["count"] == "3" and "parking" in rows[0]["question"].lower()
    monkeypatch.setenv("ICM_TRACKER_DB_URL", "sqlite:////nonexistent/tracker.db")
    assert cli.main(["unanswered"]) == 2
    assert "does not exist" in capsys.readouterr().err
