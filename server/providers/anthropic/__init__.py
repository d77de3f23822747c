"""Anthropic-compatible upstreams: passthrough with model and auth rewritten."""
