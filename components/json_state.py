"""Base class for our trainable NLU components whose whole trained state is one JSON document."""

from __future__ import annotations

import json
from typing import Any, Dict, Optional

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage


class JsonStateComponent(GraphComponent):
    """Creates, saves and loads the component; subclasses set `STATE_FILE` and `use_state`."""

    STATE_FILE = "state.json"

    def __init__(
        self,
        config: Dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        state: Optional[Any] = None,
    ) -> None:
        self._config = config
        self._model_storage = model_storage
        self._resource = resource
        self.use_state(state)

    def use_state(self, state: Optional[Any]) -> None:
        """Build what `process` needs from the trained state (None before training)."""
        raise NotImplementedError

    @classmethod
    def create(
        cls,
        config: Dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> GraphComponent:
        return cls(config, model_storage, resource)

    @classmethod
    def load(
        cls,
        config: Dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
        **kwargs: Any,
    ) -> GraphComponent:
        with model_storage.read_from(resource) as directory:
            state = json.loads((directory / cls.STATE_FILE).read_text(encoding="utf-8"))
        return cls(config, model_storage, resource, state)

    def save_state(self, state: Any) -> Resource:
        """Use the newly trained state and write it to the model storage."""
        self.use_state(state)
        with self._model_storage.write_to(self._resource) as directory:
            text = json.dumps(state, ensure_ascii=False)
            (directory / self.STATE_FILE).write_text(text, encoding="utf-8")
        return self._resource
