"""One visit of a board in Chromium as a person would see it: every HTTP answer of the page,
the console, horizontal overflow at each width, English UI words and untranslated codes in the
text (tests/dashboards/cases/english_words.txt), characters no font of the machine can draw (an
empty box on screen), and a full-page screenshot."""

from __future__ import annotations

import re
import shutil
import subprocess
from bisect import bisect_right
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

CASES = Path(__file__).parent / "cases"
WIDTHS = (1440, 390)

# the page is drawn: the router filled the page container, no component is still loading
DRAWN = """() => {
  const c = document.getElementById('_pages_content');
  return c !== null && c.children.length > 0
    && document.querySelectorAll('[data-dash-is-loading="true"]').length === 0;
}"""
# how far the page is wider than the window, and the widest element sticking out
OVERFLOW = """() => {
  const width = document.documentElement.clientWidth;
  const over = document.documentElement.scrollWidth - width;
  if (over <= 0) { return [over, '']; }  // the culprit is looked for only when there is one
  let worst = '';
  let most = 0;
  for (const el of document.querySelectorAll('body *')) {
    const r = el.getBoundingClientRect();
    if (r.width > 0 && r.right - width > most && getComputedStyle(el).position !== 'fixed') {
      let inside = false;
      for (let p = el.parentElement; p; p = p.parentElement) {
        const s = getComputedStyle(p);
        if (['auto', 'scroll', 'hidden', 'clip'].includes(s.overflowX)) { inside = true; break; }
      }
      if (!inside) {
        most = r.right - width;
        worst = el.tagName + '#' + el.id + '.' + el.className;
      }
    }
  }
  return [over, worst];
}"""
# the links on screen (a hidden one is not offered)
LINKS = """() => Array.from(document.querySelectorAll('a[href]'))
  .filter(a => a.offsetParent !== null).map(a => a.getAttribute('href'))"""
# what a person reads: the text, the toolbar's tooltips, placeholders and titles
TEXT = """() => [document.body.innerText].concat(
  Array.from(document.querySelectorAll('[data-title],[placeholder],[title],[aria-label]'))
    .map(e => [e.getAttribute('data-title'), e.getAttribute('placeholder'),
               e.getAttribute('title'), e.getAttribute('aria-label')].filter(Boolean).join(' '))
).join('\\n')"""

# every character drawn: the text above, and the charts' SVG text (axes, legends, annotations)
SHOWN = (
    "() => ("
    + TEXT
    + ")() + '\\n' + Array.from(document.querySelectorAll('svg text'))"
    + ".map(t => t.textContent).join('\\n')"
)


@cache
def english_words() -> dict[str, re.Pattern[str]]:
    """The maintained list: English UI words and codes that must not reach a French screen
    (whole words, case as written)."""
    lines = (CASES / "english_words.txt").read_text(encoding="utf-8").splitlines()
    words = [w.strip() for w in lines if w.strip() and not w.startswith("#")]
    # whole words; a record id such as `vendor_b:123` is an id, not a word
    return {w: re.compile(rf"(?<![\w-]){re.escape(w)}(?![\w:-])") for w in words}


def english_in(text: str) -> list[str]:
    return sorted(w for w, pattern in english_words().items() if pattern.search(text))


@cache
def drawable() -> tuple[list[int], list[int]]:
    """The code points some font of this machine can draw, as sorted (starts, ends) of ranges:
    fontconfig's charsets, which Chromium falls back through for a glyph its CSS fonts lack."""
    fc_list = shutil.which("fc-list")
    assert fc_list, "fc-list not found: install fontconfig (Debian's fontconfig package)"
    out = subprocess.run(
        [fc_list, "--format", "%{charset}\\n"], capture_output=True, text=True, check=True
    ).stdout
    ranges = sorted(
        (int(a, 16), int(b or a, 16)) for item in out.split() for a, _, b in [item.partition("-")]
    )
    merged: list[list[int]] = []
    for start, end in ranges:
        if merged and start <= merged[-1][1] + 1:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    return [s for s, _ in merged], [e for _, e in merged]


def undrawable(text: str) -> list[str]:
    """The characters of `text` that no installed font has ("U+24D8 ⓘ"), spaces and controls
    apart: each would show as an empty box."""
    starts, ends = drawable()
    missing = set()
    for ch in set(text):
        if ch.isspace() or ord(ch) < 0x20 or ch in "\u200b\u200c\u200d\u2060\ufeff":
            continue
        i = bisect_right(starts, ord(ch)) - 1
        if i < 0 or ord(ch) > ends[i]:
            missing.add(ch)
    return [f"U+{ord(c):04X} {c}" for c in sorted(missing)]


@dataclass
class Visit:
    path: str
    failed: list[str] = field(default_factory=list)  # "status url" of answers >= 400
    console: list[str] = field(default_factory=list)
    overflow: dict[int, tuple[int, str]] = field(default_factory=dict)  # width -> (px, element)
    english: list[str] = field(default_factory=list)
    undrawable: list[str] = field(default_factory=list)  # characters no installed font has
    links: list[str] = field(default_factory=list)  # the links a person can see and follow
    text: str = ""

    def problems(self) -> list[str]:
        out = [f"HTTP {f}" for f in self.failed] + [f"console: {c}" for c in self.console]
        wide = [(w, px, el) for w, (px, el) in self.overflow.items() if px > 0]
        out += [f"{w} px: {px} px too wide ({el})" for w, px, el in wide]
        out += [f"English or code on screen: {', '.join(self.english)}"] if self.english else []
        out += [f"no font draws {', '.join(self.undrawable)}"] if self.undrawable else []
        return [f"{self.path}: {p}" for p in out]


def drawn(page: Any, timeout: float = 90_000) -> None:
    page.wait_for_function(DRAWN, timeout=timeout)
    page.wait_for_load_state("networkidle", timeout=timeout)
    page.wait_for_function(DRAWN, timeout=timeout)


def visit(page: Any, base: str, path: str, shot: Path | None = None) -> Visit:
    """Open `path`, wait until it is drawn, and look at it at each width of WIDTHS."""
    seen = Visit(path)
    console_before = len(page.console_errors)

    def answered(response: Any) -> None:
        if response.status >= 400:
            seen.failed.append(f"{response.status} {response.url[len(base) :][:120]}")

    page.on("response", answered)
    try:
        page.set_viewport_size({"width": WIDTHS[0], "height": 900})
        page.goto(base + path)
        drawn(page)
        seen.text = page.evaluate(TEXT)
        seen.english = english_in(seen.text)
        seen.undrawable = undrawable(page.evaluate(SHOWN))
        seen.links = page.evaluate(LINKS)
        for width in WIDTHS:
            page.set_viewport_size({"width": width, "height": 900})
            page.wait_for_timeout(400)  # plotly redraws its charts at the new width
            px, element = page.evaluate(OVERFLOW)
            seen.overflow[width] = (int(px), element)
            if shot is not None and width == WIDTHS[0]:
                shot.parent.mkdir(parents=True, exist_ok=True)
                page.screenshot(path=str(shot), full_page=True)
    finally:
        page.remove_listener("response", answered)
    seen.console = page.console_errors[console_before:]
    return seen


# WCAG 2.0 and 2.1, levels A and AA: what RGAA 4 builds on (axe-core's tags)
WCAG = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
# what has the keyboard's focus, and whether a person can see it (an outline or a shadow)
FOCUSED = """() => {
  const el = document.activeElement;
  if (!el || el === document.body) { return null; }
  const s = getComputedStyle(el);
  const seen = (s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) > 0)
    || s.boxShadow !== 'none';
  return [el.tagName.toLowerCase(), el.id || el.getAttribute('href') || '', seen];
}"""


def accessibility(page: Any) -> list[str]:
    """The page's WCAG 2.1 A and AA violations found by axe-core, which the package
    axe-playwright-python ships and Playwright injects (nothing is fetched): one line each,
    "rule (impact): the first elements at fault"."""
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(
        page, options={"runOnly": {"type": "tag", "values": WCAG}, "resultTypes": ["violations"]}
    )
    return [
        f"{v['id']} ({v['impact']}): {', '.join(str(n['target']) for n in v['nodes'][:3])}"
        for v in results.response["violations"]
    ]


def tab_through(page: Any, presses: int) -> list[tuple[str, str, bool]]:
    """Press Tab `presses` times from the top of the page: (tag, id or link, focus visible)
    of each element reached."""
    page.evaluate("() => { document.activeElement && document.activeElement.blur(); }")
    page.evaluate("() => window.scrollTo(0, 0)")
    reached = []
    for _ in range(presses):
        page.keyboard.press("Tab")
        focused = page.evaluate(FOCUSED)
        if focused:
            reached.append(tuple(focused))
    return reached
