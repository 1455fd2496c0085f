"""The key that signs the boards' session cookies, shared by every server worker.

From RRC_SESSION_KEY (hex), else config/secrets.toml ([session] key); `rrc secrets init` creates
it. It is distinct from the pseudonymisation key, which the boards never need.
"""

from __future__ import annotations

from pathlib import Path

from rrc.secrets import ensure_hex, read_hex


def session_key(directory: Path | None = None) -> bytes:
    return read_hex("RRC_SESSION_KEY", "session", "session key for the boards' cookies", directory)


def init(directory: Path | None = None) -> bool:
    """Add a [session] key to config/secrets.toml unless it has one; True when created."""
    return ensure_hex("session", directory)[1]
