"""Rasa NLU component: leave the FAQ answers' texts out of the featurised training data.

Rasa copies each FAQ example's answer text into the example (`response`), and every tokenizer and
featurizer then processes those long texts too: spaCy parses about 2,000 of them and the character
n-gram featurizer learns a vocabulary for them. Our ResponseSelector learns the topic key
(`use_text_as_label: false`, Rasa's default), so nothing reads those features: dropping the texts
first saves about half of the featurising time of a training and changes no prediction.
"""

from __future__ import annotations

from typing import List

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.shared.nlu.constants import RESPONSE
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from components.stateless import StatelessComponent


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.MESSAGE_FEATURIZER, is_trainable=False)
class SkipResponseTexts(StatelessComponent):
    """Removes the answer text from every training example; messages at run time are untouched."""

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        for example in training_data.training_examples:
            example.data.pop(RESPONSE, None)
        return training_data

    def process(self, messages: List[Message]) -> List[Message]:
        return messages
