"""First page load in Chromium: a fresh browser context (cold cache), given the cookies of a session
logged in through the forms, opens the overview; the load ends when the page's last request (assets,
layout, callbacks) has finished, measured from the navigation start once the network is quiet."""

from __future__ import annotations

import time

from tests.conftest import CHROMIUM
from tests.conftest import CHROMIUM_FLAGS as FLAGS


def first_loads(base: str, cookies: dict[str, str], n: int = 5) -> list[float]:
    """Seconds of n first loads of the overview page, each in a new context."""
    from playwright.sync_api import sync_playwright

    times = []
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        try:
            for _ in range(n):
                context = browser.new_context(viewport={"width": 1400, "height": 1000})
                context.add_cookies(
                    [{"name": k, "value": v, "url": base} for k, v in cookies.items()]
                )
                page = context.new_page()
                last = [0.0]

                def finished(_request: object, last: list[float] = last) -> None:
                    last[0] = time.perf_counter()

                page.on("requestfinished", finished)
                started = time.perf_counter()
                page.goto(f"{base}/", wait_until="networkidle", timeout=60_000)
                page.wait_for_selector("#utilisateur")  # the shell, not the login form
                if "/login" in page.url:
                    raise RuntimeError("the browser was sent to the login page")
                times.append(last[0] - started)
                context.close()
        finally:
            browser.close()
    return times
