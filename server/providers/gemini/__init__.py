"""Gemini (Google AI ``generativelanguage`` API) as a native provider.

Pure converters, one concern per module: convert_request (Anthropic body ->
generateContent body), convert_schema (tools and names), thinking
(thinkingConfig), stream (response chunks -> Anthropic events),
map_finish_reason, convert_usage, errors.
"""
