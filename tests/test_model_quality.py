"""The trained model on data it never saw: conversation tests and the held-out NLU set."""

from __future__ import annotations

import json
import subprocess

import pytest

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
