"""Score NLU parses of labelled messages as `rasa test nlu` does, whoever produced the parses.

Used by `make bench` (parses from the served model's `/model/parse`) and by `scripts/cv_fold.py`
(parses from a processor in the same process). As in `rasa test nlu`: a FallbackClassifier prediction
is undone, so the intent under it is what counts (the fallback rate is reported apart); macro-F1 is
sklearn's over the gold and predicted labels; FAQ topics are scored on the messages whose gold intent
is the retrieval intent, against the ResponseSelector's `intent_response_key`.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Dict, Iterable, List, Optional, Sequence

RETRIEVAL_INTENT = "faq"


@dataclass(frozen=True)
class Labelled:
    """A test message and its gold labels: the intent, and for a retrieval intent its topic (faq/ald)."""

    text: str
    intent: str
    topic: Optional[str] = None


def labelled(examples: Iterable[Any]) -> List[Labelled]:
    """Rasa training-data Messages (text, intent, intent_response_key) as Labelled messages."""
    found = []
    for example in examples:
        intent = example.get("intent")
        topic = example.get_full_intent() if intent == RETRIEVAL_INTENT else None
        found.append(Labelled(text=example.get("text"), intent=intent, topic=topic))
    return found


def _chosen_topic(parsed: Dict[str, Any]) -> Optional[str]:
    """The ResponseSelector's topic: under the retrieval intent's key when the selector was trained for
    it (ours: `retrieval_intent: faq`), else under "default" (a selector over all retrieval intents, as
    in the `rasa init` pipeline); `rasa test nlu` picks it the same way."""
    selectors = parsed.get("response_selector") or {}
    listed = RETRIEVAL_INTENT in selectors.get("all_retrieval_intents", ())
    key = RETRIEVAL_INTENT if listed and RETRIEVAL_INTENT in selectors else "default"
    selector = selectors.get(key) or {}
    return (selector.get("response") or {}).get("intent_response_key")


def _scores(gold: Sequence[str], predicted: Sequence[str]) -> Optional[Dict[str, Any]]:
    from sklearn.metrics import accuracy_score, f1_score

    if not gold:
        return None
    labels = sorted(set(gold) | set(predicted))
    macro_f1 = f1_score(gold, predicted, average="macro", labels=labels, zero_division=0)
    return {
        "accuracy": round(float(accuracy_score(gold, predicted)), 4),
        "macro_f1": round(float(macro_f1), 4),
        "examples": len(gold),
    }


def score(messages: Sequence[Labelled], parses: Sequence[Dict[str, Any]]) -> Dict[str, Any]:
    """Intent and FAQ-topic scores, fallback rate, errors and the label pairs behind them.

    `parses[i]` is the NLU parse of `messages[i]` (Rasa's parse data: intent, intent_ranking,
    response_selector).
    """
    from rasa.nlu.classifiers import fallback_classifier

    if len(messages) != len(parses):
        raise ValueError(f"{len(messages)} messages but {len(parses)} parses: give one parse per message.")
    gold, predicted, topics, chosen, errors = [], [], [], [], []
    fallbacks = 0
    for message, parsed in zip(messages, parses):
        if fallback_classifier.is_fallback_classifier_prediction(parsed):
            fallbacks += 1
            parsed = fallback_classifier.undo_fallback_prediction(parsed)
        gold.append(message.intent)
        predicted.append((parsed.get("intent") or {}).get("name") or "None")
        if gold[-1] != predicted[-1]:
            errors.append({"text": message.text, "intent": gold[-1], "predicted": predicted[-1]})
        if message.topic:
            topics.append(message.topic)
            chosen.append(_chosen_topic(parsed) or "None")
            if chosen[-1] != topics[-1]:
                errors.append({"text": message.text, "intent": topics[-1], "predicted": chosen[-1]})
    return {
        "intents": _scores(gold, predicted),
        "response_selection": _scores(topics, chosen),
        "fallback": {
            "rate": round(fallbacks / len(messages), 4) if messages else 0.0,
            "fallbacks": fallbacks,
            "messages": len(messages),
        },
        "errors": errors,
        "pairs": {"intent": (gold, predicted), "response_selection": (topics, chosen)},
    }


def confusion_matrix_png(gold: Sequence[str], predicted: Sequence[str], title: str, path: Path) -> Path:
    """Draw the confusion matrix of these labels with Rasa's own plotting (as `rasa test nlu` does)."""
    import rasa.utils.plotting as plotting
    from sklearn.metrics import confusion_matrix
    from sklearn.utils.multiclass import unique_labels

    labels = unique_labels(gold, predicted)
    matrix = confusion_matrix(gold, predicted, labels=labels)
    plotting.plot_confusion_matrix(matrix, classes=labels, title=title, output_file=str(path))
    return path
