"""Text normalisation shared by the actions: lower case, no accents, words separated by one space."""

from __future__ import annotations

import re
import unicodedata

_NON_WORD = re.compile(r"[^a-z0-9°]+")


def normalize(text: str) -> str:
    """'Près de Clermont-Ferrand ?' -> 'pres de clermont ferrand'."""
    decomposed = unicodedata.normalize("NFKD", (text or "").lower().replace("œ", "oe"))
    without_accents = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return _NON_WORD.sub(" ", without_accents).strip()
