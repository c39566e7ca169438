"""rasa_fixes: the action-server response is validated as Rasa validates it, with a prebuilt validator."""

from __future__ import annotations

import pytest
from jsonschema import ValidationError
from rasa.core.actions.action import RemoteAction

import privacy.store  # noqa: F401 - importing the tracker store installs the fixes, as in a Rasa server
from rasa_fixes.action_validation import RASA_VALIDATE_ACTION_RESULT, validate_action_result

VALID = [
    {"events": [{"event": "slot", "name": "language", "value": "en", "timestamp": None}], "responses": []},
    {"events": [], "responses": [{"text": "Bonjour", "buttons": []}]},
    {},
]
INVALID = [
    {"events": [{"event": "no_such_event"}], "responses": []},
    {"events": "slot", "responses": []},
    {"events": [], "responses": "Bonjour"},
]


def test_the_tracker_store_installs_the_prebuilt_validator():
    assert RemoteAction._validate_action_result is validate_action_result


@pytest.mark.parametrize("response", VALID)
def test_a_valid_response_passes_as_with_rasa(response):
    action = RemoteAction("action_x", None)
    assert RASA_VALIDATE_ACTION_RESULT(action, response) is True
    assert action._validate_action_result(response) is True


@pytest.mark.parametrize("response", INVALID)
def test_an_invalid_response_is_refused_with_rasa_s_error(response):
    action = RemoteAction("action_x", None)
    with pytest.raises(ValidationError) as rasa_error:
        RASA_VALIDATE_ACTION_RESULT(action, response)
    with pytest.raises(ValidationError) as our_error:
        action._validate_action_result(response)
    assert our_error.value.message == rasa_error.value.message
    assert "Failed to validate Action server response" in our_error.value.message
