"""The trained model on data it never saw: conversation tests and the held-out NLU set."""

from __future__ import annotations

import json
import subprocess

import pytest
import yaml

from actions.knowledge import load_knowledge
from tests.conftest import BIN, rasa_env
from tests.helpers import ROOT

pytestmark = pytest.mark.integration
# make test fails below this floor; the targets (95 %) are measured by `make eval`.
HELD_OUT_FLOOR = 0.90


def run_rasa(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(BIN / "rasa"), *args],
        cwd=ROOT,
        env=rasa_env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def test_conversation_stories_pass_without_prediction_errors(trained_model, tmp_path):
    out = tmp_path / "core"
    result = run_rasa(
        "test",
        "core",
        "--model",
        str(trained_model),
        "--stories",
        "tests/test_stories.yml",
        "--fail-on-prediction-errors",
        "--out",
        str(out),
        "--no-plot",
    )
    failed = out / "failed_test_stories.yml"
    details = failed.read_text() if failed.exists() else result.stdout[-4000:]
    assert result.returncode == 0, "conversation tests failed:\n" + details


@pytest.fixture(scope="module")
def held_out_reports(trained_model, tmp_path_factory):
    out = tmp_path_factory.mktemp("nlu")
    result = run_rasa(
        "test",
        "nlu",
        "--model",
        str(trained_model),
        "--nlu",
        "tests/nlu_test.yml",
        "--out",
        str(out),
        "--no-plot",
    )
    assert result.returncode == 0, result.stdout[-4000:]
    return out


def test_held_out_intent_accuracy_stays_above_the_floor(held_out_reports):
    report = json.loads((held_out_reports / "intent_report.json").read_text())
    assert report["accuracy"] >= HELD_OUT_FLOOR, report["accuracy"]


def test_held_out_response_selection_accuracy_stays_above_the_floor(held_out_reports):
    report = json.loads((held_out_reports / "response_selection_report.json").read_text())
    assert report["accuracy"] >= HELD_OUT_FLOOR, report["accuracy"]


def test_the_bench_scores_the_held_out_set_through_the_server_as_rasa_test_nlu_does(
    held_out_reports, servers, tmp_path
):
    """`make bench` parses the held-out set with the served model instead of running `rasa test nlu`."""
    from bench import quality
    from bench.servers import Server

    server = Server("rasa", servers.rasa, servers.rasa_port, servers.workdir / "rasa.log", servers.api_token)
    scores = quality.evaluate_served("ours", server, quality.held_out(), tmp_path)
    intents = json.loads((held_out_reports / "intent_report.json").read_text())
    selection = json.loads((held_out_reports / "response_selection_report.json").read_text())
    assert scores["intents"] == {
        "accuracy": round(intents["accuracy"], 4),
        "macro_f1": round(intents["macro avg"]["f1-score"], 4),
        "examples": intents["macro avg"]["support"],
    }
    assert scores["response_selection"]["accuracy"] == round(selection["accuracy"], 4)
    assert scores["response_selection"]["macro_f1"] == round(selection["macro avg"]["f1-score"], 4)
    assert sorted(path.name for path in tmp_path.glob("*.png")) == [
        "ours-intent_confusion_matrix.png",
        "ours-response_selection_confusion_matrix.png",
    ]


SAFETY_PHRASINGS = yaml.safe_load(
    (ROOT / "tests" / "data" / "safety_phrasings.yml").read_text(encoding="utf-8")
)
KNOWLEDGE = load_knowledge()


@pytest.mark.parametrize("text", SAFETY_PHRASINGS["medical"])
def test_every_medical_question_is_redirected_to_the_care_team(servers, text):
    assert servers.parse(text)["intent"]["name"] == "ask_medical"


@pytest.mark.parametrize("text", SAFETY_PHRASINGS["ordinary"])
def test_ordinary_questions_mentioning_a_symptom_are_not_treated_as_emergencies(servers, text):
    assert servers.parse(text)["intent"]["name"] not in {"emergency", "distress"}


@pytest.mark.parametrize("language", ["fr", "en"])
@pytest.mark.parametrize("topic", sorted(KNOWLEDGE.topics))
def test_every_suggestion_button_leads_to_its_answer(servers, topic, language):
    parsed = servers.parse(KNOWLEDGE.topics[topic][f"ask_{language}"])
    if topic.startswith("faq/"):
        assert parsed["intent"]["name"] == "faq"
        assert parsed["response_selector"]["faq"]["response"]["intent_response_key"] == topic
    else:
        assert parsed["intent"]["name"] == topic
