"""First stage of the two-stage fallback: "Vouliez-vous dire … ?" with the two likeliest topics."""

from __future__ import annotations

from typing import Any, Dict, List, Tuple

from actions.knowledge import Knowledge
from actions.ranking import ranked_answers

# The two-stage fallback of Rasa reads the intent `out_of_scope` as "none of these".
NONE_OF_THESE_PAYLOAD = "/out_of_scope"


def ranked_topics(parse_data: Dict[str, Any], knowledge: Knowledge) -> List[Tuple[str, float]]:
    """Answer ids the message may be about, likeliest first, with a combined confidence.

    FAQ answers score P(intent faq) × P(answer | faq) from the response selector; other topics
    (commitments, centre finder, contact) score their intent confidence. Intents that are not
    topics (greetings, yes/no, safety, fallback) are never suggested.
    """
    return ranked_answers(parse_data, {key: key for key in knowledge.topics})


def suggestion_message(
    parse_data: Dict[str, Any], knowledge: Knowledge, language: str, count: int = 2
) -> Dict[str, Any]:
    """The text and buttons of the "did you mean" question (a "none of these" button last)."""
    en = language == "en"
    buttons = [
        {
            "title": knowledge.topics[key]["en" if en else "fr"],
            "payload": knowledge.topics[key]["ask_en" if en else "ask_fr"],
        }
        for key, _ in ranked_topics(parse_data, knowledge)[:count]
    ]
    buttons.append({"title": "Something else" if en else "Autre chose", "payload": NONE_OF_THESE_PAYLOAD})
    if len(buttons) == 1:
        text = (
            "I am not sure I understood. Is your question about something else?"
            if en
            else "Je ne suis pas sûr d'avoir compris. Votre question porte-t-elle sur autre chose ?"
        )
    else:
        text = (
            "I am not sure I understood. Did you mean:"
            if en
            else "Je ne suis pas sûr d'avoir compris. Vouliez-vous dire :"
        )
    return {"text": text, "buttons": buttons}
