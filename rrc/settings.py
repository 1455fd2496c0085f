"""Where the platform finds its configuration files, its variables and its warehouse.

The committed `config/` folder holds defaults an analyst can edit (quorum rules, demo parameters,
sources). `RRC_CONFIG_DIR` points elsewhere, e.g. a network's own configuration repository.

`${VAR}` in a value of sources.toml is taken from the environment, then from config/secrets.toml
(its [env] table, git-ignored), then from the [defaults] table of sources.toml. `warehouse_dir()`
is the one place that says where the warehouse lives: every command, the boards, reports and
cohorts ask it.
"""

from __future__ import annotations

import os
import re
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


VAR = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")


def variables(
    directory: Path | None = None, defaults: dict[str, Any] | None = None
) -> dict[str, str]:
    """What `${VAR}` may name: the environment over config/secrets.toml's [env] over the
    [defaults] of sources.toml (or `defaults`, when the caller has read them already)."""
    directory = directory or config_dir()
    if defaults is None:
        defaults = load_toml("sources.toml", directory).get("defaults", {})
    secrets: dict[str, str] = {}
    path = directory / "secrets.toml"
    if path.exists():
        with path.open("rb") as fh:
            secrets = {k: str(v) for k, v in tomllib.load(fh).get("env", {}).items()}
    return {**{k: str(v) for k, v in defaults.items()}, **secrets, **os.environ}


def interpolate(value: str, lookup: dict[str, str], where: str) -> str:
    """Replace ${VAR} (recursively, as defaults may refer to other variables)."""
    for _ in range(5):
        missing = [name for name in VAR.findall(value) if name not in lookup]
        if missing:
            raise ConfigError(
                f"{where}: variable ${{{missing[0]}}} is not set",
                hint=f"export {missing[0]}=..., or add it to config/secrets.toml under [env]",
            )
        new = VAR.sub(lambda m: lookup[m.group(1)], value)
        if new == value:
            return new
        value = new
    return value


def warehouse_dir(directory: Path | None = None) -> Path:
    """The warehouse folder: `[warehouse] dir` of sources.toml (by default
    `${RRC_WAREHOUSE_DIR}`, itself `data/warehouse` unless the environment says otherwise)."""
    raw = load_toml("sources.toml", directory)
    lookup = variables(directory, raw.get("defaults", {}))
    text = str(raw.get("warehouse", {}).get("dir", "${RRC_WAREHOUSE_DIR}"))
    lookup.setdefault("RRC_WAREHOUSE_DIR", "data/warehouse")
    return Path(interpolate(text, lookup, "sources.toml [warehouse] dir"))


def production() -> bool:
    """`RRC_ENV=production`: the demo's conveniences (printed passwords and codes) are refused."""
    return os.environ.get("RRC_ENV", "").strip().lower() == "production"
