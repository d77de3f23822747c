"""Providers: one folder per upstream API, Anthropic Messages as the hub format."""
