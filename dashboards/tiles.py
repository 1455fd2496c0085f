"""Background tiles for the care-offer map, used only when a tile server is configured
(`[tiles]` in config/geo.toml, or RRC_TILES_URL) and answers from the server: a probe fetches one
tile with a short timeout, and its answer is kept for a while so pages do not wait on it."""

from __future__ import annotations

import os
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from urllib.parse import urlsplit

from dashboards import geo

IMAGE_MAGIC = (b"\x89PNG", b"\xff\xd8\xff", b"RIFF", b"GIF8")  # PNG, JPEG, WebP, GIF
UNREACHABLE = (
    "Serveur de tuiles injoignable ({host}) : la carte est dessinée sans fond de carte, "
    "à partir des contours."
)


@dataclass(frozen=True)
class TileServer:
    url: str  # an XYZ template: https://…/{z}/{x}/{y}.png
    attribution: str = ""
    timeout_seconds: float = 2.0
    probe_every_seconds: float = 300.0

    @property
    def host(self) -> str:
        return urlsplit(self.url).netloc or self.url


def configured() -> TileServer | None:
    """The configured tile server, or None when no URL is set."""
    cfg = geo.settings().get("tiles", {})
    url = os.environ.get("RRC_TILES_URL") or cfg.get("url", "")
    if not url:
        return None
    return TileServer(
        url=url,
        attribution=cfg.get("attribution", ""),
        timeout_seconds=float(cfg.get("timeout_seconds", 2.0)),
        probe_every_seconds=float(cfg.get("probe_every_seconds", 300)),
    )


_probes: dict[str, tuple[float, bool]] = {}
_lock = threading.Lock()


def _probe(server: TileServer) -> bool:
    """Does the world tile (0/0/0) come back as an image within the timeout?"""
    url = server.url.format(z=0, x=0, y=0)
    request = urllib.request.Request(url, headers={"User-Agent": "rrc-analytics (tile probe)"})
    try:
        with urllib.request.urlopen(request, timeout=server.timeout_seconds) as response:
            return response.status == 200 and response.read(8).startswith(IMAGE_MAGIC)
    except (urllib.error.URLError, TimeoutError, OSError, ValueError):
        return False


def reachable(server: TileServer) -> bool:
    """The probe's answer, cached for `probe_every_seconds`."""
    now = time.monotonic()
    with _lock:
        seen = _probes.get(server.url)
    if seen and now - seen[0] < server.probe_every_seconds:
        return seen[1]
    ok = _probe(server)
    with _lock:
        _probes[server.url] = (now, ok)
    return ok


def available() -> tuple[TileServer | None, str]:
    """(the tile server to draw on, or None; the notice to show when one is configured but
    cannot be reached)."""
    server = configured()
    if server is None:
        return None, ""
    if reachable(server):
        return server, ""
    return None, UNREACHABLE.format(host=server.host)
