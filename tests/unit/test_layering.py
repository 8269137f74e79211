"""The rules of the house (DESIGN.md): imports flow one way, domain code imports no framework."""

from __future__ import annotations

import ast
import re
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
    "equities",
    "attestation",
    "federation",
]
# The one way into cases from another capability: federation implements the port cases
# declares for it (dependency inversion), and reads its records.
CASES_PORTS = {"federation": {"pallmall.cases.exchange"}}
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
                allowed = layer != "cases" or package == "cases"
                allowed = allowed or name in CASES_PORTS.get(package, set())
                assert allowed, f"{path} imports {name}"


def test_core_imports_only_core() -> None:
    for path in (PACKAGE / "core").rglob("*.py"):
        inner = {n for n in imports(path) if n.startswith("pallmall.")}
        assert all(n.startswith("pallmall.core") for n in inner), (path, inner)


def test_package_never_reads_shared_data() -> None:
    for path in PACKAGE.rglob("*.py"):
        assert "../shared" not in path.read_text(), path


def _modules() -> dict[str, Path]:
    found = {}
    for path in PACKAGE.rglob("*.py"):
        parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        found[name] = path
    return found


def _layer(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else ""


@pytest.mark.parametrize(
    ("lower", "upper"), [("api", "web"), ("api", "cli"), ("web", "cli"), ("storage", "api")]
)
def test_lower_layers_do_not_import_upper_ones(lower: str, upper: str) -> None:
    for path in (PACKAGE / lower).rglob("*.py"):
        above = {n for n in imports(path) if _layer(n) == upper and n.startswith("pallmall.")}
        assert not above, f"{path} imports {sorted(above)}"


def test_no_pallmall_import_inside_a_function() -> None:
    """Function-local imports hide a dependency (and a circle) from the reader and from
    these tests: every pallmall import sits at the top of its module."""
    hidden = []
    for path in PACKAGE.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
            if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                continue
            for inner in ast.walk(node):
                if isinstance(inner, ast.ImportFrom) and (
                    inner.level or (inner.module or "").startswith("pallmall")
                ):
                    hidden.append(f"{path}:{inner.lineno}")
                if isinstance(inner, ast.Import) and any(
                    a.name.startswith("pallmall") for a in inner.names
                ):
                    hidden.append(f"{path}:{inner.lineno}")
    assert not hidden, hidden


def _edges(modules: dict[str, Path]) -> dict[str, set[str]]:
    """Each module's pallmall imports at any level of its body except functions (type-only
    imports under ``if TYPE_CHECKING`` count: a circle of types is still a circle)."""
    edges: dict[str, set[str]] = {}
    for name, path in modules.items():
        out: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
            if isinstance(node, ast.Import):
                out |= {a.name for a in node.names if a.name in modules}
            elif isinstance(node, ast.ImportFrom) and node.module in modules and not node.level:
                for alias in node.names:
                    full = f"{node.module}.{alias.name}"
                    out.add(full if full in modules else node.module)
        edges[name] = out - {name}
    return edges


def _cycle(edges: dict[str, set[str]]) -> list[str] | None:
    done: set[str] = set()

    def visit(node: str, path: list[str]) -> list[str] | None:
        if node in path:
            return [*path[path.index(node) :], node]
        if node in done:
            return None
        for nxt in sorted(edges.get(node, ())):
            found = visit(nxt, [*path, node])
            if found:
                return found
        done.add(node)
        return None

    for start in sorted(edges):
        found = visit(start, [])
        if found:
            return found
    return None


def test_no_import_cycles() -> None:
    modules = _modules()
    edges = _edges(modules)
    # a package's __init__ re-exports its modules: a module importing its own package's
    # __init__ would close a circle through it, and is caught here too
    assert _cycle(edges) is None, " -> ".join(_cycle(edges) or [])


def test_cycle_finder_finds_a_cycle() -> None:
    assert _cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert _cycle({"a": {"b"}, "b": {"c"}, "c": set()}) is None


def test_no_empty_packages() -> None:
    """A package holds code: an ``__init__`` with only a docstring and no modules beside it
    is a stub (remove it until it holds something)."""
    for init in PACKAGE.rglob("__init__.py"):
        siblings = [p for p in init.parent.iterdir() if p.name != "__init__.py"]
        has_code = any(p.suffix == ".py" or (p / "__init__.py").exists() for p in siblings)
        body = ast.parse(init.read_text()).body
        code = [
            n for n in body if not (isinstance(n, ast.Expr) and isinstance(n.value, ast.Constant))
        ]
        assert has_code or code, f"{init.parent} is an empty package"


ALIASES = ("Caller", "Reading", "Writing", "Offset", "Limit")


def test_request_aliases_are_declared_once_in_deps() -> None:
    """``Caller``/``Reading``/``Writing``/``Offset``/``Limit`` mean one thing everywhere."""
    for path in PACKAGE.rglob("*.py"):
        if path == PACKAGE / "api" / "deps.py":
            continue
        for node in ast.parse(path.read_text(), filename=str(path)).body:
            if isinstance(node, ast.Assign):
                names = {t.id for t in node.targets if isinstance(t, ast.Name)}
                assert not names & set(ALIASES), f"{path}:{node.lineno} declares {names}"


def test_app_state_is_read_only_in_deps() -> None:
    """The node's services reach routers and pages through ``api/deps.py`` alone."""
    allowed = {PACKAGE / "api" / "deps.py", PACKAGE / "app.py"}
    for path in PACKAGE.rglob("*.py"):
        if path not in allowed:
            assert "app.state" not in path.read_text(), path


def test_services_are_constructed_in_the_wiring() -> None:
    """Case and intel stores are bound to a unit of work (``tx.conn``), never to the engine,
    and the case service is built in ``pallmall/wiring.py`` alone."""
    for path in PACKAGE.rglob("*.py"):
        text = path.read_text()
        for store in ("SqlIntelStore", "SqlCaseStore"):
            assert f"{store}(db.engine)" not in text, path
            assert f"{store}(self.db.engine)" not in text, path
        if path != PACKAGE / "wiring.py":
            assert "CaseService(" not in text.replace("class CaseService(", ""), path


def test_no_module_global_caches() -> None:
    """A cache belongs to an object the wiring owns (a module-level dict outlives apps and
    is shared by every app in the process)."""
    for path in PACKAGE.rglob("*.py"):
        for node in ast.parse(path.read_text(), filename=str(path)).body:
            if isinstance(node, ast.AnnAssign) and isinstance(node.value, ast.Dict):
                assert node.value.keys, f"{path}:{node.lineno}: a module-level mutable dict"


def test_every_type_ignore_gives_its_reason() -> None:
    """A silenced mypy check (``ignore[code]``) says beside it why it is safe."""
    root = PACKAGE.parent
    marker = "# type" + ": ignore"  # split, so this line is not a finding itself
    bare = re.compile(re.escape(marker) + r"(?!\[[^\]]+\]  # \S)")
    found = [
        f"{path}:{n}"
        for folder in ("pallmall", "tests", "bench", "scripts")
        for path in (root / folder).rglob("*.py")
        for n, line in enumerate(path.read_text().splitlines(), 1)
        if bare.search(line)
    ]
    assert not found, found
