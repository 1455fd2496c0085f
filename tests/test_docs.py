"""The docs say what the code does: every setting is documented, every file a command's help names
exists, every example of `rrc --help` is a command line the CLI accepts (most are run in
tests/cli/test_examples.py)."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path
from typing import Any

import pytest
import typer

from cli.main import app
from rrc.settings import PROJECT_ROOT

DOCS = PROJECT_ROOT / "docs"
CONFIG = PROJECT_ROOT / "config"
SOURCES = [
    PROJECT_ROOT / p
    for p in ("rrc", "access", "pipelines", "warehouse", "quality", "dashboards", "reports")
] + [PROJECT_ROOT / p for p in ("cohorts", "audits", "demo", "cli")]


def flatten(table: dict[str, Any], prefix: str = "") -> list[str]:
    """Every setting of a TOML document as a dotted path; arrays of tables as `name[]`."""
    out = []
    for key, value in table.items():
        path = f"{prefix}{key}"
        if isinstance(value, dict):
            out += flatten(value, path + ".")
        elif isinstance(value, list) and value and all(isinstance(v, dict) for v in value):
            for item in value:
                out += flatten(item, path + "[].")
        else:
            out.append(path)
    return out


def documented() -> dict[str, list[str]]:
    """{config file (or `mappings/*`): [setting pattern]} from docs/configuration.md."""
    out: dict[str, list[str]] = {}
    section = None
    for line in (DOCS / "configuration.md").read_text(encoding="utf-8").splitlines():
        heading = re.match(r"## `([^`]+)`", line)
        if heading:
            section = heading.group(1)
            out[section] = []
        elif line.startswith("## "):
            section = None
        elif section and (cell := re.match(r"\| `([^`]+)` \|", line)):
            out[section].append(cell.group(1) + ("?" if OPTIONAL in line else ""))
    return out


OPTIONAL = "(not set in the shipped files)"  # a supported setting no shipped file uses


def _regex(pattern: str) -> re.Pattern[str]:
    pattern = pattern.removesuffix("?")
    parts = [r"[^.]+" if re.fullmatch(r"<[^>]+>", p) else re.escape(p) for p in pattern.split(".")]
    return re.compile(r"\.".join(parts) + r"(\..*)?")


def _files() -> list[tuple[str, Path]]:
    found = [(p.name, p) for p in sorted(CONFIG.glob("*.toml")) if p.name != "secrets.toml"]
    found += [("mappings/<source>.toml", p) for p in sorted(CONFIG.glob("mappings/*.toml"))]
    found += [("surveys/<survey>.toml", p) for p in sorted(CONFIG.glob("surveys/*.toml"))]
    return found + [("audits/<grid>.toml", p) for p in sorted(CONFIG.glob("audits/*.toml"))]


@pytest.mark.parametrize(("section", "path"), _files(), ids=lambda v: getattr(v, "name", v))
def test_every_setting_of_every_config_file_is_documented(section: str, path: Path) -> None:
    patterns = documented().get(section)
    assert patterns is not None, f"docs/configuration.md has no section for {section}"
    keys = flatten(tomllib.loads(path.read_text(encoding="utf-8")))
    missing = [k for k in keys if not any(_regex(p).fullmatch(k) for p in patterns)]
    assert missing == [], f"{path.name}: settings missing from docs/configuration.md"


def test_every_documented_setting_exists_somewhere() -> None:
    keys: dict[str, list[str]] = {}
    for section, path in _files():
        keys.setdefault(section, []).extend(flatten(tomllib.loads(path.read_text("utf-8"))))
    stale = [
        (section, p)
        for section, patterns in documented().items()
        for p in patterns
        if not p.endswith("?") and not any(_regex(p).fullmatch(k) for k in keys.get(section, []))
    ]
    assert stale == [], "docs/configuration.md names settings no file holds"


def test_every_environment_variable_the_code_reads_is_documented() -> None:
    text = (DOCS / "configuration.md").read_text(encoding="utf-8")
    used = {
        m
        for folder in SOURCES
        for f in folder.rglob("*.py")
        for m in re.findall(r"RRC_[A-Z_]*[A-Z]", f.read_text(encoding="utf-8"))
    }
    used = {v for v in used if not v.startswith("RRC_OIDC")} | {"RRC_OIDC_<KEY>"}
    assert sorted(v for v in used if f"`{v}`" not in text) == []


def _commands(group: Any, prefix: tuple[str, ...] = ()) -> list[tuple[tuple[str, ...], Any]]:
    out = []
    for name, cmd in group.commands.items():
        path = (*prefix, name)
        if isinstance(cmd, typer.core.TyperGroup):
            out += _commands(cmd, path)
        else:
            out.append((path, cmd))
    return out


ROOT = typer.main.get_command(app)
COMMANDS = _commands(ROOT)


def examples() -> list[tuple[tuple[str, ...], list[str]]]:
    """(command path, argv) of every `rrc ...` example in the commands' epilogs."""
    out = []
    for path, cmd in COMMANDS:
        for line in (cmd.epilog or "").splitlines():
            text = line.strip()
            if text.startswith("rrc "):
                argv = re.split(r"\s{3,}", text)[0].split()  # "rrc etl run   comment"
                out.append((path, [*_join_quoted(argv[1:])]))
    return out


def _join_quoted(words: list[str]) -> list[str]:
    """`--requester 'Dr Martin'` as the shell reads it."""
    import shlex

    return shlex.split(" ".join(words))


@pytest.mark.parametrize(("path", "argv"), examples(), ids=lambda v: " ".join(v))
def test_every_help_example_is_a_command_line_the_cli_accepts(
    path: tuple[str, ...], argv: list[str]
) -> None:
    assert tuple(argv[: len(path)]) == path, f"an example of `rrc {' '.join(path)}` runs {argv}"
    command = dict(COMMANDS)[path]
    with command.make_context(" ".join(path), argv[len(path) :]) as ctx:
        assert ctx.params is not None


def test_every_command_has_an_example() -> None:
    with_example = {path for path, _ in examples()}
    assert [p for p, _ in COMMANDS if p not in with_example] == []


WRITTEN = {"config/secrets.toml"}  # files a command writes (git-ignored): `rrc secrets init`
FILE = re.compile(r"(?<![\w/.<])((?:config|docs|warehouse|quality|dashboards)/[\w./*<>-]+\w)")


def _help_texts() -> list[tuple[str, str]]:
    out = []
    for path, cmd in COMMANDS:
        texts = [cmd.help or "", cmd.epilog or ""] + [
            getattr(p, "help", None) or "" for p in cmd.params
        ]
        out.append((" ".join(path), " ".join(texts)))
    return out


@pytest.mark.parametrize(("command", "text"), _help_texts(), ids=lambda v: v[:30])
def test_every_file_a_help_text_names_exists(command: str, text: str) -> None:
    named = FILE.findall(" ".join(text.split()))
    missing = [n for n in named if not list(PROJECT_ROOT.glob(n)) and n not in WRITTEN]
    assert missing == [], f"`rrc {command} --help` names files that do not exist"
