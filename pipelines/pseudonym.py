"""The pseudonymisation key: HMAC-SHA256 of patient identifiers, keyed by a secret that is never
stored in the warehouse. It comes from RRC_PSEUDONYM_KEY (hex) or config/secrets.toml
([pseudonymisation] key = "<hex>"); `rrc secrets init` creates one.
"""

from __future__ import annotations

from pathlib import Path

import duckdb

from rrc.errors import ConfigError
from rrc.secrets import ensure_hex, read_hex

BLOCK = 64  # SHA-256 block size in bytes


def key(directory: Path | None = None) -> bytes:
    value = read_hex(
        "RRC_PSEUDONYM_KEY",
        "pseudonymisation",
        "pseudonymisation key: patient keys cannot be computed (keep the same key to keep the "
        "same patient keys)",
        directory,
    )
    if len(value) < 32:
        raise ConfigError("the pseudonymisation key must be at least 32 bytes (64 hex characters)")
    return value


def init(directory: Path | None = None) -> tuple[Path, bool]:
    """Create config/secrets.toml with a fresh key unless it has one; (path, created)."""
    return ensure_hex("pseudonymisation", directory)


def install(con: duckdb.DuckDBPyConnection, secret: bytes) -> None:
    """Set the HMAC pads as session variables (never persisted in the database file)."""
    padded = secret.ljust(BLOCK, b"\0") if len(secret) <= BLOCK else secret
    con.execute("SET VARIABLE hmac_ipad = ?::BLOB", [bytes(b ^ 0x36 for b in padded)])
    con.execute("SET VARIABLE hmac_opad = ?::BLOB", [bytes(b ^ 0x5C for b in padded)])
