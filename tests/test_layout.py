"""The package's layout is a promise: the framework (``nnpy/``) stands alone, the page engines
(``nnpy/browser/``) sit on top of it, and no module of the framework imports its way in a circle.

The import graph is read from the source (every ``import`` and ``from ... import`` statement,
including those inside functions), so a lazy import counts as much as a top-level one.
"""
import ast
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "nnpy"


def module_name(path):
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def imports_of(path):
    """The nnpy modules a file imports, resolved to dotted names."""
    name = module_name(path)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names if a.name.split(".")[0] == "nnpy")
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[:len(base) - (node.level - 1)]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            if target.split(".")[0] != "nnpy":
                continue
            found.add(target)
            for alias in node.names:   # `from . import backend` imports the module nnpy.backend
                candidate = target + "." + alias.name
                if (ROOT / Path(*candidate.split("."))).with_suffix(".py").exists() \
                        or (ROOT / Path(*candidate.split(".")) / "__init__.py").exists():
                    found.add(candidate)
    found.discard(name)
    return found


GRAPH = {module_name(p): imports_of(p) for p in sorted(PACKAGE.rglob("*.py"))}


def is_browser(name):
    return name == "nnpy.browser" or name.startswith("nnpy.browser.")


def test_the_graph_sees_the_package():
    # a guard for the test itself: if the parser found nothing, every check below would pass
    assert "nnpy.model" in GRAPH and "nnpy.browser.playground" in GRAPH
    assert "nnpy.layers" in GRAPH["nnpy.model"]
    assert "nnpy.model" in GRAPH["nnpy.browser.playground"]


@pytest.mark.parametrize("name", sorted(n for n in GRAPH if not is_browser(n)))
def test_framework_never_imports_the_browser_engines(name):
    assert not [t for t in GRAPH[name] if is_browser(t)], f"{name} imports nnpy.browser"


def test_import_nnpy_does_not_import_the_engines():
    code = ("import sys, nnpy; bad = sorted(m for m in sys.modules if m.startswith('nnpy.browser'));"
            "print(bad); sys.exit(1 if bad else 0)")
    proc = subprocess.run([sys.executable, "-c", code], cwd=str(ROOT), capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def cycles(graph):
    """Every strongly connected component of more than one module (Tarjan's algorithm)."""
    index, low, stack, on_stack, out = {}, {}, [], set(), []

    def visit(v):
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in graph.get(v, ()):
            if w not in graph:
                continue
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = set()
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.add(w)
                if w == v:
                    break
            if len(component) > 1:
                out.append(sorted(component))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return out


def test_cycles_finds_a_circle():
    assert cycles({"a": {"b"}, "b": {"a"}, "c": {"a"}}) == [["a", "b"]]


def test_no_import_circle_in_the_framework():
    # the package's __init__ imports every module by design; a circle is one *between* modules
    framework = {n: {t for t in deps if t != "nnpy" and not is_browser(t)}
                 for n, deps in GRAPH.items() if n != "nnpy" and not is_browser(n)}
    assert cycles(framework) == []


def browser_cycles():
    engines = {n: {t for t in deps if is_browser(t) and t != "nnpy.browser"}
               for n, deps in GRAPH.items() if is_browser(n) and n != "nnpy.browser"}
    return cycles(engines)


def test_no_import_circle_in_the_browser_engines():
    assert browser_cycles() == []


def test_tests_mirror_the_tree():
    # engine tests live in tests/browser/, as the engines live in nnpy/browser/
    tests = ROOT / "tests"
    for engine in ("playground", "playground_files", "mnist_files", "codegen", "inside", "schema", "session"):
        if (PACKAGE / "browser" / f"{engine}.py").exists():
            assert (tests / "browser" / f"test_{engine}.py").exists(), engine
            assert not (tests / f"test_{engine}.py").exists(), engine
    # pytest's default import mode needs unique test file names across one run of tests/,
    # e2e included (a clash stops the whole run at collection)
    names = [p.name for p in tests.rglob("test_*.py")]
    assert len(names) == len(set(names)), sorted(n for n in names if names.count(n) > 1)
