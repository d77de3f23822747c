"""The "Check with Claude Code" button (issue 18 §2): the estimate before,
the run only when pressed, the cards, the result kept; in Chromium."""
from __future__ import annotations

import json

import pytest

from tests.server.check.test_check import FakeModel
from tests.server.settings_page.test_keys_api import page_for, playwright_api  # noqa: F401  (fixture)
from tests.support.fake_upstream import Script


@pytest.fixture
def server(make_server, upstream):
    upstream.default = Script(handler=FakeModel("reject_images"))
    return make_server({"providers": {"fake": {"type": "openai", "base_url": upstream.url + "/v1", "api_key": "",
                                               "models": ["small-1"], "name": "Fake"}}})


def test_estimate_then_run_by_the_api(server, signed_in, upstream):
    c = signed_in(server)
    est = c.call("POST", "check/estimate", {"provider": "fake", "model": "small-1", "context": False}).json()
    assert 0 < est["estimate"] < 20000
    assert upstream.requests == []  # nothing is sent for an estimate
    assert c.call("POST", "check", {"provider": "nope", "model": "m"}).json()["error"]["details"]["code"] == \
        "no_such_provider"
    assert c.call("POST", "check", {"provider": "fake", "model": "m", "context_window": "big"}).status_code == 400
    r = c.call("POST", "check", {"provider": "fake", "model": "small-1", "context": False}).json()
    cards = {x["id"]: x for x in r["cards"]}
    assert cards["images"]["status"] == "fail" and cards["stream"]["status"] == "pass"
    assert r["estimate_tokens"] == est["estimate"] and r["used_tokens"]["total"] <= est["estimate"]
    kept = c.get("checks")["fake/small-1"]
    assert kept["date"] == r["date"] and kept["cards"] == r["cards"]


def test_check_with_claude_code_in_the_page(server, page_for, upstream):  # noqa: F811
    expect = playwright_api.expect
    page = page_for(server)
    page.locator("article[data-provider=fake]").get_by_role("button", name="Check with Claude Code: Fake").click()
    dialog = page.get_by_role("dialog", name="Check “Fake” with Claude Code")
    expect(dialog.get_by_text("This check uses at most about")).to_be_visible()
    dialog.get_by_label("Include the long prompt").uncheck()
    expect(dialog.get_by_text("This check uses at most about")).to_be_visible()
    assert upstream.requests == []  # the estimate sends nothing
    dialog.get_by_role("button", name="Run check").click()
    images = dialog.locator("li[data-check=images]")
    expect(images).to_contain_text("✗ Problem · Images")
    expect(images).to_contain_text("What to do: This model cannot take images: add an image slot to the route that uses it.")
    expect(dialog.locator("li[data-check=stream]")).to_contain_text("✓ Works")
    expect(dialog.locator("li[data-check=context]")).to_contain_text("– Skipped")
    expect(dialog.get_by_text("estimated.")).to_be_visible()
    assert "fake/small-1" in json.loads((server.settings.home / "checks.json").read_text())
    # the providers screen marks the model with its last result
    dialog.get_by_role("button", name="Close").click()
    page.reload()
    chip = page.locator("article[data-provider=fake] .chip[data-model=small-1]")
    expect(chip).to_have_text("small-1 ✗")
    assert "problems with Images" in chip.get_attribute("title")
    assert page.js_errors == []
