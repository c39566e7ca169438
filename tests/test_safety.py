"""The deterministic safety net: every emergency and distress phrasing is caught, ordinary ones are not."""

from __future__ import annotations

import pytest
import yaml
from rasa.shared.nlu.constants import INTENT, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message

from components.safety import match_safety_intent, matching_patterns
from components.safety_net import SafetyNet
from tests.helpers import ROOT

PHRASINGS = yaml.safe_load((ROOT / "tests" / "data" / "safety_phrasings.yml").read_text(encoding="utf-8"))


def test_the_phrasing_file_is_large_enough():
    assert len(PHRASINGS["emergency"]) >= 40
    assert len(PHRASINGS["distress"]) >= 15
    assert len(PHRASINGS["ordinary"]) >= 40


@pytest.mark.parametrize("text", PHRASINGS["emergency"])
def test_every_emergency_is_caught(text):
    assert match_safety_intent(text) in {"emergency", "distress"}, text


@pytest.mark.parametrize("text", PHRASINGS["distress"])
def test_every_distress_message_is_caught_as_distress(text):
    assert match_safety_intent(text) == "distress", text


@pytest.mark.parametrize("text", PHRASINGS["ordinary"])
def test_ordinary_questions_do_not_trigger_the_safety_net(text):
    assert match_safety_intent(text) is None, (text, matching_patterns(text))


@pytest.mark.parametrize("text", PHRASINGS["medical"])
def test_medical_questions_are_never_taken_for_emergencies(text):
    # Clear-cut ones are routed to the care team by a pattern; the others by the trained model
    # (tests/test_model_quality.py checks that every one of them ends there).
    assert match_safety_intent(text) in {None, "ask_medical"}, (text, matching_patterns(text))


def test_clear_medical_questions_are_redirected_by_a_pattern():
    caught = [t for t in PHRASINGS["medical"] if match_safety_intent(t) == "ask_medical"]
    assert len(caught) >= len(PHRASINGS["medical"]) // 3, caught


def test_the_component_overrides_a_low_confidence_intent():
    message = Message(
        data={
            TEXT: "fievre 39 sous chimio, c koi vos valeurs",
            INTENT: {"name": "faq", "confidence": 0.31},
            INTENT_RANKING_KEY: [
                {"name": "faq", "confidence": 0.31},
                {"name": "emergency", "confidence": 0.2},
            ],
        }
    )
    [processed] = SafetyNet().process([message])
    assert processed.get(INTENT) == {"name": "emergency", "confidence": 1.0}
    ranking = processed.get(INTENT_RANKING_KEY)
    assert ranking[0]["name"] == "emergency" and [r["name"] for r in ranking].count("emergency") == 1


def test_the_component_leaves_other_messages_alone():
    message = Message(data={TEXT: "quelles sont vos valeurs ?", INTENT: {"name": "faq", "confidence": 0.9}})
    [processed] = SafetyNet().process([message])
    assert processed.get(INTENT) == {"name": "faq", "confidence": 0.9}
