"""The pseudonymisation key: HMAC-SHA256 of patient identifiers, keyed by a secret that is never
stored in the warehouse. It comes from RRC_PSEUDONYM_KEY (hex) or config/secrets.toml
([pseudonymisation] key = "<hex>"); `rrc secrets init` creates one.
"""

from __future__ import annotations

import os
import secrets
import tomllib
from pathlib import Path

import duckdb

from rrc.errors import ConfigError
from rrc.settings import config_dir

BLOCK = 64  # SHA-256 block size in bytes


def secrets_path(directory: Path | None = None) -> Path:
    return (directory or config_dir()) / "secrets.toml"


def key(directory: Path | None = None) -> bytes:
    text = os.environ.get("RRC_PSEUDONYM_KEY")
    path = secrets_path(directory)
    if not text and path.exists():
        with path.open("rb") as fh:
            text = tomllib.load(fh).get("pseudonymisation", {}).get("key")
    if not text:
        raise ConfigError(
            "no pseudonymisation key: patient keys cannot be computed",
            hint="run `rrc secrets init` (writes config/secrets.toml), or set RRC_PSEUDONYM_KEY "
            "to 64 hex characters; keep the same key to keep the same patient keys",
        )
    try:
        value = bytes.fromhex(text)
    except ValueError as exc:
        raise ConfigError("the pseudonymisation key must be hexadecimal") from exc
    if len(value) < 32:
        raise ConfigError("the pseudonymisation key must be at least 32 bytes (64 hex characters)")
    return value


def init(directory: Path | None = None) -> tuple[Path, bool]:
    """Create config/secrets.toml with a fresh key unless it has one; (path, created)."""
    path = secrets_path(directory)
    if path.exists():
        with path.open("rb") as fh:
            if tomllib.load(fh).get("pseudonymisation", {}).get("key"):
                return path, False
    existing = path.read_text(encoding="utf-8") if path.exists() else ""
    block = f'\n[pseudonymisation]\nkey = "{secrets.token_hex(32)}"\n'
    path.write_text(existing + block, encoding="utf-8")
    path.chmod(0o600)
    return path, True


def install(con: duckdb.DuckDBPyConnection, secret: bytes) -> None:
    """Set the HMAC pads as session variables (never persisted in the database file)."""
    padded = secret.ljust(BLOCK, b"\0") if len(secret) <= BLOCK else secret
    con.execute("SET VARIABLE hmac_ipad = ?::BLOB", [bytes(b ^ 0x36 for b in padded)])
    con.execute("SET VARIABLE hmac_opad = ?::BLOB", [bytes(b ^ 0x5C for b in padded)])
