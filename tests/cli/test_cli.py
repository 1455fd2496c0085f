"""Every `rrc` command has help with an example; errors are short and say what to do."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from cli.main import app

runner = CliRunner()


def _commands(group: object, prefix: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    out: list[tuple[str, ...]] = []
    for name, cmd in group.commands.items():  # type: ignore[attr-defined]
        path = (*prefix, name)
        if isinstance(cmd, typer.core.TyperGroup):
            out += _commands(cmd, path)
        else:
            out.append(path)
    return out


COMMANDS = _commands(typer.main.get_command(app))


def test_there_are_commands() -> None:
    assert ("demo", "generate") in COMMANDS


@pytest.mark.parametrize("path", COMMANDS, ids=" ".join)
def test_every_command_has_help_with_an_example(path: tuple[str, ...]) -> None:
    result = runner.invoke(app, [*path, "--help"])
    assert result.exit_code == 0
    assert "Example" in result.output
    assert f"rrc {' '.join(path)}" in " ".join(result.output.split())


def test_bad_years_are_refused_with_a_clear_message(tmp_path: Path) -> None:
    result = runner.invoke(
        app, ["demo", "generate", "--out", str(tmp_path), "--years", "2014-2011"]
    )
    assert result.exit_code == 2
    assert "--years must be an increasing range" in result.output


def test_unknown_scale_is_refused(tmp_path: Path) -> None:
    result = runner.invoke(app, ["demo", "generate", "--out", str(tmp_path), "--scale", "huge"])
    assert result.exit_code == 2
    assert "--scale must be 'region', 'national' or a number" in result.output


def test_unreachable_target_names_it_and_gives_a_hint(tmp_path: Path) -> None:
    url = "postgresql+psycopg://postgres@127.0.0.1:1/nowhere"
    result = runner.invoke(
        app,
        [
            "demo",
            "generate",
            "--out",
            str(tmp_path),
            "--years",
            "2013",
            "--scale",
            "0.05",
            "--target",
            url,
        ],
    )
    assert result.exit_code == 1
    assert "127.0.0.1:1/nowhere" in result.output
    assert "Hint:" in result.output


def test_generate_writes_stores_and_prints_a_summary(tmp_path: Path) -> None:
    result = runner.invoke(
        app,
        [
            "demo",
            "generate",
            "--out",
            str(tmp_path),
            "--years",
            "2013",
            "--scale",
            "0.1",
            "--seed",
            "5",
        ],
    )
    assert result.exit_code == 0, result.output
    assert "Operational stores" in result.output
    summary = json.loads((tmp_path / "generation.json").read_text())
    assert summary["years"] == [2013, 2013]
    assert (tmp_path / "dcc.sqlite").exists() and (tmp_path / "vendor_b.sqlite").exists()
    assert list((tmp_path / "sheets").glob("*_activite_2013.xlsx"))


def test_the_help_loads_no_heavy_library() -> None:
    """`rrc --help` answers at once: the commands import their libraries when they run."""
    import subprocess
    import sys

    probe = "import sys; from cli.main import app; print(' '.join(sorted(sys.modules)))"
    loaded = set(
        subprocess.run(
            [sys.executable, "-c", probe], capture_output=True, text=True, check=True
        ).stdout.split()
    )
    heavy = {"dash", "pandas", "duckdb", "polars", "reportlab", "great_expectations",
             "sqlalchemy", "plotly", "argon2", "numpy"}  # fmt: skip
    assert loaded & heavy == set()


def test_status_sums_the_documents_of_a_zip_on_one_line() -> None:
    from cli.etl import _by_archive

    def line(file: str, read: int, quarantined: int) -> dict:
        return {
            "source": "frcp",
            "table": "fiche",
            "file": file,
            "present": True,
            "rows_read": read,
            "blank": 0,
            "extracted": read,
            "quarantined": quarantined,
            "loaded": read - quarantined,
            "kept_previous": 0,
        }

    lines = _by_archive(
        [
            line("C3-10_2013.zip!frcp/1-v1.xml", 1, 0),
            line("C3-10_2013.zip!frcp/1-v2.xml", 1, 1),
            line("fiche.xml", 1, 0),
        ]
    )
    assert [(x["file"], x["rows_read"], x["quarantined"], x["loaded"]) for x in lines] == [
        ("C3-10_2013.zip (2 documents)", 2, 1, 1),
        ("fiche.xml", 1, 0, 1),
    ]
