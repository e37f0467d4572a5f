"""A visit stays under 100 KB (README "The submission page"): what a source on a slow Tor
circuit or a cheap phone's data plan pays before writing a word. Counted in Chromium, from
the DevTools network log: every byte the relay sent for the page, its scripts, styles,
strings and the bundle, headers included, until the page is ready."""
import json

import pytest

from helpers import open_page
from webtest import make_driver, world  # noqa: F401  (fixtures)

BUDGET = 100_000


@pytest.mark.parametrize("lang", ["en", "ko", "zh"])
def test_a_visit_loads_under_100_kb(world, lang):
    driver = make_driver(world, lang=lang, browser="chromium")
    try:
        open_page(driver, world)
        events = [json.loads(e["message"])["message"] for e in driver.get_log("performance")]
    finally:
        driver.quit()
    urls = {e["params"]["requestId"]: e["params"]["request"]["url"] for e in events if e["method"] == "Network.requestWillBeSent"}
    loaded = {e["params"]["requestId"]: e["params"]["encodedDataLength"] for e in events if e["method"] == "Network.loadingFinished"}
    total = sum(size for rid, size in loaded.items() if urls.get(rid, "").startswith(world.base))
    print(f"{lang}: {total / 1000:.1f} KB in {len(loaded)} requests")
    assert total < BUDGET, sorted((urls.get(r, "?"), s) for r, s in loaded.items())
