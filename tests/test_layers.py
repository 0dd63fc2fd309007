"""The package's floors, read from its imports: no module imports from a floor above its own,
and no two modules import each other, directly or round a longer circle.

The floors, top to bottom, are the subpackages of `briefing` in the order below; the manual's
"How it works" (docs/architecture.md) draws the same list, and a test here holds the two together. Every import
counts, also one inside a function or under TYPE_CHECKING: a late import still ties the
module to the one it names.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "src" / "briefing"
FLOORS = ("cli", "deliver", "publish", "writers", "compose", "charts", "config", "base")


def module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports_of(path: Path) -> set[str]:
    """Every module of the package `path` imports (an imported name that is a module counts as
    that module; any other name as the module it comes from)."""
    name = module_name(path)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names if a.name.split(".")[0] == "briefing"}
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                source = ".".join(base + ([node.module] if node.module else []))
            else:
                source = node.module or ""
            if source.split(".")[0] != "briefing":
                continue
            for alias in node.names:
                candidate = f"{source}.{alias.name}"
                found.add(candidate if is_module(candidate) else source)
    return found - {name}


def is_module(dotted: str) -> bool:
    path = PACKAGE.parent.joinpath(*dotted.split("."))
    return path.with_suffix(".py").is_file() or (path / "__init__.py").is_file()


def floor(module: str) -> int | None:
    """A module's floor, counted from the top (0 is `cli`); None for the package's own
    `__init__` and `__main__`, which sit outside the floors."""
    parts = module.split(".")
    if len(parts) < 2 or parts[1] not in FLOORS:
        return None
    return FLOORS.index(parts[1])


def graph() -> dict[str, set[str]]:
    return {
        module_name(p): imports_of(p) for p in PACKAGE.rglob("*.py") if "__pycache__" not in p.parts
    }


def upward(edges: dict[str, set[str]]) -> list[str]:
    """Each import that runs up a floor, as `importer -> imported`."""
    found = []
    for importer, targets in edges.items():
        here = floor(importer)
        for target in targets:
            there = floor(target)
            if here is not None and there is not None and there < here:
                found.append(f"{importer} -> {target}")
    return sorted(found)


def circles(edges: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected parts of more than one module (Tarjan), each a circle of
    imports; a package's `__init__` importing its own modules is no circle with them."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in edges.get(node, ()):
            if target.startswith(node + "."):
                continue  # a package and its own modules
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            part = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                part.append(member)
                if member == node:
                    break
            if len(part) > 1:
                found.append(sorted(part))

    for node in sorted(edges):
        if node not in index:
            visit(node)
    return found


def test_every_module_lives_on_a_floor() -> None:
    outside = [
        m for m in graph() if floor(m) is None and m not in {"briefing", "briefing.__main__"}
    ]
    assert outside == [], f"modules outside the floors {FLOORS}: {outside}"


def test_no_import_runs_up_a_floor() -> None:
    edges = graph()
    # the graph is read, not empty: the renderer imports the composer, a writer the model
    assert "briefing.compose.document" in edges["briefing.publish.render"]
    assert "briefing.base.model" in edges["briefing.writers.html"]
    assert upward(edges) == []


def test_no_circle_of_imports() -> None:
    assert circles(graph()) == []


def test_the_checks_see_what_they_guard() -> None:
    """The two checks, on a small made-up package: an upward import and a circle are found."""
    made_up = {
        "briefing.base.model": {"briefing.compose.notes"},  # up from the ground floor
        "briefing.compose.notes": {"briefing.compose.prose"},
        "briefing.compose.prose": {"briefing.compose.notes"},  # a circle of two
    }
    assert upward(made_up) == ["briefing.base.model -> briefing.compose.notes"]
    assert circles(made_up) == [["briefing.compose.notes", "briefing.compose.prose"]]


def test_the_manual_draws_the_floors_as_they_are() -> None:
    """The manual's "How it works" names the floors top to bottom, the order this test
    checks."""
    page = (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")
    section = page.partition("## The package, floor by floor")[2].partition("\n## ")[0]
    named = re.findall(r"^(\w+)/ ", section, re.MULTILINE)  # the floors' drawing
    shown = [n for n in dict.fromkeys(named) if n in FLOORS]
    assert shown == list(FLOORS), (
        f"docs/architecture.md's floors {shown}, the package's {list(FLOORS)}"
    )
    missing = sorted(
        p.name for p in PACKAGE.iterdir() if (p / "__init__.py").is_file() and p.name not in FLOORS
    )
    assert missing == [], f"subpackages on no floor: {missing}"


@pytest.mark.parametrize("name", FLOORS)
def test_each_floor_says_what_it_holds(name: str) -> None:
    """A newcomer reads a floor's `__init__` first: it must say what the floor is for."""
    doc = ast.get_docstring(ast.parse((PACKAGE / name / "__init__.py").read_text()))
    assert doc and len(doc.split()) >= 15, f"briefing/{name}/__init__.py says too little"
