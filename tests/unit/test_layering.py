"""The rules of the house (DESIGN.md): imports flow one way, domain code imports no framework."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[2] / "pallmall"
DOMAIN = [
    "core",
    "registry",
    "screening",
    "policy",
    "cases",
    "intel",
    "log",
    "reports",
    "federation",
    "equities",
    "attestation",
]
FRAMEWORKS = {
    "fastapi",
    "starlette",
    "sqlalchemy",
    "alembic",
    "typer",
    "click",
    "jinja2",
    "uvicorn",
}
UPPER = {"api", "web", "cli", "app", "storage"}


def imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
    return found


@pytest.mark.parametrize("package", DOMAIN)
def test_domain_imports_no_framework_and_nothing_above_it(package: str) -> None:
    for path in (PACKAGE / package).rglob("*.py"):
        for name in imports(path):
            top = name.split(".")[0]
            assert top not in FRAMEWORKS, f"{path} imports {name}"
            if top == "pallmall":
                layer = name.split(".")[1] if "." in name else ""
                assert layer not in UPPER, f"{path} imports {name}"
                assert layer != "cases" or package == "cases", f"{path} imports cases"


def test_core_imports_only_core() -> None:
    for path in (PACKAGE / "core").rglob("*.py"):
        inner = {n for n in imports(path) if n.startswith("pallmall.")}
        assert all(n.startswith("pallmall.core") for n in inner), (path, inner)


def test_package_never_reads_shared_data() -> None:
    for path in PACKAGE.rglob("*.py"):
        assert "../shared" not in path.read_text(), path
