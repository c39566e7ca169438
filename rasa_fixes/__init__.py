"""Fixes for costs of Rasa 3.6 internals (same results), installed by our modules that Rasa imports."""

from __future__ import annotations


def install() -> None:
    """Install every fix (idempotent): on import of `components` (our pipeline) and of `privacy.store`."""
    from rasa_fixes import (
        action_validation,
        event_types,
        model_loading,
        predict_dispatch,
        rule_first,
        spacy_pipes,
    )

    action_validation.install()
    event_types.install()
    model_loading.install()
    predict_dispatch.install()
    rule_first.install()
    spacy_pipes.install()
