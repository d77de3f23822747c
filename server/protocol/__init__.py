"""The inbound Anthropic Messages contract: validation, ids, signatures, events."""
