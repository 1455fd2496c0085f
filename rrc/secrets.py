"""Secrets kept outside the warehouse and out of git: config/secrets.toml (git-ignored, mode 600),
each overridable by an environment variable. `rrc secrets init` creates the missing ones."""

from __future__ import annotations

import os
import secrets
import tomllib
from pathlib import Path

from rrc.errors import ConfigError
from rrc.settings import config_dir


def secrets_path(directory: Path | None = None) -> Path:
    return (directory or config_dir()) / "secrets.toml"


def read_hex(env: str, section: str, what: str, directory: Path | None = None) -> bytes:
    """The key of `[section] key = "<hex>"`, or of environment variable `env` when set."""
    text = os.environ.get(env)
    path = secrets_path(directory)
    if not text and path.exists():
        with path.open("rb") as fh:
            text = tomllib.load(fh).get(section, {}).get("key")
    if not text:
        raise ConfigError(
            f"no {what}",
            hint=f"run `rrc secrets init` (writes {path}), or set {env} to 64 hex characters",
        )
    try:
        return bytes.fromhex(text)
    except ValueError as exc:
        raise ConfigError(
            f"the {what} must be hexadecimal ({env} or [{section}] in {path})"
        ) from exc


def ensure_hex(section: str, directory: Path | None = None) -> tuple[Path, bool]:
    """Add a random `[section] key` to the secrets file unless it has one; (path, created)."""
    path = secrets_path(directory)
    existing = path.read_text(encoding="utf-8") if path.exists() else ""
    if existing and tomllib.loads(existing).get(section, {}).get("key"):
        return path, False
    path.write_text(
        existing + f'\n[{section}]\nkey = "{secrets.token_hex(32)}"\n', encoding="utf-8"
    )
    path.chmod(0o600)
    return path, True
