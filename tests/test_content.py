"""Content check: every answer is bilingual, short, sourced, dated, and free of placeholders."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest
import yaml

from actions.knowledge import load_knowledge
from tests.helpers import FACTS, ROOT

DOMAIN = yaml.safe_load((ROOT / "domain.yml").read_text(encoding="utf-8"))
RESPONSES = DOMAIN["responses"]
KNOWLEDGE = load_knowledge()
ANSWERS = yaml.safe_load((ROOT / "knowledge" / "knowledge.yml").read_text(encoding="utf-8"))["answers"]
MAX_CHARS = 600
PLACEHOLDER = re.compile(r"TODO|FIXME|XXX|lorem|\{[a-z_]+\}|<[a-z]+[ >/]|\?\?\?", re.IGNORECASE)
# The only phone numbers an answer may give: emergency (15, 112) and suicide prevention (3114).
PHONE_LIKE = re.compile(r"(?<!\d)(?:0\d(?:[ .]?\d{2}){4}|\+33)")


def _variants(name):
    default = [v for v in RESPONSES[name] if not v.get("condition")]
    english = [
        v
        for v in RESPONSES[name]
        if v.get("condition") == [{"type": "slot", "name": "language", "value": "en"}]
    ]
    return default, english


@pytest.mark.parametrize("name", sorted(RESPONSES))
def test_every_response_has_french_and_english_text(name):
    default, english = _variants(name)
    assert len(default) >= 1 and len(english) >= 1, name
    assert all(v.get("text", "").strip() for v in default + english)
    assert len(default) + len(english) == len(RESPONSES[name]), "unexpected condition"


@pytest.mark.parametrize("name", sorted(RESPONSES))
def test_every_response_is_short_and_has_no_placeholder_or_phone_number(name):
    for variant in RESPONSES[name]:
        text = variant["text"]
        assert len(text) <= MAX_CHARS, (name, len(text))
        assert not PLACEHOLDER.search(text), (name, text)
        assert not PHONE_LIKE.search(text), (name, text)


def test_every_answer_has_sources_and_a_review_date():
    actions = [a for a in DOMAIN["actions"] if a.startswith("action_")]
    for name in [*RESPONSES, *actions]:
        assert name in ANSWERS, f"{name} has no entry under answers: in knowledge/knowledge.yml"
        entry = ANSWERS[name]
        assert entry["sources"], name
        for key in entry["sources"]:
            assert key in KNOWLEDGE.sources, (name, key)
        assert dt.date.fromisoformat(entry["reviewed"]) <= dt.date.today() + dt.timedelta(days=1)


def test_faq_answers_that_state_facts_cite_a_source_line():
    for name in RESPONSES:
        if name.startswith("utter_faq/"):
            for variant in RESPONSES[name]:
                assert "Source" in variant["text"], name


def test_every_faq_answer_has_training_and_held_out_examples():
    def intents(path: Path):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        return {block["intent"] for block in data.get("nlu", []) if "intent" in block}

    trained = set().union(*(intents(p) for p in (ROOT / "data").rglob("*.yml") if "nlu" in p.read_text()))
    held_out = intents(ROOT / "tests" / "nlu_test.yml")
    for name in RESPONSES:
        if name.startswith("utter_faq/"):
            key = name[len("utter_") :]
            assert key in trained, key
            assert key in held_out, key


def test_knowledge_has_six_commitments_and_eighteen_centres():
    assert [c.number for c in KNOWLEDGE.commitments] == [1, 2, 3, 4, 5, 6]
    assert len(KNOWLEDGE.centres) == 18
    for centre in KNOWLEDGE.centres:
        assert centre.region in KNOWLEDGE.regions


@pytest.mark.skipif(not FACTS.exists(), reason="shared/content/facts.md is not beside the checkout")
def test_commitment_titles_are_quoted_exactly_from_the_fact_sheet():
    facts = FACTS.read_text(encoding="utf-8")
    for commitment in KNOWLEDGE.commitments:
        assert f"« {commitment.title_fr} »" in facts, commitment.number


@pytest.mark.skipif(not FACTS.exists(), reason="shared/content/facts.md is not beside the checkout")
def test_centre_cities_come_from_the_fact_sheet():
    section = FACTS.read_text(encoding="utf-8").split("### 1g.")[1].split("## 2.")[0]
    for centre in KNOWLEDGE.centres:
        assert centre.cities[0] in section, centre.name


def test_the_answer_catalogue_is_up_to_date():
    from scripts.answer_catalogue import build

    committed = (ROOT / "docs" / "answers.md").read_text(encoding="utf-8")
    assert committed == build(), "docs/answers.md is stale: run `make catalogue` and commit it"


def test_the_city_lookup_table_is_up_to_date_with_the_knowledge_file():
    from scripts.nlu_lookups import OUTPUT, build

    assert OUTPUT.read_text(encoding="utf-8") == build(
        KNOWLEDGE
    ), "data/nlu/lookups.yml is stale: run `make lookups` and commit it"


def test_the_city_lookup_names_every_centre_city_with_and_without_accents():
    from scripts.nlu_lookups import EVERYDAY_WORDS, city_names

    names = set(city_names(KNOWLEDGE))
    for centre in KNOWLEDGE.centres:
        for city in centre.cities:
            assert city in names or city in EVERYDAY_WORDS, city
    assert {"Nîmes", "nimes", "vandoeuvre les nancy", "Orléans", "orleans"} <= names
    assert not names & EVERYDAY_WORDS


def _examples(path: Path) -> dict:
    """{normalised text: intent} of an NLU file (case, accents and punctuation ignored)."""
    import unicodedata

    def key(text: str) -> str:
        text = "".join(c for c in unicodedata.normalize("NFKD", text.lower()) if not unicodedata.combining(c))
        return " ".join(re.findall(r"[a-z0-9+]+", text)) or text.strip()

    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    found = {}
    for block in data.get("nlu") or []:
        for line in (block.get("examples") or "").splitlines():
            text = re.sub(r"\[([^\]]*)\]\([^)]*\)|\[([^\]]*)\]\{[^}]*\}", r"\1\2", line.strip()[2:])
            found[key(text)] = block.get("intent")
    return found


def test_no_held_out_message_is_in_the_training_data():
    trained = {}
    for path in sorted((ROOT / "data").rglob("*.yml")):
        trained.update(_examples(path))
    held_out = _examples(ROOT / "tests" / "nlu_test.yml")
    assert len(held_out) > 150 and len(trained) > 1000
    leaked = sorted(text for text in held_out if text in trained)
    assert not leaked, f"held-out messages also in data/ (remove them from data/): {leaked[:10]}"


def test_every_nlu_block_names_a_domain_intent_and_has_examples():
    intents = set(DOMAIN["intents"])
    for path in [*sorted((ROOT / "data").rglob("*.yml")), ROOT / "tests" / "nlu_test.yml"]:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        for block in data.get("nlu") or []:
            if "intent" not in block:
                continue
            name = block["intent"]
            base, _, topic = name.partition("/")
            assert base in intents, (path.name, name)
            assert not topic or f"utter_{name}" in RESPONSES, (path.name, name)
            assert (block.get("examples") or "").strip().startswith("- "), (path.name, name)
