"""First page load in Chromium: a fresh browser context (cold cache), logged in through the login
form's HTTP endpoint, opens the overview; the load ends when the page's last request (assets,
layout, callbacks) has finished, measured from the navigation start once the network is quiet."""

from __future__ import annotations

import re
import time

from tests.conftest import CHROMIUM
from tests.conftest import CHROMIUM_FLAGS as FLAGS


def first_loads(base: str, username: str, password: str, n: int = 5) -> list[float]:
    """Seconds of n first loads of the overview page, each in a new context."""
    from playwright.sync_api import sync_playwright

    times = []
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        try:
            for _ in range(n):
                context = browser.new_context(viewport={"width": 1400, "height": 1000})
                login = context.request.get(f"{base}/login").text()
                csrf = re.search(r'name="csrf" value="([^"]+)"', login)
                assert csrf, login[:300]
                context.request.post(
                    f"{base}/login",
                    form={"username": username, "password": password, "csrf": csrf.group(1)},
                    max_redirects=0,
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
