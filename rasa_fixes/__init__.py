"""Fixes for Rasa 3.6 internals, installed by the project's own classes that every Rasa server loads."""
