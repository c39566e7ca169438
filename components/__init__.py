"""Custom Rasa NLU components of the ICM assistant."""
