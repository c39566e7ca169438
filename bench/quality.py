"""Answer quality on the held-out set (tests/nlu_test.yml), scored through the served model."""

from __future__ import annotations

import datetime as dt
import json
import time
from pathlib import Path
from typing import Any, Dict, List, Optional

from bench.paths import CROSS_VALIDATION, HELD_OUT, relative
from bench.scoring import Labelled, confusion_matrix_png, labelled, score
from bench.servers import Server, post_json

NOT_MEASURED_CV = "not measured (run make eval)"


def _scores(report: Optional[Dict[str, Any]]) -> Optional[Dict[str, float]]:
    """Accuracy, macro-F1 and example count of a `rasa test nlu` classification report."""
    if report is None:
        return None
    macro = report["macro avg"]
    return {
        "accuracy": round(report["accuracy"], 4),
        "macro_f1": round(macro["f1-score"], 4),
        "examples": int(macro["support"]),
    }


def _read(path: Path) -> Optional[Dict[str, Any]]:
    return json.loads(path.read_text()) if path.exists() else None


def held_out(every: int = 1) -> List[Labelled]:
    """The held-out messages with their gold labels (Rasa's own reader; entity annotations removed);
    with `every` = k, one message in k, spread over the file's topics (the smoke run's sample)."""
    from rasa.shared.nlu.training_data.loading import load_data

    return labelled(load_data(str(HELD_OUT)).intent_examples)[::every]


def evaluate_served(name: str, server: Server, messages: List[Labelled], out: Path) -> Dict[str, Any]:
    """Parse every held-out message with the served model (`/model/parse`) and score it (bench.scoring).

    The same parses give the fallback rate: the share of messages whose intent is `nlu_fallback`
    before the fallback is undone. Confusion matrices are drawn into `out` as `<name>-*.png`.
    """
    started = time.monotonic()
    url = f"{server.base_url}/model/parse?token={server.api_token}"
    parses = []
    for done, message in enumerate(messages, start=1):
        parses.append(post_json(url, {"text": message.text}))
        if done % 100 == 0:
            print(f"    parsed {done}/{len(messages)} held-out messages", flush=True)
    scores = score(messages, parses)
    matrices = []
    for part, title in (("intent", "Intent"), ("response_selection", "Response selection")):
        gold, predicted = scores["pairs"][part]
        if gold:
            png = out / f"{name}-{part}_confusion_matrix.png"
            matrices.append(relative(confusion_matrix_png(gold, predicted, f"{title} confusion matrix", png)))
    return {
        "intents": scores["intents"],
        "response_selection": scores["response_selection"],
        "fallback": scores["fallback"],
        "errors": scores["errors"],
        "confusion_matrices": matrices,
        "eval_wall_s": round(time.monotonic() - started, 1),
    }


def cross_validation(directory: Path = CROSS_VALIDATION) -> Dict[str, Any]:
    """The 5-fold cross-validation scores written by `make eval`, with the date of the file, if any."""
    intents = directory / "intent_report.json"
    if not intents.exists():
        return {"status": NOT_MEASURED_CV}
    modified = dt.datetime.fromtimestamp(intents.stat().st_mtime, tz=dt.timezone.utc)
    return {
        "status": "read from make eval",
        "source": relative(directory),
        "date": modified.isoformat(timespec="seconds"),
        "intents": _scores(_read(intents)),
        "response_selection": _scores(_read(directory / "response_selection_report.json")),
    }
