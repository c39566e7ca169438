"""Privacy of stored conversations: redaction of personal data, the redacting tracker store, retention."""
