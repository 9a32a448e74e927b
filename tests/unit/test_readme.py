"""The README's architecture section stays true: its layout is the tree, and its walk-through names real files."""

from __future__ import annotations

import re

from tests.support import ROOT

README = (ROOT / "README.md").read_text()


def layout_files() -> set[str]:
    """The .py files the layout block under "## Architecture" lists, as paths under bot/."""
    section = README.split("## Architecture", 1)[1]
    block = section.split("```", 2)[1]
    folders: list[tuple[int, str]] = []
    files = set()
    for line in block.splitlines()[1:]:
        if not line.strip():
            continue
        depth = len(line) - len(line.lstrip())
        name = line.split()[0]
        folders = [(d, f) for d, f in folders if d < depth]
        if name.endswith("/"):
            folders.append((depth, name))
        elif name.endswith(".py"):
            files.add("".join(f for _, f in folders) + name)
    return files


def test_the_layout_lists_every_module_and_only_modules_that_exist() -> None:
    """Every module of bot/ (but the packages' __init__) is in the layout, and nothing in it is missing."""
    actual = {str(path.relative_to(ROOT)) for path in (ROOT / "bot").rglob("*.py") if path.name != "__init__.py"}
    assert layout_files() == actual


def test_the_walk_through_names_at_most_eight_files_that_exist() -> None:
    """One request, command to requestId, can be followed file by file in at most eight steps."""
    walk = README.split("in eight files", 1)[1].split("\n\n", 2)[1]
    steps = re.findall(r"^\d+\. `([^`]+)`", walk, re.MULTILINE)
    assert 0 < len(steps) <= 8
    assert all((ROOT / "bot" / step).is_file() for step in steps)
