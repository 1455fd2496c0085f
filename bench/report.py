"""BENCHMARKS.md: each profile's measured section is rewritten in place between its markers; the
hand-written text around them (findings, what it would take) is kept."""

from __future__ import annotations

from pathlib import Path

HEADER = "# Benchmarks\n\n"


def write(path: Path, profile: str, title: str, body: str) -> None:
    start, end = f"<!-- bench:{profile} -->", f"<!-- /bench:{profile} -->"
    section = f"{start}\n## {title}\n\n{body.rstrip()}\n{end}\n"
    text = path.read_text(encoding="utf-8") if path.exists() else HEADER
    if start in text and end in text:
        before, rest = text.split(start, 1)
        after = rest.split(end, 1)[1].lstrip("\n")
        text = before + section + ("\n" + after if after else "")
    else:
        head, _, tail = text.partition(HEADER)
        body_text = tail if head == "" else text
        text = HEADER + section + "\n" + body_text
    path.write_text(text, encoding="utf-8")
