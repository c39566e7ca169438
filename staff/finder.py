"""The answer finder: the trained model's ranking first, keyword search as a complement.

The model ranks answers as the "did you mean" buttons do (actions.ranking: P(faq) × P(answer) from the
response selector, intent confidence otherwise), mapped to answer ids by staff.intents. Keyword search
(staff.keywords) adds answers the model missed and decides when the model is unsure (a single keyword
such as "ALD" or "dépassements", an unusual phrasing).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Dict, List, Optional, Tuple

from actions import centres, commitments
from actions.catalogue import Answer, centre_answer, load_catalogue
from actions.knowledge import Knowledge, load_knowledge
from actions.ranking import ranked_answers
from staff.intents import CENTRE_FINDER, COMMITMENTS, answer_map
from staff.keywords import KeywordIndex
from staff.parser import Parser, ParserUnavailable

# Model scores at or above this are trusted; keyword scores then only break near-ties and fill in.
CONFIDENT = 0.5
KEYWORD_WEIGHT_CONFIDENT = 0.1
KEYWORD_WEIGHT_UNSURE = 1.0
MIN_SCORE = 0.05


@dataclass(frozen=True)
class Result:
    """One answer found, with the scores that ranked it."""

    answer: Answer
    score: float
    model: float
    keywords: float

    def as_dict(self, sources: Dict[str, Dict[str, str]]) -> Dict[str, Any]:
        """JSON-ready: texts, id, labels, review date, sources as titles and links, scores."""
        a = self.answer
        return {
            "id": a.id,
            "label_fr": a.label_fr,
            "label_en": a.label_en,
            "fr": a.fr,
            "en": a.en,
            "reviewed": a.reviewed,
            "sources": [
                {"title": sources[key]["title"], "url": sources[key].get("url") or ""} for key in a.sources
            ],
            "score": round(self.score, 3),
            "model": round(self.model, 3),
            "keywords": round(self.keywords, 3),
        }


def merge(
    model: List[Tuple[str, float]], keywords: List[Tuple[str, float]], limit: int = 5
) -> List[Tuple[str, float, float, float]]:
    """(answer id, score, model score, keyword score), best first.

    score = model + w × keywords, with w small when the model is confident (its order stands; keywords
    only add answers it did not rank) and larger when it is unsure (keywords can reorder).
    """
    model_scores, keyword_scores = dict(model), dict(keywords)
    top = max(model_scores.values(), default=0.0)
    weight = KEYWORD_WEIGHT_CONFIDENT if top >= CONFIDENT else KEYWORD_WEIGHT_UNSURE
    merged = []
    for answer_id in dict.fromkeys([*model_scores, *keyword_scores]):
        m, k = model_scores.get(answer_id, 0.0), keyword_scores.get(answer_id, 0.0)
        score = m + weight * k
        if score >= MIN_SCORE:
            merged.append((answer_id, score, m, k))
    merged.sort(key=lambda item: -item[1])
    return merged[:limit]


class Finder:
    """Find the approved answers for a patient's question or a keyword."""

    def __init__(self, parser: Optional[Parser], catalogue: Optional[Dict[str, Answer]] = None) -> None:
        self.parser = parser
        self.knowledge: Knowledge = load_knowledge()
        self.catalogue = catalogue if catalogue is not None else load_catalogue()
        faq_keys = [a.removeprefix("utter_") for a in self.catalogue if a.startswith("utter_faq/")]
        self.answer_for = answer_map(faq_keys)
        questions: Dict[str, List[str]] = {}  # the "did you mean" questions of knowledge.yml topics
        for key, topic in self.knowledge.topics.items():
            answer_id = self.answer_for.get(key, key)
            answer_id = f"{COMMITMENTS}/list" if answer_id == COMMITMENTS else answer_id
            questions[answer_id] = [topic.get("ask_fr", ""), topic.get("ask_en", "")]
        self.keywords = KeywordIndex(self.catalogue.values(), questions)

    def model_ranking(self, parse_data: Dict[str, Any]) -> Tuple[List[Tuple[str, float]], Dict[str, Answer]]:
        """Answer ids from the parse data, families narrowed down using the message (number, city)."""
        resolved: Dict[str, Answer] = {}
        ranking = []
        for answer_id, score in ranked_answers(parse_data, self.answer_for):
            if answer_id == COMMITMENTS:
                answer = self._commitment(parse_data)
            elif answer_id == CENTRE_FINDER:
                answer = self._centre(parse_data)
            else:
                answer = self.catalogue.get(answer_id)
            if answer is not None:
                resolved[answer.id] = answer
                ranking.append((answer.id, score))
        return ranking, resolved

    def _commitment(self, parse_data: Dict[str, Any]) -> Answer:
        wanted = commitments.parse_request(
            parse_data.get("text") or "",
            self.knowledge,
            _entities(parse_data, "commitment_number"),
            _entities(parse_data, "commitment_theme"),
        )
        return self.catalogue[f"{COMMITMENTS}/{wanted}" if isinstance(wanted, int) else f"{COMMITMENTS}/list"]

    def _centre(self, parse_data: Dict[str, Any]) -> Answer:
        named = [centres.match_city(n, self.knowledge) for n in _entities(parse_data, "city")]
        city = next((c for c in named if c), None)
        city = city or centres.match_city(parse_data.get("text") or "", self.knowledge)
        return centre_answer(city, self.knowledge) if city else self.catalogue[CENTRE_FINDER]

    def search(self, query: str, limit: int = 5) -> Tuple[List[Result], Optional[str]]:
        """The best answers (model first, keywords as a complement) and why the model was not asked."""
        model: List[Tuple[str, float]] = []
        answers = dict(self.catalogue)
        model_error = None
        if self.parser is None:
            model_error = "No model configured: keyword search only."
        elif query.strip():
            try:
                model, resolved = self.model_ranking(self.parser.parse(query))
                answers.update(resolved)
            except ParserUnavailable as err:
                model_error = str(err)
        keywords = self.keywords.search(query, limit=10)
        results = [
            Result(answers[answer_id], score, m, k)
            for answer_id, score, m, k in merge(model, keywords, limit)
            if answer_id in answers
        ]
        return results, model_error

    def find(self, query: str, limit: int = 5) -> List[Result]:
        """The best answers for the query."""
        return self.search(query, limit)[0]


def _entities(parse_data: Dict[str, Any], name: str) -> List[str]:
    return [str(e.get("value")) for e in parse_data.get("entities") or [] if e.get("entity") == name]
