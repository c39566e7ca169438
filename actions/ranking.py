"""Rank the answers a message may be about from Rasa's parse data (used by "did you mean" and staff/)."""

from __future__ import annotations

from typing import Any, Dict, List, Mapping, Tuple


def ranked_answers(parse_data: Dict[str, Any], answer_for: Mapping[str, str]) -> List[Tuple[str, float]]:
    """Answers likeliest first, with a combined confidence.

    `answer_for` maps an intent name, or a response-selector key such as `faq/ald`, to an answer id;
    names it does not map are ignored. A retrieval key scores P(intent faq) × P(answer | faq) from the
    response selector; an intent scores its confidence. Several names mapped to one answer keep the best.
    """
    intents = {
        i.get("name"): float(i.get("confidence") or 0.0) for i in parse_data.get("intent_ranking") or []
    }
    scores: Dict[str, float] = {}
    for name, confidence in intents.items():
        answer = answer_for.get(name)
        if answer is not None:
            scores[answer] = max(scores.get(answer, 0.0), confidence)
    faq = ((parse_data.get("response_selector") or {}).get("faq") or {}).get("ranking") or []
    for candidate in faq:
        answer = answer_for.get(candidate.get("intent_response_key"))
        if answer is not None:
            combined = intents.get("faq", 0.0) * float(candidate.get("confidence") or 0)
            scores[answer] = max(scores.get(answer, 0.0), combined)
    return sorted(scores.items(), key=lambda item: -item[1])
