"""Answer quality on the held-out set (tests/nlu_test.yml): `rasa test nlu` reports and fallback rate."""

from __future__ import annotations

import datetime as dt
import json
import shutil
import subprocess
import time
from pathlib import Path
from typing import Any, Dict, List, Optional

from bench.paths import BIN, CROSS_VALIDATION, HELD_OUT, ROOT, relative
from bench.progress import wait_with_progress
from bench.servers import Server, log_tail, post_json, rasa_env

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


def evaluate_held_out(name: str, model: Path, out_dir: Path, log: Path, copy_to: Path) -> Dict[str, Any]:
    """`rasa test nlu` of `model` on the held-out set; copies its confusion matrices into `copy_to`.

    Rasa undoes FallbackClassifier predictions here, so these scores judge the top intent itself;
    the fallback rate is measured separately on the served model (fallback_rate).
    """
    args = [
        str(BIN / "rasa"),
        "test",
        "nlu",
        "--model",
        str(model),
        "--nlu",
        str(HELD_OUT),
        "--out",
        str(out_dir),
    ]
    started = time.monotonic()
    with open(log, "ab") as log_file:
        process = subprocess.Popen(args, cwd=ROOT, env=rasa_env(), stdout=log_file, stderr=subprocess.STDOUT)
    returncode = wait_with_progress(process, log, f"rasa test nlu ({name})")
    intents = _scores(_read(out_dir / "intent_report.json"))
    if returncode != 0 or intents is None:
        raise RuntimeError(
            f"`rasa test nlu` of the {name} model failed (exit code {returncode}); see {log}. "
            f"Its log ends with:\n{log_tail(log)}"
        )
    copied = []
    for png in sorted(out_dir.glob("*confusion_matrix.png")):
        target = copy_to / f"{name}-{png.name}"
        shutil.copyfile(png, target)
        copied.append(relative(target))
    return {
        "intents": intents,
        "response_selection": _scores(_read(out_dir / "response_selection_report.json")),
        "confusion_matrices": copied,
        "eval_wall_s": round(time.monotonic() - started, 1),
    }


def held_out_texts() -> List[str]:
    """The texts of the held-out examples, entity annotations removed (Rasa's own reader)."""
    from rasa.shared.nlu.training_data.loading import load_data

    return [example.get("text") for example in load_data(str(HELD_OUT)).intent_examples]


def fallback_rate(server: Server, texts: List[str]) -> Dict[str, Any]:
    """Share of `texts` whose intent, as the served model parses it (/model/parse), is nlu_fallback."""
    url = f"{server.base_url}/model/parse?token={server.api_token}"
    fallbacks = sum(1 for text in texts if post_json(url, {"text": text})["intent"]["name"] == "nlu_fallback")
    return {"rate": round(fallbacks / len(texts), 4), "fallbacks": fallbacks, "messages": len(texts)}


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
