"""The package's import graph flows one way: no module imports one that imports it back
(directly or through others), whether at load time or inside a function."""

import ast
from pathlib import Path

import assignopt

PACKAGE = Path(assignopt.__file__).parent


def _module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(path: Path, modules: set[str]) -> set[str]:
    """assignopt modules a module imports, anywhere in it (a lazy import is still a use)."""
    name = _module_name(path)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")
                anchor = anchor[: len(anchor) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            found.add(base)
            found |= {f"{base}.{alias.name}" for alias in node.names}
    edges = set()
    for target in found:
        # "from assignopt.spatial import x" loads assignopt.spatial (and x if a module).
        while target and target not in modules:
            target = target.rpartition(".")[0]
        if target and target != name:
            edges.add(target)
    return edges


def import_graph() -> dict[str, set[str]]:
    paths = sorted(PACKAGE.rglob("*.py"))
    modules = {_module_name(p) for p in paths}
    return {_module_name(p): _imports(p, modules) for p in paths}


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One cycle of the graph as a path that returns to its start, or None."""
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        stack.append(node)
        for other in sorted(graph.get(node, ())):
            if state.get(other) == 1:
                return stack[stack.index(other) :] + [other]
            if other not in state and (cycle := visit(other)):
                return cycle
        state[node] = 2
        stack.pop()
        return None

    for node in sorted(graph):
        if node not in state and (cycle := visit(node)):
            return cycle
    return None


def test_the_cycle_finder_finds_a_planted_cycle():
    # a -> b -> c -> a is a cycle; d -> a is not part of it.
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": set()}) is None


def test_the_graph_sees_the_spatial_layers():
    graph = import_graph()
    # transport dispatches through the registry and the problem type; backends import the
    # problem module, never the dispatcher.
    assert "assignopt.spatial.problem" in graph["assignopt.spatial.transport"]
    assert "assignopt.spatial.backends" in graph["assignopt.spatial.transport"]
    for backend in ("netflow", "pricing", "dense", "nxflow", "backends"):
        assert "assignopt.spatial.transport" not in graph[f"assignopt.spatial.{backend}"]


def test_package_import_graph_is_acyclic():
    assert find_cycle(import_graph()) is None


def test_commands_import_shared_options_not_the_cli():
    # The command line's group imports the commands; the commands take their shared options
    # from commands.common, never from cli (which would be a cycle).
    graph = import_graph()
    for name, targets in graph.items():
        if name.startswith("assignopt.commands."):
            assert "assignopt.cli" not in targets, name


def test_solver_names_need_no_numerical_stack():
    # The CLI's --help choices come from these modules: only each other and the standard
    # library.
    graph = import_graph()
    for name in ("assignopt.solver_names", "assignopt.spatial.names"):
        source = (PACKAGE.parent / (name.replace(".", "/") + ".py")).read_text()
        imported = {
            alias.name if isinstance(node, ast.Import) else node.module
            for node in ast.walk(ast.parse(source))
            if isinstance(node, (ast.Import, ast.ImportFrom))
            for alias in node.names
        }
        assert imported <= {"assignopt.solver_names", "__future__"}, imported
        assert graph[name] <= {"assignopt.solver_names"}
    from assignopt.lp import SOLVERS
    from assignopt.solver_names import SOLVERS as NAMES
    from assignopt.spatial.names import ASSIGNMENT_SOLVERS
    from assignopt.spatial.transport import ASSIGNMENT_SOLVERS as REEXPORTED

    assert SOLVERS == NAMES and REEXPORTED == ASSIGNMENT_SOLVERS
    assert ASSIGNMENT_SOLVERS == ("highs", "cbc", "pulp-highs", "networkx", "ortools")
