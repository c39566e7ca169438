"""Input channels of the ICM assistant."""
