"""Validate action-server responses with one prebuilt JSON-schema validator instead of a new one per call.

Rasa 3.6 checks every custom-action response with `jsonschema.validate(response, schema)`
(`RemoteAction._validate_action_result`), which first checks the schema itself against its meta-schema:
about 40 ms per call on 2 cores, more than the action server's whole round trip (about 4 ms). Our FAQ
turns call the action server once (the `language` slot), so this was the largest single cost of a turn.
The schema is Rasa's constant, so it is checked once here; each response is validated against it as
before, and an invalid one raises the same `ValidationError` with the same hint.

Installed with the other fixes by `rasa_fixes.install()` (see the package).
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any, Dict

from jsonschema import exceptions
from jsonschema.protocols import Validator
from jsonschema.validators import validator_for
from rasa.core.actions.action import RemoteAction
from rasa.shared.constants import DOCS_BASE_URL


@lru_cache(maxsize=1)
def _validator() -> Validator:
    schema = RemoteAction.action_response_format_spec()
    cls = validator_for(schema)
    cls.check_schema(schema)
    return cls(schema)


def validate_action_result(self: RemoteAction, result: Dict[str, Any]) -> bool:
    """What RemoteAction._validate_action_result does, without re-checking the schema on every call."""
    error = exceptions.best_match(_validator().iter_errors(result))  # as jsonschema.validate picks it
    if error is None:
        return True
    error.message += (
        f". Failed to validate Action server response from API, "
        f"make sure your response from the Action endpoint is valid. "
        f"For more information about the format visit "
        f"{DOCS_BASE_URL}/custom-actions"
    )
    raise error


RASA_VALIDATE_ACTION_RESULT = RemoteAction._validate_action_result  # Rasa's own, kept for the tests


def install() -> None:
    """Replace RemoteAction._validate_action_result (idempotent)."""
    RemoteAction._validate_action_result = validate_action_result  # type: ignore[method-assign]
