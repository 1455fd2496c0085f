"""The layout keeps its promise: each part imports only the parts docs/architecture.md allows."""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path

import grimp
import pytest

from rrc.settings import PROJECT_ROOT

TABLE = PROJECT_ROOT / "docs" / "architecture.md"


def allowed_imports(path: Path = TABLE) -> dict[str, set[str]]:
    """{part: the parts it may import}, read from the table of docs/architecture.md."""
    table: dict[str, set[str]] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) != 3 or not re.fullmatch(r"`\w+/`", cells[0]):
            continue
        table[cells[0].strip("`/")] = set(re.findall(r"`(\w+)`", cells[2]))
    return table


def graph(parts: Iterable[str]) -> grimp.ImportGraph:
    return grimp.build_graph(*parts, include_external_packages=False, cache_dir=None)


def violations(g: grimp.ImportGraph, table: dict[str, set[str]]) -> list[str]:
    """Every import from one part into another that its row does not allow."""
    found = []
    for module in sorted(g.modules):
        part = module.split(".")[0]
        for imported in sorted(g.find_modules_directly_imported_by(module)):
            other = imported.split(".")[0]
            if other != part and other not in table[part]:
                lines = g.get_import_details(importer=module, imported=imported)
                where = ", ".join(f"line {d['line_number']}" for d in lines) or "?"
                found.append(f"{module} imports {imported} ({where})")
    return found


@pytest.fixture(scope="module")
def table() -> dict[str, set[str]]:
    return allowed_imports()


@pytest.fixture(scope="module")
def code(table: dict[str, set[str]]) -> grimp.ImportGraph:
    return graph(table)


def test_the_table_names_every_folder_with_code(table: dict[str, set[str]]) -> None:
    packages = {
        p.parent.name
        for p in PROJECT_ROOT.glob("*/__init__.py")
        if p.parent.name not in ("tests", "scripts")
    }
    assert packages == set(table)
    for part, others in table.items():
        assert others <= set(table), f"{part} may import unknown parts {others - set(table)}"


def test_imports_run_only_down_the_flow(
    code: grimp.ImportGraph, table: dict[str, set[str]]
) -> None:
    assert violations(code, table) == []


def test_no_part_can_reach_itself_through_another(table: dict[str, set[str]]) -> None:
    """The allowed edges form no circle, so the parts stack in floors."""
    from graphlib import CycleError, TopologicalSorter

    try:
        list(TopologicalSorter(table).static_order())
    except CycleError as exc:  # pragma: no cover - the message is the failure
        pytest.fail(f"the table of docs/architecture.md has a circle: {exc.args[1]}")


@pytest.mark.parametrize(
    ("importer", "imported"),
    [
        # the two imports that ran against the flow before the parts had their own folders
        ("warehouse.publish", "pipelines.config"),
        ("dashboards.pages.cohorts", "pipelines.config"),
        # a consumer reaching into another, or the foundation reaching up
        ("reports.xlsx", "dashboards.export"),
        ("rrc.settings", "warehouse.publish"),
    ],
)
def test_an_import_against_the_flow_is_caught(
    table: dict[str, set[str]], importer: str, imported: str
) -> None:
    g = graph(table)
    g.add_import(importer=importer, imported=imported)
    assert any(v.startswith(f"{importer} imports {imported}") for v in violations(g, table))


def test_no_module_imports_a_module_that_imports_it(code: grimp.ImportGraph) -> None:
    """No circle between modules either (dashboards/app.py and export.py used to form one)."""
    circles = [
        (a, b)
        for a in sorted(code.modules)
        for b in code.find_modules_directly_imported_by(a)
        if a < b and a in code.find_modules_directly_imported_by(b)
    ]
    assert circles == []


def test_the_readme_shows_the_same_table(table: dict[str, set[str]]) -> None:
    """README.md's layout table says the same; a row saying "every part" is the CLI's."""
    readme = allowed_imports(PROJECT_ROOT / "README.md")
    rows = PROJECT_ROOT.joinpath("README.md").read_text(encoding="utf-8")
    assert set(readme) == set(table) - {"bench"}
    for part, others in readme.items():
        if (
            f"| `{part}/` |" in rows
            and others == set()
            and table[part]
            >= set(table)
            - {
                part,
                "bench",
            }
        ):
            continue  # "every part"
        assert others == table[part], f"README.md's row for {part}/ differs from the docs"


def test_no_code_imports_a_board_by_its_module_name() -> None:
    """Dash loads the boards itself (dashboards/pages/ as `pages.*`); importing one again as
    `dashboards.pages.x` registers it a second time and doubles every navigation bar of that
    process. Code and tests reach a board through `dashboards.registry.page_module`."""
    pattern = re.compile(r"^\s*(from dashboards\.pages\b|import dashboards\.pages\b)", re.M)
    found = [
        str(path.relative_to(PROJECT_ROOT))
        for folder in ("dashboards", "reports", "cohorts", "audits", "cli", "tests", "bench")
        for path in sorted((PROJECT_ROOT / folder).rglob("*.py"))
        if pattern.search(path.read_text(encoding="utf-8"))
    ]
    assert found == []
