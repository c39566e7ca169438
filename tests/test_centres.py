"""The centre finder: cities with a centre, without one, typos, English, unknown places."""

from __future__ import annotations

import pytest

from actions.actions import ActionFindCentre
from actions.knowledge import load_knowledge
from tests.helpers import make_tracker, run_action

pytestmark = pytest.mark.anyio

KNOWLEDGE = load_knowledge()


async def ask(text, entities=(), language="fr"):
    tracker = make_tracker(text, "find_centre", entities, slots={"language": language})
    texts, _ = await run_action(ActionFindCentre(), tracker)
    assert len(texts) == 1
    return texts[0]


@pytest.mark.parametrize(
    ("text", "centre"),
    [
        ("Y a-t-il un centre à Lyon ?", "Centre Léon Bérard"),
        ("un centre près de Bordeaux", "Institut Bergonié"),
        ("centre a nantes", "Institut de Cancérologie de l'Ouest"),
        ("et sur marseile ?", "Institut Paoli-Calmettes"),
        ("CLERMONT", "Centre Jean Perrin"),
        ("st herblain", "Institut de Cancérologie de l'Ouest"),
        ("vandoeuvre les nancy", "Institut de Cancérologie de Lorraine"),
    ],
)
async def test_a_city_with_a_centre_gets_that_centre(text, centre):
    answer = await ask(text)
    assert answer.startswith("Oui")
    assert centre in answer
    assert "Source" in answer


@pytest.mark.parametrize("centre", KNOWLEDGE.centres, ids=lambda c: c.id)
async def test_every_centre_is_found_from_each_of_its_cities(centre):
    for city in centre.cities:
        answer = await ask(f"y a t il un centre à {city.lower()}")
        assert centre.name in answer, city


async def test_a_city_without_a_centre_gets_an_honest_answer_and_the_nearest_ones():
    answer = await ask("y a t il un centre a perpignan")
    assert "pas de centre" in answer
    assert "Perpignan" in answer
    assert "Montpellier" in answer and "Toulouse" in answer
    assert "Occitanie" in answer


async def test_english_question_gets_an_english_answer():
    answer = await ask("Is there a cancer centre in Lyon?", language="en")
    assert answer.startswith("Yes")
    assert "Centre Léon Bérard" in answer


async def test_the_city_entity_is_used_when_present():
    answer = await ask("et là bas ?", [{"entity": "city", "value": "Toulouse"}])
    assert "Institut Claudius Regaud" in answer


async def test_an_affiliated_member_is_not_called_a_clcc():
    answer = await ask("un centre à Avignon ?")
    assert "pas de centre" in answer
    assert "Sainte-Catherine" in answer and "affilié" in answer


async def test_an_unknown_place_is_never_given_an_invented_centre():
    answer = await ask("centre à Trifouilly", [{"entity": "city", "value": "Trifouilly"}])
    assert "Je ne connais pas" in answer
    for centre in KNOWLEDGE.centres:
        assert centre.location in answer


async def test_no_city_asks_for_one():
    answer = await ask("un centre près de chez moi")
    assert "Dans quelle ville" in answer


@pytest.mark.parametrize("text", ["centre a Tours", "centre a Ajaccio", "Brest", "Metz"])
async def test_regions_without_a_centre_still_suggest_one(text):
    answer = await ask(text)
    assert "pas de centre" in answer
    assert any(c.name in answer for c in KNOWLEDGE.centres)
