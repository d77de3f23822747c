"""The page's language (issue 19): the person's choice, kept in the config
as a top-level ``"language"`` key; no key means "follow the browser"."""
from __future__ import annotations

from typing import Any

from quart import Response

from server.gateway import Gateway
from server.routes.common import gateway
from server.settings_page import edits
from server.settings_page.common import bp, json_response, read_body, update

# The languages the page has catalogues for ("" = automatic); the tray has
# en and zh-CN (zh-TW reads English there: a missing catalogue falls back).
LANGUAGES = ("en", "zh-CN", "zh-TW")


def chosen_language(gw: Gateway) -> str:
    value = gw.config.raw.get("language")
    return value if isinstance(value, str) and value in LANGUAGES else ""


@bp.put("/settings/api/language")
async def put_language() -> Response:
    body = await read_body()
    language = body.get("language")
    if language is None:
        language = ""
    if not isinstance(language, str) or (language and language not in LANGUAGES):
        raise edits.BadInput("bad_field", "language")

    def edit(data: dict[str, Any]) -> None:
        if language:
            data["language"] = language
        else:
            data.pop("language", None)

    gw = gateway()
    await update(gw, edit)
    return json_response({"language": chosen_language(gw)})
