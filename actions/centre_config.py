"""The centre's contact details (config/centre.yml, overridable by environment variables)."""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Optional

import phonenumbers
import yaml

logger = logging.getLogger(__name__)
DEFAULT_PATH = Path(__file__).resolve().parent.parent / "config" / "centre.yml"
_ENV = {
    "switchboard_phone": "ICM_SWITCHBOARD_PHONE",
    "reception_hours_fr": "ICM_RECEPTION_HOURS_FR",
    "reception_hours_en": "ICM_RECEPTION_HOURS_EN",
    "website": "ICM_WEBSITE",
}


@dataclass(frozen=True)
class CentreConfig:
    """Contact values the centre filled in; empty strings mean 'not configured'."""

    switchboard_phone: str
    reception_hours_fr: str
    reception_hours_en: str
    website: str

    def missing(self) -> list:
        """Names of the values that are still empty."""
        return [name for name in _ENV if not getattr(self, name)]


def _valid_french_phone(raw: str) -> Optional[str]:
    try:
        number = phonenumbers.parse(raw, "FR")
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL)


def load_centre_config(path: Optional[str] = None) -> CentreConfig:
    """Read config/centre.yml (ICM_CENTRE_CONFIG overrides the path), then the environment."""
    file = Path(path or os.environ.get("ICM_CENTRE_CONFIG") or DEFAULT_PATH)
    raw = yaml.safe_load(file.read_text(encoding="utf-8")) or {}
    values = {name: str(os.environ.get(env) or raw.get(name) or "").strip() for name, env in _ENV.items()}
    if values["switchboard_phone"]:
        formatted = _valid_french_phone(values["switchboard_phone"])
        if formatted is None:
            logger.warning(
                "switchboard_phone %r in %s is not a valid French number: it will not be shown. "
                "Correct it (e.g. '04 12 34 56 78').",
                values["switchboard_phone"],
                file,
            )
        values["switchboard_phone"] = formatted or ""
    return CentreConfig(**values)


def warn_if_unset(config: CentreConfig) -> None:
    """Log one warning listing the contact values the centre has not filled in yet."""
    missing = config.missing()
    if missing:
        logger.warning(
            "Contact details not configured yet (%s): the assistant points patients to %s instead. "
            "Fill them in config/centre.yml or the matching ICM_* environment variables.",
            ", ".join(missing),
            config.website or "the official website",
        )
