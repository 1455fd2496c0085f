"""Where the platform finds its configuration files.

The committed `config/` folder holds defaults an analyst can edit (quorum rules, demo parameters,
sources). `RRC_CONFIG_DIR` points elsewhere, e.g. a network's own configuration repository.
"""

from __future__ import annotations

import os
import tomllib
from pathlib import Path
from typing import Any

from rrc.errors import ConfigError

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def config_dir() -> Path:
    env = os.environ.get("RRC_CONFIG_DIR")
    return Path(env) if env else PROJECT_ROOT / "config"


def load_toml(name: str, directory: Path | None = None) -> dict[str, Any]:
    """Read `name` (e.g. "demo.toml") from the configuration folder; errors say where."""
    path = (directory or config_dir()) / name
    try:
        with path.open("rb") as fh:
            return tomllib.load(fh)
    except FileNotFoundError as exc:
        raise ConfigError(
            f"configuration file {path} not found",
            hint="run from the project folder, or set RRC_CONFIG_DIR to the folder holding it",
        ) from exc
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path} is not valid TOML: {exc}") from exc
