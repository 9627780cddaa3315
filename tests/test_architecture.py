"""The design's hard rules, checked on the source itself."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(a.name.split(".")[0] for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module.split(".")[0])
    return names


def test_cogs_and_storage_never_import_platform_libraries():
    offenders = []
    for folder in ("cogs", "storage"):
        for path in (ROOT / folder).rglob("*.py"):
            bad = _imports(path) & {"discord", "nio"}
            if bad:
                offenders.append(f"{path.relative_to(ROOT)} imports {sorted(bad)}")
    assert offenders == []


def test_only_the_gate_builds_deliveries():
    builders = []
    for path in (ROOT / "bot").rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "Delivery":
                builders.append(str(path.relative_to(ROOT)))
    for folder in ("cogs", "storage"):
        for path in (ROOT / folder).rglob("*.py"):
            assert "Delivery(" not in path.read_text(encoding="utf-8"), path
    assert set(builders) == {"bot/gate.py"}


def test_cogs_never_send():
    """Cogs return Replies; they never hold a transport or call send/edit/delete themselves."""
    for path in (ROOT / "cogs").rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        for forbidden in ("transport.send", ".send(", "transports["):
            assert forbidden not in text, f"{path.name} uses {forbidden}"


def test_no_pyplot_anywhere():
    for folder in ("bot", "cogs", "storage"):
        for path in (ROOT / folder).rglob("*.py"):
            assert "pyplot" not in _imports(path) and "matplotlib.pyplot" not in path.read_text(encoding="utf-8"), path
