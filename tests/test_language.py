"""Language detection: one clear English message switches to English, a French one switches back."""

from __future__ import annotations

import pytest
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.language import detect_language
from actions.slot_mappings import ValidateSlotMappings
from tests.helpers import make_tracker


@pytest.mark.parametrize(
    "text",
    [
        "What are your values?",
        "Is there a cancer centre in Lyon?",
        "I have no mutuelle, can I be treated?",
        "tell me about the third commitment",
        "thank you",
        "hello",
        "and the next one?",
    ],
)
def test_english_messages(text):
    assert detect_language(text) == "en"


@pytest.mark.parametrize(
    "text",
    [
        "c koi les valeurs de l'icm",
        "Bonjour",
        "Est-ce que je vais payer des dépassements d'honoraires ?",
        "y a t il un centre a perpignan",
        "parle moi du 4eme engagement",
        "et le suivant ?",
        "merci",
        "ma mere a un cancer du sein, elle sera soignee chez vous",
    ],
)
def test_french_messages(text):
    assert detect_language(text) == "fr"


@pytest.mark.parametrize("text", ["ok", "3", "Lyon", "ALD ?", "espic", "👍", "", "   ", "zkqj wxxv plmf"])
def test_messages_without_evidence_keep_the_current_language(text):
    assert detect_language(text) is None


@pytest.mark.anyio
@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Will I have to pay extra fees?", [SlotSet("language", "en")]),
        ("Et pour les dépassements d'honoraires ?", [SlotSet("language", "fr")]),
        ("ok", []),
    ],
)
async def test_the_language_slot_follows_the_last_clear_message(text, expected):
    tracker = make_tracker(text, "faq", slots={"language": "fr" if expected == [] else None})
    tracker.slots["requested_slot"] = None
    dispatcher = CollectingDispatcher()
    domain = {"slots": {"language": {"type": "categorical", "mappings": [{"type": "custom"}]}}}
    events = await ValidateSlotMappings().run(dispatcher, tracker, domain)
    assert [e for e in events if e.get("name") == "language"] == expected
