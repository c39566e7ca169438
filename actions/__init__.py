"""Custom actions of the ICM assistant, served by the rasa-sdk action server."""
