"""Find the Unicancer cancer centre(s) for a city the user names, and word the answer (FR/EN)."""

from __future__ import annotations

from functools import lru_cache
from typing import Dict, Iterable, List, Optional

from rapidfuzz import fuzz, process

from actions.knowledge import Centre, Knowledge
from actions.text import normalize

# A misspelt city must be at least this similar (0-100) to a known name, and this long.
MIN_SIMILARITY = 86
MIN_FUZZY_LENGTH = 5
_ABBREVIATIONS = {"st": "saint", "ste": "sainte"}


def city_key(name: str) -> str:
    """The key a city name is matched by ("St-Herblain" -> "saint herblain")."""
    words = normalize(name).split()
    return " ".join(_ABBREVIATIONS.get(w, w) for w in words)


@lru_cache(maxsize=4)
def city_index(knowledge: Knowledge) -> Dict[str, str]:
    """Normalised city name -> proper name, for every city the knowledge file knows."""
    names = [city for c in (*knowledge.centres, *knowledge.affiliates) for city in c.cities]
    names += list(knowledge.other_cities)
    index = {city_key(name): name for name in names}
    index.update({city_key(alias): city for alias, city in knowledge.city_aliases.items()})
    return index


def _ngrams(words: List[str], max_len: int = 4) -> Iterable[str]:
    for size in range(max_len, 0, -1):
        for start in range(len(words) - size + 1):
            yield " ".join(words[start : start + size])


def match_city(text: str, knowledge: Knowledge) -> Optional[str]:
    """The known city named in the text (exact first, then typo-tolerant), or None."""
    index = city_index(knowledge)
    words = city_key(text).split()
    grams = list(_ngrams(words))
    for gram in grams:
        if gram in index:
            return index[gram]
    best = None
    for gram in grams:
        if len(gram) < MIN_FUZZY_LENGTH:
            continue
        found = process.extractOne(gram, index.keys(), scorer=fuzz.ratio, score_cutoff=MIN_SIMILARITY)
        if found and (best is None or found[1] > best[1]):
            best = found
    return index[best[0]] if best else None


def _centre_line(centre: Centre) -> str:
    return f"{centre.name} – {centre.location}"


def all_cities_line(knowledge: Knowledge) -> str:
    """'Villejuif, Paris et Saint-Cloud, Lyon, ...' for the 18 centres."""
    return ", ".join(c.location for c in knowledge.centres)


_PHRASES = {
    "fr": {
        "and": " et ",
        "yes": "Oui. À {city} : {names}, centre de lutte contre le cancer (CLCC) du réseau Unicancer.",
        "also": "\nAussi en {region} : {nearby}.",
        "none": "Il n'y a pas de centre de lutte contre le cancer (CLCC) Unicancer à {city}.",
        "affiliate": " L'{name}, sur place, est membre affilié d'Unicancer.",
        "nearest": "\nLes plus proches ({region}) : {nearby}.",
        "doctor": "\nVotre médecin peut vous conseiller sur le lieu de soins.",
        "source": "\nSource : Unicancer (unicancer.fr)",
    },
    "en": {
        "and": " and ",
        "yes": "Yes. In {city}: {names}, a cancer centre (CLCC) of the Unicancer network.",
        "also": "\nAlso in {region}: {nearby}.",
        "none": "There is no Unicancer cancer centre (CLCC) in {city}.",
        "affiliate": " {name} there is an affiliated member of Unicancer.",
        "nearest": "\nThe nearest ones ({region}): {nearby}.",
        "doctor": "\nYour doctor can advise you on where to be treated.",
        "source": "\nSource: Unicancer (unicancer.fr)",
    },
}


def answer_for_city(city: str, knowledge: Knowledge, language: str) -> str:
    """The answer for a known city: its centre(s), or the nearest ones by region."""
    phrases = _PHRASES["en" if language == "en" else "fr"]
    here = [c for c in knowledge.centres if city in c.cities]
    affiliates = [c for c in knowledge.affiliates if city in c.cities]
    region_id = knowledge.city_region(city)
    region = knowledge.regions.get(region_id) if region_id else None
    region_name = (region.name_en if language == "en" else region.name_fr) if region else ""
    in_region = [c for c in knowledge.centres_in_region(region_id or "") if c not in here]
    if region and not in_region and not here:
        in_region = [c for r in region.nearby for c in knowledge.centres_in_region(r)]
    nearby = "; ".join(_centre_line(c) for c in in_region)
    if here:
        names = phrases["and"].join(c.name for c in here)
        text = phrases["yes"].format(city=city, names=names)
        if nearby:
            text += phrases["also"].format(region=region_name, nearby=nearby)
        return text + phrases["source"]
    text = phrases["none"].format(city=city)
    if affiliates:
        text += phrases["affiliate"].format(name=affiliates[0].name)
    if nearby:
        text += phrases["nearest"].format(region=region_name, nearby=nearby)
    return text + phrases["doctor"] + phrases["source"]


def answer_unknown_city(name: Optional[str], knowledge: Knowledge, language: str) -> str:
    """No known city: ask for one and give the cities that have a centre."""
    cities = all_cities_line(knowledge)
    if language == "en":
        first = (
            f"I don't know the place « {name} »." if name else "In which city are you looking for a centre?"
        )
        return (
            f"{first} The {len(knowledge.centres)} Unicancer cancer centres are in: {cities}.\n"
            "Tell me your nearest large city.\nSource: Unicancer (unicancer.fr)"
        )
    first = (
        f"Je ne connais pas le lieu « {name} »." if name else "Dans quelle ville cherchez-vous un centre ?"
    )
    return (
        f"{first} Les {len(knowledge.centres)} centres Unicancer se trouvent à : {cities}.\n"
        "Indiquez-moi la grande ville la plus proche de chez vous.\nSource : Unicancer (unicancer.fr)"
    )
