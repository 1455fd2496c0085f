"""Every example of `rrc --help` runs, in the order a newcomer would type them, in a folder of its
own (its own configuration copy, access database and warehouse).

Examples run as written, but for five kinds of substitution: where they write (`/tmp/...` goes
to the test's folder, `--port` to a free port, the geo server to a local one), their size (the
demo region is generated for 2013 at a tenth of the region), the id of a snapshot (the one
this run published), the id of a practice-audit draw (one this run drew) and the copy an audit
check reads (`/tmp/copie.sqlite` and its anchor are
copies of this run's access database and anchor). Two examples cannot run here and are only
parsed (tests/test_docs.py): the national generation into `rrc_bench` (10M dossiers: `make bench`
runs it) and `rrc geo fetch` from its default address on the internet.
"""

from __future__ import annotations

import os
import re
import shutil
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cli.main import app
from rrc.settings import PROJECT_ROOT
from tests.test_docs import examples

NOT_HERE = {  # example: why it is only parsed
    "demo generate --out /tmp/nat --years 2016-2025 --scale national --target "
    "postgresql+psycopg://postgres@127.0.0.1/rrc_bench": "10M dossiers: `make bench` runs it",
    "geo fetch": "downloads from the internet, which this machine does not reach",
}
SMALLER = ["--years", "2013", "--scale", "0.1"]
DRAW = "audit-0123456789ab"  # the draw id the examples of `rrc audit` name
ORDER = [  # the order a newcomer follows: stores, keys, a run, accounts, then the rest
    "demo generate",
    "secrets init",
    "etl run",
    "etl status",
    "users add",
    "users demo",
    "users list",
    "users unlock",
    "users password",
    "users reset-totp",
    "quality",
    "report",
    "cohort count",
    "cohort extract",
    "cohort replay",
    "audit demo",
    "audit draw",
    "audit list",
    "audit replay",
    "audit sheet",
    "audit import",
    "audit results",
    "audit report",
    "warehouse snapshots list",
    "warehouse snapshots restore",
    "geo fetch",
    "serve",
    "users disable",
    "audit verify",
]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _rank(argv: list[str]) -> int:
    line = " ".join(argv)
    return next(i for i, prefix in enumerate(ORDER) if line.startswith(prefix))


def _where(argv: list[str], folder: Path, geo: str) -> list[str]:
    out = [a.replace("/tmp/", f"{folder}/tmp/") for a in argv]
    out = [geo if a.startswith("http://127.0.0.1:8000/geo") else a for a in out]
    if out[:2] == ["demo", "generate"]:
        out += SMALLER
    return out


def _serve(argv: list[str], folder: Path, env: dict[str, str]) -> None:
    """`rrc serve` replaces its process with gunicorn: run it apart, until the login answers."""
    port = _free_port()
    if "--port" in argv:
        argv[argv.index("--port") + 1] = str(port)
    else:
        argv += ["--port", str(port)]
    rrc = Path(sys.executable).with_name("rrc")
    log = (folder / "serve.log").open("w")
    proc = subprocess.Popen([str(rrc), *argv], cwd=folder, env=env, stdout=log, stderr=log)
    try:
        deadline = time.monotonic() + 120
        while True:
            assert proc.poll() is None, (folder / "serve.log").read_text()
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/login", timeout=5) as r:
                    assert r.status == 200
                    return
            except OSError:
                assert time.monotonic() < deadline, "rrc serve did not answer in 2 minutes"
                time.sleep(0.5)
    finally:
        proc.terminate()
        proc.wait(30)
        log.close()


@pytest.mark.slow
def test_every_help_example_runs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, geo_server: str
) -> None:
    shutil.copytree(PROJECT_ROOT / "config", tmp_path / "config")
    (tmp_path / "config" / "secrets.toml").unlink(missing_ok=True)
    shutil.copytree(PROJECT_ROOT / "docs" / "cohorts", tmp_path / "docs" / "cohorts")
    (tmp_path / "tmp").mkdir()
    for name in (
        "RRC_WAREHOUSE_DIR",
        "RRC_DEMO_DIR",
        "RRC_PSEUDONYM_KEY",
        "RRC_SESSION_KEY",
        "RRC_AUDIT_KEY",
        "RRC_SECRECY_KEY",
        "RRC_AUDIT_ANCHOR",
        "RRC_ENV",
    ):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("RRC_CONFIG_DIR", str(tmp_path / "config"))
    monkeypatch.setenv("RRC_ACCESS_DB", str(tmp_path / "access.sqlite"))
    monkeypatch.setenv("RRC_NEW_PASSWORD", "un mot de passe assez long")
    monkeypatch.setenv("RRC_GREAT_EXPECTATIONS", "off")  # `rrc quality validate` runs it
    monkeypatch.chdir(tmp_path)
    runner = CliRunner()
    ran = []
    for _path, written in sorted(examples(), key=lambda e: _rank(e[1])):
        line = " ".join(written)
        if line in NOT_HERE:
            continue
        argv = _where(written, tmp_path, geo_server)
        if argv[0] == "serve":
            _serve(argv, tmp_path, dict(os.environ))
            ran.append(line)
            continue
        if argv[:2] == ["audit", "verify"] and "--database" in argv:
            from access import audit

            copy = argv[argv.index("--database") + 1]
            with sqlite3.connect(tmp_path / "access.sqlite") as src, sqlite3.connect(copy) as dst:
                src.backup(dst)  # the database with its write-ahead log
            shutil.copy(audit.anchor_path(), argv[argv.index("--anchor") + 1])
        if any(DRAW in a for a in argv):  # the draw that `rrc audit draw` made
            listing = runner.invoke(app, ["audit", "list", "--user", "alice"]).output
            made = re.findall(r"\baudit-[0-9a-f]{12}\b", listing)[0]
            argv = [a.replace(DRAW, made) for a in argv]
        if argv[:3] == ["warehouse", "snapshots", "restore"]:
            listing = runner.invoke(app, ["warehouse", "snapshots", "list"]).output
            argv[3] = re.findall(r"\b\d{8}T\d{6}-[0-9a-f]{6}\b", listing)[0]
        result = runner.invoke(app, argv)
        assert result.exit_code == 0, f"`rrc {line}` failed:\n{result.output}"
        ran.append(line)
    assert len(ran) == len(examples()) - len(NOT_HERE)
