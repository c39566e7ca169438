"""Read the knowledge file (knowledge/knowledge.yml): commitments, centres, regions, sources."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Dict, List, Optional, Tuple

import yaml

DEFAULT_PATH = Path(__file__).resolve().parent.parent / "knowledge" / "knowledge.yml"


@dataclass(frozen=True)
class Commitment:
    """One of the six commitments of the Unicancer patient charter."""

    number: int
    theme: str
    title_fr: str
    title_en: str
    explanation_fr: str
    explanation_en: str
    practice_fr: str
    practice_en: str
    keywords: Tuple[str, ...]
    sources: Tuple[str, ...]


@dataclass(frozen=True)
class Centre:
    """A cancer centre (CLCC) of the Unicancer network."""

    id: str
    name: str
    cities: Tuple[str, ...]
    region: str
    sources: Tuple[str, ...]
    where: str = ""

    @property
    def location(self) -> str:
        """How to name the centre's location in a list."""
        return self.where or ", ".join(self.cities)


@dataclass(frozen=True)
class Region:
    """An administrative region; `nearby` lists regions to look in when it has no centre."""

    id: str
    name_fr: str
    name_en: str
    nearby: Tuple[str, ...] = ()


@dataclass(frozen=True, eq=False)
class Knowledge:
    """Everything the actions know, loaded from one YAML file."""

    review_date: str
    official_website: str
    sources: Dict[str, Dict[str, str]]
    commitments: Tuple[Commitment, ...]
    centres: Tuple[Centre, ...]
    affiliates: Tuple[Centre, ...]
    regions: Dict[str, Region]
    other_cities: Dict[str, str] = field(default_factory=dict)  # city -> region id
    city_aliases: Dict[str, str] = field(default_factory=dict)  # spelling -> city
    topics: Dict[str, Dict[str, str]] = field(default_factory=dict)  # answer id -> labels and questions
    answers: Dict[str, Dict] = field(default_factory=dict)  # response/action -> sources and review date

    def commitment(self, number: int) -> Optional[Commitment]:
        """The commitment with this number (1-6), or None."""
        return next((c for c in self.commitments if c.number == number), None)

    def centres_in_region(self, region: str) -> List[Centre]:
        """Centres of a region, in file order."""
        return [c for c in self.centres if c.region == region]

    def city_region(self, city: str) -> Optional[str]:
        """Region id of a known city (with or without a centre)."""
        for centre in (*self.centres, *self.affiliates):
            if city in centre.cities:
                return centre.region
        return self.other_cities.get(city)


def _parse(raw: dict) -> Knowledge:
    commitments = tuple(
        Commitment(
            **{k: v for k, v in c.items() if k not in {"keywords", "sources"}},
            keywords=tuple(c.get("keywords", [])),
            sources=tuple(c.get("sources", [])),
        )
        for c in raw["commitments"]
    )
    centres, affiliates = (
        tuple(
            Centre(
                id=c["id"],
                name=c["name"],
                cities=tuple(c["cities"]),
                region=c["region"],
                sources=tuple(c.get("sources", [])),
                where=c.get("where", ""),
            )
            for c in raw.get(key, [])
        )
        for key in ("centres", "affiliates")
    )
    regions = {
        rid: Region(id=rid, name_fr=r["fr"], name_en=r["en"], nearby=tuple(r.get("nearby", [])))
        for rid, r in raw["regions"].items()
    }
    other_cities = {city: rid for rid, cities in raw.get("other_cities", {}).items() for city in cities}
    return Knowledge(
        review_date=str(raw["review_date"]),
        official_website=raw["official_website"],
        sources=raw["sources"],
        commitments=commitments,
        centres=centres,
        affiliates=affiliates,
        regions=regions,
        other_cities=other_cities,
        city_aliases=dict(raw.get("city_aliases", {})),
        topics={key: dict(value) for key, value in raw.get("topics", {}).items()},
        answers={key: dict(value) for key, value in raw.get("answers", {}).items()},
    )


@lru_cache(maxsize=4)
def load_knowledge(path: Optional[str] = None) -> Knowledge:
    """Load and cache the knowledge file (ICM_KNOWLEDGE_FILE overrides the default path)."""
    file = Path(path or os.environ.get("ICM_KNOWLEDGE_FILE") or DEFAULT_PATH)
    try:
        raw = yaml.safe_load(file.read_text(encoding="utf-8"))
    except FileNotFoundError as err:
        raise FileNotFoundError(
            f"Knowledge file {file} is missing: restore knowledge/knowledge.yml or set ICM_KNOWLEDGE_FILE."
        ) from err
    return _parse(raw)
