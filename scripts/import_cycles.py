"""Import cycles inside the package, read from the source with ``ast`` (nothing is imported).

Why: a cycle through a function-level import loads fine but ties two modules so that neither can
change or be tested alone; the issue-22 review counted them. Two graphs are built: imports at
module level (a cycle there would fail at load) and every import, function-level ones included.
A strongly connected component of more than one module is a cycle. Prints one key=value line and
exits 1 when ``--fail`` is given and any cycle exists.
"""

from __future__ import annotations

import argparse
import ast
import sys
from pathlib import Path

PACKAGE = "usecase_kit"


def module_name(path: Path, root: Path) -> str:
    """The dotted name of ``path`` under ``root`` (``pkg/__init__.py`` → ``pkg``)."""
    parts = list(path.relative_to(root).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


def _resolve(current: str, is_package: bool, node: ast.ImportFrom) -> str:
    """The absolute module an ``ImportFrom`` names, relative levels included."""
    if node.level == 0:
        return node.module or ""
    base = current.split(".")
    if not is_package:
        base = base[:-1]
    base = base[: len(base) - (node.level - 1)]
    return ".".join(base + ([node.module] if node.module else []))


def _targets(node: ast.AST, current: str, is_package: bool, known: set[str]) -> list[str]:
    """The package modules one import statement loads."""
    names: list[str] = []
    if isinstance(node, ast.Import):
        names = [alias.name for alias in node.names]
    elif isinstance(node, ast.ImportFrom):
        base = _resolve(current, is_package, node)
        subs = [f"{base}.{alias.name}" for alias in node.names]
        # ``from pkg import sub`` loads ``sub``; the package itself only when a name is not a module
        names = [n for n in subs if n in known] or [base]
        names += [base] if any(n not in known for n in subs) else []
    found = []
    for name in names:
        while name and name not in known:
            name = name.rpartition(".")[0]
        if name and name != current:
            found.append(name)
    return found


def _top_level(tree: ast.Module) -> list[ast.AST]:
    """Statements that run at import (module body, ``if``/``try`` blocks, no function bodies)."""
    out: list[ast.AST] = []
    stack: list[ast.AST] = list(tree.body)
    while stack:
        node = stack.pop()
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            if isinstance(node, ast.ClassDef):
                stack.extend(node.body)
            continue
        if isinstance(node, ast.If) and _is_type_checking(node.test):
            continue
        out.append(node)
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.stmt):
                stack.append(child)
    return out


def _type_checking_imports(tree: ast.Module) -> set[int]:
    """Imports under ``if TYPE_CHECKING:``: read by type checkers only, never at run time."""
    found: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and _is_type_checking(node.test):
            for inner in node.body:
                found.update(id(n) for n in ast.walk(inner))
    return found


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def graphs(root: Path) -> tuple[dict[str, set[str]], dict[str, set[str]], int]:
    """(load-time graph, every-import graph, count of function-level imports)."""
    files = {module_name(p, root): p for p in (root / PACKAGE).rglob("*.py")}
    known = set(files)
    load: dict[str, set[str]] = {m: set() for m in files}
    every: dict[str, set[str]] = {m: set() for m in files}
    inner = 0
    for mod, path in files.items():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        is_package = path.name == "__init__.py"
        top = {id(n) for n in _top_level(tree) if isinstance(n, (ast.Import, ast.ImportFrom))}
        typing_only = _type_checking_imports(tree)
        for node in ast.walk(tree):
            if not isinstance(node, (ast.Import, ast.ImportFrom)) or id(node) in typing_only:
                continue
            targets = _targets(node, mod, is_package, known)
            every[mod].update(targets)
            if id(node) in top:
                load[mod].update(targets)
            else:
                inner += 1
    return load, every, inner


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    on_stack: set[str] = set()
    stack: list[str] = []
    found: list[list[str]] = []
    counter = 0
    for start in sorted(graph):
        if start in index:
            continue
        work = [(start, iter(sorted(graph[start])))]
        index[start] = low[start] = counter
        counter += 1
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            advanced = False
            for child in children:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph[child]))))
                    advanced = True
                    break
                if child in on_stack:
                    low[node] = min(low[node], index[child])
            if advanced:
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1:
                    found.append(sorted(component))
    return found


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--root", type=Path, default=Path(__file__).resolve().parents[1])
    parser.add_argument("--fail", action="store_true", help="exit 1 when any cycle exists")
    args = parser.parse_args(argv)
    load, every, inner = graphs(args.root)
    at_load, anywhere = cycles(load), cycles(every)
    for component in anywhere:
        print("cycle: " + " <-> ".join(component))
    print(
        f"load_cycles={len(at_load)} cycles={len(anywhere)} "
        f"modules_in_cycles={sum(len(c) for c in anywhere)} function_level_imports={inner}"
    )
    return 1 if args.fail and anywhere else 0


if __name__ == "__main__":
    sys.exit(main())
