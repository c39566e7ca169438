"""SkipResponseTexts: FAQ answers' texts never reach the featurizers; what the model learns from stays."""

from pathlib import Path

import yaml
from rasa.shared.nlu.constants import INTENT, INTENT_RESPONSE_KEY, RESPONSE, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from components.response_texts import SkipResponseTexts

ROOT = Path(__file__).resolve().parent.parent


def training_data() -> TrainingData:
    return TrainingData(
        training_examples=[
            Message.build(text="c koi les valeurs de l'icm", intent="faq/values_overview"),
            Message.build(text="bonjour", intent="greet"),
        ],
        responses={"utter_faq/values_overview": [{"text": "Les valeurs de l'ICM sont…"}]},
    )


def test_faq_examples_lose_the_answer_text_and_keep_what_the_model_learns():
    data = training_data()
    faq, greet = data.training_examples
    assert faq.get(RESPONSE) == "Les valeurs de l'ICM sont…"  # Rasa fills it in

    SkipResponseTexts().process_training_data(data)

    assert faq.get(RESPONSE) is None
    assert (faq.get(TEXT), faq.get(INTENT), faq.get(INTENT_RESPONSE_KEY)) == (
        "c koi les valeurs de l'icm",
        "faq",
        "faq/values_overview",
    )
    assert (greet.get(TEXT), greet.get(INTENT)) == ("bonjour", "greet")
    assert data.responses == {"utter_faq/values_overview": [{"text": "Les valeurs de l'ICM sont…"}]}


def test_the_shipped_pipeline_skips_them_first_and_selects_responses_by_topic_key():
    pipeline = yaml.safe_load((ROOT / "config.yml").read_text())["pipeline"]
    assert pipeline[0]["name"] == "components.response_texts.SkipResponseTexts"
    selectors = [c for c in pipeline if c["name"] == "ResponseSelector"]
    # With use_text_as_label the selector would learn from the very texts this component drops.
    assert selectors and not any(c.get("use_text_as_label") for c in selectors)
