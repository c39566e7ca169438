"""Load a trained TensorFlow model of Rasa (DIET, ResponseSelector, TED) without a training step.

Rasa 3.6 (`RasaModel.load`) builds an empty model, *trains it for one step* on one example so that every
weight and every optimizer slot exists, then overwrites them all from the checkpoint. Tracing that training
step (gradients through the CRF and the transformer's conditionals) is most of a model load: about 60 of
the 80 s it takes our Rasa server to start on 2 cores, for weights that are thrown away.

For serving (not `finetune_mode`), this builds the same weights with one forward pass run eagerly (the
loss of one example, no gradients, no graph), restores them from the same checkpoint, and leaves out the
optimizer's slots, which only training reads. The loaded weights and every prediction are the same
(tests/test_rasa_fixes.py compares both loads); fine-tuning keeps Rasa's own load.
"""

from __future__ import annotations

from typing import Any, Optional

import tensorflow as tf
from rasa.utils.tensorflow.constants import LEARNING_RATE, RUN_EAGERLY
from rasa.utils.tensorflow.data_generator import RasaBatchDataGenerator
from rasa.utils.tensorflow.model_data import RasaModelData
from rasa.utils.tensorflow.models import RasaModel

from rasa_fixes.free_memory import release_free_heap

RASA_LOAD = RasaModel.load.__func__  # Rasa's own classmethod, kept for fine-tuning and the tests


def load(
    cls: type,
    model_file_name: str,
    model_data_example: RasaModelData,
    predict_data_example: Optional[RasaModelData] = None,
    finetune_mode: bool = False,
    *args: Any,
    **kwargs: Any,
) -> RasaModel:
    """RasaModel.load for serving: weights built by one eager forward pass instead of a training step."""
    if finetune_mode:  # training goes on from here: the optimizer's state is needed
        return RASA_LOAD(
            cls, model_file_name, model_data_example, predict_data_example, finetune_mode, *args, **kwargs
        )
    model = cls(*args, **kwargs)
    config = kwargs.get("config", {})
    # As Rasa does (no tracing happens here): same optimizer settings and eager/graph choice for predictions.
    model.compile(
        optimizer=tf.keras.optimizers.Adam(config.get(LEARNING_RATE, 0.001)),
        run_eagerly=config.get(RUN_EAGERLY),
    )
    batch, _ = RasaBatchDataGenerator(model_data_example, batch_size=1)[0]
    model._training = True  # the training branch creates every layer's weights, as fit's step does
    model.batch_loss(batch)
    model._training = None
    # The checkpoint also holds the optimizer's slots, which serving never creates: partial on purpose.
    model.load_weights(model_file_name).expect_partial()
    if predict_data_example:  # as Rasa does: trace the prediction function now, not at the first message
        model.run_inference(predict_data_example)
    release_free_heap()  # what building and restoring freed (rasa_fixes/free_memory.py)
    return model


def install() -> None:
    """Replace RasaModel.load (idempotent)."""
    RasaModel.load = classmethod(load)  # type: ignore[method-assign, assignment]
