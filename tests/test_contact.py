"""Contact details: shown when the centre configured them, never invented when it did not."""

from __future__ import annotations

import re

import pytest

from actions.actions import ActionContact
from actions.centre_config import DEFAULT_PATH
from tests.helpers import make_tracker, run_action

pytestmark = pytest.mark.anyio

PHONE_LIKE = re.compile(r"\d{2}[ .]?\d{2}[ .]?\d{2}[ .]?\d{2}[ .]?\d{2}")


@pytest.fixture
def centre_config(tmp_path, monkeypatch):
    """Point the actions at a temporary config/centre.yml and return a writer for it."""
    for env in ("ICM_SWITCHBOARD_PHONE", "ICM_RECEPTION_HOURS_FR", "ICM_RECEPTION_HOURS_EN", "ICM_WEBSITE"):
        monkeypatch.delenv(env, raising=False)
    path = tmp_path / "centre.yml"
    monkeypatch.setenv("ICM_CENTRE_CONFIG", str(path))

    def write(phone: str = "", hours: str = "") -> None:
        path.write_text(
            f'switchboard_phone: "{phone}"\nreception_hours_fr: "{hours}"\nreception_hours_en: ""\n'
            'website: "https://www.icm.unicancer.fr"\n',
            encoding="utf-8",
        )

    return write


async def test_unset_phone_points_to_the_official_website(centre_config):
    centre_config()
    texts, _ = await run_action(ActionContact(), make_tracker("je veux parler à quelqu'un", "contact_human"))
    assert "https://www.icm.unicancer.fr" in texts[0]
    assert not PHONE_LIKE.search(texts[0].replace("15 ou le 112", ""))
    assert "15" in texts[0] and "112" in texts[0]


async def test_configured_phone_is_shown_formatted(centre_config):
    centre_config(phone="0412345678", hours="du lundi au vendredi, 8 h – 18 h")
    texts, _ = await run_action(ActionContact(), make_tracker("numéro de téléphone ?", "contact_human"))
    assert "04 12 34 56 78" in texts[0]
    assert "du lundi au vendredi" in texts[0]


async def test_invalid_phone_is_never_shown(centre_config, caplog):
    centre_config(phone="12")
    texts, _ = await run_action(ActionContact(), make_tracker("contact", "contact_human"))
    assert "12" not in texts[0].replace("112", "")
    assert "not a valid French number" in caplog.text


def test_shipped_config_has_no_unverified_phone_number():
    """facts.md has no verified ICM switchboard number: the shipped value must stay empty."""
    shipped = DEFAULT_PATH.read_text(encoding="utf-8")
    assert 'switchboard_phone: ""' in shipped
