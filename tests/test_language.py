"""Language detection: one clear English message switches to English, a French one switches back."""

from __future__ import annotations

import pytest
from rasa.engine.graph import ExecutionContext, GraphSchema
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.shared.core.constants import ACTION_LISTEN_NAME
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, Event, SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from components.language import detect_language
from components.language_policy import LanguagePolicy
from tests.helpers import ROOT


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


@pytest.fixture(scope="module")
def policy_and_domain(tmp_path_factory):
    domain = Domain.load(ROOT / "domain.yml")
    storage = LocalModelStorage(tmp_path_factory.mktemp("model-storage"))
    context = ExecutionContext(GraphSchema({}))
    policy = LanguagePolicy(LanguagePolicy.get_default_config(), storage, Resource("language"), context)
    return policy, domain


def conversation(domain: Domain, language: str, *turns: Event) -> DialogueStateTracker:
    return DialogueStateTracker.from_events(
        "unit-test", [ActionExecuted(ACTION_LISTEN_NAME), SlotSet("language", language), *turns], domain.slots
    )


@pytest.mark.parametrize(
    ("language", "text", "expected"),
    [
        ("fr", "Will I have to pay extra fees?", [SlotSet("language", "en")]),
        ("en", "Et pour les dépassements d'honoraires ?", [SlotSet("language", "fr")]),
        ("en", "ok", []),
        ("fr", "Bonjour, quelles sont vos valeurs ?", []),  # already French: nothing to change
        ("en", "/affirm", []),  # a button payload
    ],
)
def test_the_language_slot_follows_the_last_clear_message(policy_and_domain, language, text, expected):
    policy, domain = policy_and_domain
    prediction = policy.predict_action_probabilities(
        conversation(domain, language, UserUttered(text)), domain
    )
    assert prediction.events == expected
    assert prediction.max_confidence == 0.0  # it never chooses the action


def test_the_language_is_set_once_per_message_so_an_explicit_switch_stands(policy_and_domain):
    """ "passez en anglais svp" is French, but once action_switch_language has run, English stays."""
    policy, domain = policy_and_domain
    tracker = conversation(
        domain,
        "fr",
        UserUttered("passez en anglais svp"),
        ActionExecuted("action_switch_language"),
        SlotSet("language", "en"),
    )
    assert policy.predict_action_probabilities(tracker, domain).events == []
