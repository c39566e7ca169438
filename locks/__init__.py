"""Conversation locks shared by several Rasa servers."""
