"""Every approved answer, in French and English, with its sources and review date.

Assembled from domain.yml (responses: French default and `language: en` variant) and
knowledge/knowledge.yml (`answers:` sources and dates, `topics:` labels) plus the texts the custom
actions build (commitments, centres, contact). Used by docs/answers.md (scripts/answer_catalogue.py) and by
the staff answer finder (staff/).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Dict, List, Optional, Tuple

import yaml

from actions import centres, commitments
from actions.centre_config import CentreConfig, load_centre_config
from actions.contact import contact_text
from actions.knowledge import Knowledge, load_knowledge

DOMAIN_PATH = Path(__file__).resolve().parent.parent / "domain.yml"
# knowledge.yml `topics:` keys -> the answer they label.
_TOPIC_OF_ANSWER = {
    "action_commitments/list": "ask_commitments",
    "action_find_centre": "find_centre",
    "action_contact": "contact_human",
}


@dataclass(frozen=True)
class Answer:
    """One approved answer: its id, French and English texts, sources (keys) and review date."""

    id: str
    fr: str
    en: str
    sources: Tuple[str, ...]
    reviewed: str
    label_fr: str = ""
    label_en: str = ""
    keywords: Tuple[str, ...] = ()  # extra words a keyword search should find it by


def _labels(answer_id: str, knowledge: Knowledge) -> Tuple[str, str]:
    topic = knowledge.topics.get(_TOPIC_OF_ANSWER.get(answer_id) or answer_id.replace("utter_faq/", "faq/"))
    return (topic["fr"], topic["en"]) if topic else ("", "")


def _answer(answer_id: str, fr: str, en: str, meta: Dict, knowledge: Knowledge, **extra) -> Answer:
    label_fr, label_en = _labels(answer_id, knowledge)
    return Answer(
        id=answer_id,
        fr=fr,
        en=en,
        sources=tuple(meta["sources"]),
        reviewed=str(meta["reviewed"]),
        label_fr=extra.pop("label_fr", label_fr),
        label_en=extra.pop("label_en", label_en),
        **extra,
    )


def load_responses(path: Optional[Path] = None) -> Dict[str, List[Dict]]:
    """The `responses:` of domain.yml, in file order."""
    domain = yaml.safe_load(Path(path or DOMAIN_PATH).read_text(encoding="utf-8"))
    return domain["responses"]


def response_answers(responses: Dict[str, List[Dict]], knowledge: Knowledge) -> List[Answer]:
    """Each domain response: the French default and the English (conditioned) variant."""
    answers = []
    for name, variants in responses.items():
        fr = next(v["text"] for v in variants if not v.get("condition"))
        en = next(v["text"] for v in variants if v.get("condition"))
        answers.append(_answer(name, fr, en, knowledge.answers[name], knowledge))
    return answers


def commitment_answers(knowledge: Knowledge) -> List[Answer]:
    """Each commitment of the charter (action_commitments/<n>), then the list of all six."""
    answers = [
        _answer(
            f"action_commitments/{c.number}",
            commitments.describe(c, "fr"),
            commitments.describe(c, "en"),
            {"sources": list(c.sources), "reviewed": knowledge.review_date},
            knowledge,
            label_fr=f"Engagement n° {c.number} de la charte",
            label_en=f"Charter commitment {c.number}",
            keywords=("engagement", "commitment", *c.keywords),
        )
        for c in knowledge.commitments
    ]
    answers.append(
        _answer(
            "action_commitments/list",
            "\n\n".join(commitments.list_messages(knowledge, "fr")),
            "\n\n".join(commitments.list_messages(knowledge, "en")),
            knowledge.answers["action_commitments"],
            knowledge,
        )
    )
    return answers


def centre_answer(city: str, knowledge: Knowledge) -> Answer:
    """The centre finder's answer for a known city (its centre, or the nearest ones)."""
    here = next((c for c in knowledge.centres if city in c.cities), None)
    meta = (
        {"sources": list(here.sources), "reviewed": knowledge.review_date}
        if here
        else knowledge.answers["action_find_centre"]
    )
    return _answer(
        f"action_find_centre/{here.id}" if here else "action_find_centre",
        centres.answer_for_city(city, knowledge, "fr"),
        centres.answer_for_city(city, knowledge, "en"),
        meta,
        knowledge,
        label_fr=f"Centre à {city}" if here else f"Centres proches de {city}",
        label_en=f"Centre in {city}" if here else f"Centres near {city}",
        keywords=(city, *(here.cities if here else ()), *((here.name,) if here else ())),
    )


def centre_answers(knowledge: Knowledge) -> List[Answer]:
    """The centre finder's answer for the first city of each of the 18 centres."""
    return [centre_answer(centre.cities[0], knowledge) for centre in knowledge.centres]


def action_answers(knowledge: Knowledge, config: CentreConfig) -> List[Answer]:
    """Answers of actions not listed above: centre finder without a city, contact details."""
    return [
        _answer(
            "action_find_centre",
            centres.answer_unknown_city(None, knowledge, "fr"),
            centres.answer_unknown_city(None, knowledge, "en"),
            knowledge.answers["action_find_centre"],
            knowledge,
        ),
        _answer(
            "action_contact",
            contact_text(config, "fr"),
            contact_text(config, "en"),
            knowledge.answers["action_contact"],
            knowledge,
        ),
    ]


@lru_cache(maxsize=2)
def load_catalogue() -> Dict[str, Answer]:
    """Every answer by id: responses, commitments, centres, then the other actions' answers."""
    knowledge = load_knowledge()
    answers = [
        *response_answers(load_responses(), knowledge),
        *commitment_answers(knowledge),
        *centre_answers(knowledge),
        *action_answers(knowledge, load_centre_config()),
    ]
    return {answer.id: answer for answer in answers}
