"""RuleEntityExtractor: cities, commitment numbers and themes, as annotated, from the real training data."""

from __future__ import annotations

from typing import Dict, List, Set, Tuple

import pytest
import yaml
from rasa.engine.graph import ExecutionContext, GraphSchema
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.shared.importers.importer import TrainingDataImporter
from rasa.shared.nlu.constants import ENTITIES, INTENT, TEXT
from rasa.shared.nlu.training_data.loading import load_data
from rasa.shared.nlu.training_data.message import Message

from components.entity_rules import RuleEntityExtractor
from tests.helpers import ROOT

Spans = Set[Tuple[int, int, str, str]]


@pytest.fixture(scope="module")
def extractor(tmp_path_factory: pytest.TempPathFactory) -> RuleEntityExtractor:
    """Trained on data/ and reloaded from its model storage, as the Rasa server does."""
    storage = LocalModelStorage(tmp_path_factory.mktemp("entity_rules"))
    resource = Resource("entity_rules")
    context = ExecutionContext(GraphSchema({}), "test")
    config = RuleEntityExtractor.get_default_config()
    data = TrainingDataImporter.load_from_dict(
        domain_path=str(ROOT / "domain.yml"), training_data_paths=[str(ROOT / "data")]
    ).get_nlu_data()
    RuleEntityExtractor.create(config, storage, resource, context).train(data)
    return RuleEntityExtractor.load(config, storage, resource, context)


def spans(entities: List[Dict]) -> Spans:
    return {(e["start"], e["end"], e["entity"], str(e["value"])) for e in entities}


def held_out() -> List[Tuple[str, str, Spans]]:
    data = load_data(str(ROOT / "tests" / "nlu_test.yml"))
    synonyms = data.entity_synonyms
    examples = []
    for example in data.training_examples:
        gold = [
            {**e, "value": synonyms.get(str(e["value"]).lower(), e["value"])}
            for e in example.get(ENTITIES) or []
        ]
        examples.append((example.get(TEXT), example.get(INTENT), spans(gold)))
    return examples


def test_every_annotated_held_out_message_gets_exactly_its_entities(extractor):
    annotated = [(text, intent, gold) for text, intent, gold in held_out() if gold]
    assert len(annotated) >= 30
    wrong = [(text, spans(extractor.extract(text, intent))) for text, intent, gold in annotated]
    wrong = [(text, got) for (text, got), (_, _, gold) in zip(wrong, annotated) if got != gold]
    assert not wrong


def test_no_entity_in_held_out_messages_annotated_without_one(extractor):
    plain = [(text, intent) for text, intent, gold in held_out() if not gold]
    assert [text for text, intent in plain if extractor.extract(text, intent)] == []


@pytest.mark.parametrize(
    ("text", "intent", "expected"),
    [
        ("ya un centre a marseile ???", "find_centre", {(15, 23, "city", "Marseille")}),
        ("un centre près de St Herblain ?", "find_centre", {(18, 29, "city", "Saint-Herblain")}),
        ("Is there a cancer centre in LYON?", "find_centre", {(28, 32, "city", "Lyon")}),
        ("et l'engagement 3 ?", "ask_commitments", {(16, 17, "commitment_number", "3")}),
        ("the last commitment please", "ask_commitments", {(4, 8, "commitment_number", "6")}),
        (
            "l'engagement sur la qualité de vie",
            "ask_commitments",
            {(20, 34, "commitment_theme", "quality_of_life")},
        ),
    ],
)
def test_cities_numbers_and_themes_as_people_write_them(extractor, text, intent, expected):
    assert spans(extractor.extract(text, intent)) == expected


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        ("quels sont les 6 engagements de la charte ?", "ask_commitments"),  # a count, not a choice
        ("y a-t-il un engagement sur le soutien psychologique ?", "ask_commitments"),  # an article
        ("l'ICM est bien à Montpellier ?", "faq"),  # a city outside a centre search
        ("I want a second opinion on my diagnosis", "ask_medical"),
        ("y a-t-il un centre près de chez moi ?", "find_centre"),
    ],
)
def test_no_entity_where_none_is_meant(extractor, text, intent):
    assert extractor.extract(text, intent) == []


def test_process_adds_the_entities_with_the_extractor_name(extractor):
    message = Message(data={TEXT: "un centre à Nantes ?", INTENT: {"name": "find_centre", "confidence": 0.9}})
    extractor.process([message])
    [entity] = message.get(ENTITIES)
    assert (entity["entity"], entity["value"], entity["extractor"]) == (
        "city",
        "Nantes",
        "RuleEntityExtractor",
    )


def test_the_shipped_pipeline_extracts_by_lookup_and_diet_only_classifies():
    pipeline = yaml.safe_load((ROOT / "config.yml").read_text())["pipeline"]
    names = [c["name"] for c in pipeline]
    diet = pipeline[names.index("DIETClassifier")]
    assert diet.get("entity_recognition") is False
    rules = names.index("components.entity_rules.RuleEntityExtractor")
    # After DIET (it reads the predicted intent), before the synonym mapper.
    assert names.index("DIETClassifier") < rules < names.index("EntitySynonymMapper")


def test_the_phrases_are_what_the_model_keeps(extractor):
    assert ("marseille", ("city", "Marseille")) in extractor._phrases.items()
    assert extractor._phrases.get("troisieme") == ("commitment_number", "3")
