"""Pure converters for OpenAI Chat Completions-compatible upstreams.

Everything here is dicts in, dicts (or events) out, no I/O; provider.py does
the HTTP. See docs/translation.md §B-F and §I for the behaviour required.
"""
