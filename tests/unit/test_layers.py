"""The house keeps its shape: imports point inward only, the domain does no I/O and writes no Slack markup, and
every public function and every test says what it is for."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from tests.support import ROOT

BOT = ROOT / "bot"
IO_LIBRARIES = {"sqlite3", "sqlite_utils", "httpx", "httpcore", "slack_sdk", "slack_bolt", "gunicorn", "socket",
                "urllib", "requests", "psycopg", "psycopg_pool"}  # fmt: skip
OUTER = {"bot.service", "bot.adapters", "bot.listeners", "bot.worker", "bot.app", "bot.server", "bot.web",
         "bot.cli", "bot.__main__", "bot.playground"}  # fmt: skip

# layer → the bot packages and modules it must not import
FORBIDDEN = {
    "bot.domain": OUTER | {"bot.render", "bot.config"},
    "bot.render": OUTER | {"bot.config"},
    "bot.adapters": OUTER - {"bot.adapters"} | {"bot.render"},
    "bot.service": OUTER - {"bot.service", "bot.adapters"},
    "bot.listeners": OUTER - {"bot.service", "bot.listeners"},
}


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports_of(path: Path) -> set[str]:
    """Every module `path` imports, relative imports resolved against its package."""
    name = module_name(path)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = package.split(".")
            if node.level:
                base = base[: len(base) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            found.add(target)
            found |= {f"{target}.{alias.name}" for alias in node.names}
    return found


def modules(layer: str) -> list[Path]:
    folder = ROOT / layer.replace(".", "/")
    return sorted(folder.rglob("*.py")) if folder.is_dir() else [folder.with_suffix(".py")]


def within(name: str, prefixes: set[str]) -> bool:
    return any(name == prefix or name.startswith(prefix + ".") for prefix in prefixes)


def test_the_walker_sees_relative_imports() -> None:
    """The check itself: a relative import in a nested package resolves to the module it names."""
    seen = imports_of(BOT / "service" / "jobs" / "gong_calls.py")
    assert "bot.domain.request" in seen and "bot.render.refusals" in seen and "bot.errors" in seen


@pytest.mark.parametrize("layer", sorted(FORBIDDEN))
def test_imports_point_inward(layer: str) -> None:
    """domain ← render, adapters ← service ← listeners: no module imports a layer further out than its own."""
    wrong = {
        f"{module_name(path)} imports {name}"
        for path in modules(layer)
        for name in imports_of(path)
        if within(name, FORBIDDEN[layer])
    }
    assert not wrong


@pytest.mark.parametrize("layer", ["bot.domain", "bot.render"])
def test_the_pure_layers_do_no_io(layer: str) -> None:
    """The domain and the renderers import no database driver, HTTP client or Slack SDK."""
    wrong = {
        f"{module_name(path)} imports {name}"
        for path in modules(layer)
        for name in imports_of(path)
        if within(name, IO_LIBRARIES)
    }
    assert not wrong


def test_nothing_but_the_composition_root_imports_the_listeners_or_the_worker() -> None:
    """Listeners and the worker are the outermost ring: only bot.app wires them in."""
    wrong = {
        f"{module_name(path)} imports {name}"
        for path in BOT.rglob("*.py")
        if module_name(path) != "bot.app" and not within(module_name(path), {"bot.listeners", "bot.worker"})
        for name in imports_of(path)
        if within(name, {"bot.listeners", "bot.worker"})
    }
    assert not wrong


def test_the_domain_writes_no_slack_markup() -> None:
    """Mentions, links and emoji belong to render/: no string in the domain holds them."""
    markup = ("<@", "<!", "<http", ":warning:", "*Reason", "`/gong-erase")
    wrong = set()
    for path in modules("bot.domain"):
        tree = ast.parse(path.read_text())
        docstrings = {
            id(node.body[0].value)
            for node in ast.walk(tree)
            if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef)
            and node.body
            and isinstance(node.body[0], ast.Expr)
        }
        wrong |= {
            f"{module_name(path)}: {node.value[:40]!r}"
            for node in ast.walk(tree)
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docstrings
            and any(m in node.value for m in markup)
        }  # fmt: skip
    assert not wrong


def public_definitions(path: Path) -> list[tuple[str, ast.AST]]:
    """Functions, classes and methods whose names do not start with `_`, outside nested functions."""
    found: list[tuple[str, ast.AST]] = []

    def visit(node: ast.AST, prefix: str) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
                if child.name.startswith("_"):
                    continue  # private, and so are its members
                found.append((prefix + child.name, child))
                if isinstance(child, ast.ClassDef):
                    visit(child, f"{prefix}{child.name}.")

    visit(ast.parse(path.read_text()), "")
    return found


def test_every_module_and_public_function_of_the_bot_has_a_docstring() -> None:
    """Each module starts with a line stating its role; each public function, class and method says what it is."""
    missing = []
    for path in sorted(BOT.rglob("*.py")):
        tree = ast.parse(path.read_text())
        if not ast.get_docstring(tree):
            missing.append(module_name(path))
        for name, node in public_definitions(path):
            if not ast.get_docstring(node):  # type: ignore[arg-type]
                missing.append(f"{module_name(path)}.{name}")
    assert not missing


def test_every_test_says_what_it_proves() -> None:
    """STYLE: every test has a one-line docstring, so a failure reads as the behaviour that broke."""
    missing = [
        f"{path.relative_to(ROOT)}::{node.name}"
        for path in sorted((ROOT / "tests").rglob("test_*.py"))
        for node in ast.walk(ast.parse(path.read_text()))
        if isinstance(node, ast.FunctionDef) and node.name.startswith("test_") and not ast.get_docstring(node)
    ]
    assert not missing
