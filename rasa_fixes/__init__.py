"""Fixes for Rasa 3.6 internals, installed by the project's own classes that every Rasa server loads."""

from __future__ import annotations


def install() -> None:
    """Install every fix (idempotent); called when `privacy.store` is imported."""
    from rasa_fixes import action_validation, event_types, model_loading, spacy_pipes

    action_validation.install()
    event_types.install()
    model_loading.install()
    spacy_pipes.install()
