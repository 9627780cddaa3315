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


# The layers, bottom first. A module may import its own layer and the ones below it, never above.
LAYERS = (
    ("vocabulary", ("bot.vocabulary",)),
    ("storage", ("storage",)),
    ("runtime and adapters", ("bot",)),
    ("cogs", ("cogs",)),
    ("composition root", ("bot.app", "bot.cli", "bot.runner", "bot.operator_tools", "bot.i18n_catalogue", "bot.__main__")),
)


def _layer(module: str) -> int:
    """The layer of a dotted module name: the most specific prefix wins (bot.app is the root, not bot)."""
    best, length = -1, -1
    for index, (_, prefixes) in enumerate(LAYERS):
        for prefix in prefixes:
            if (module == prefix or module.startswith(prefix + ".")) and len(prefix) > length:
                best, length = index, len(prefix)
    return best


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _project_imports(path: Path) -> set[str]:
    """Every project module a file imports, at any depth of the file (lazy imports count too)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    out = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            out.add(node.module)
            out.update(f"{node.module}.{a.name}" for a in node.names)   # `from bot import disclosure`
    return {m for m in out if m.split(".")[0] in ("bot", "cogs", "storage")}


def test_layers_point_one_way():
    """vocabulary <- storage <- runtime and adapters <- cogs <- composition root, enforced on the source."""
    offenders = []
    for folder in ("bot", "cogs", "storage"):
        for path in sorted((ROOT / folder).rglob("*.py")):
            here = _module_name(path)
            mine = _layer(here)
            assert mine >= 0, f"{here} belongs to no layer"
            for imported in _project_imports(path):
                theirs = _layer(imported)
                if theirs > mine:
                    offenders.append(f"{here} ({LAYERS[mine][0]}) imports {imported} ({LAYERS[theirs][0]})")
    assert offenders == []


def test_the_vocabulary_imports_nothing_else_of_the_project():
    for path in sorted((ROOT / "bot" / "vocabulary").rglob("*.py")):
        outside = {m for m in _project_imports(path) if _layer(m) != 0}
        assert not outside, f"{path.name} imports {sorted(outside)}"


_SQL = ("SELECT ", "INSERT ", "UPDATE ", "DELETE ", "CREATE ", "PRAGMA ")
_DB_CALLS = {"execute", "executemany", "execute_rowcount", "fetchall", "fetchone", "fetchval"}


def test_every_statement_is_in_a_repository():
    """Only storage/ speaks SQL: the runtime, adapters and cogs call repository methods."""
    offenders = []
    for folder in ("bot", "cogs"):
        for path in sorted((ROOT / folder).rglob("*.py")):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if isinstance(node, ast.Constant) and isinstance(node.value, str) and node.value.lstrip().startswith(_SQL):
                    offenders.append(f"{path.relative_to(ROOT)}:{node.lineno} SQL text")
                if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in _DB_CALLS:
                    offenders.append(f"{path.relative_to(ROOT)}:{node.lineno} .{node.func.attr}()")
    assert offenders == []


def test_every_feature_module_is_a_cog_with_typed_dependencies():
    """Cogs derive from bot.cog.Cog (typed services and publisher, hooks for member data, schedules,
    start and stop) and share repositories through typed Services fields, never string keys."""
    from bot.app import COGS
    from bot.cog import Cog

    assert all(issubclass(cls, Cog) for cls in COGS)
    for path in sorted((ROOT / "cogs").rglob("*.py")):
        text = path.read_text(encoding="utf-8")
        assert "services.extra" not in text and ".s.extra" not in text, path.name
        assert "add_provider(" not in text and "add_member_data(" not in text, f"{path.name}: use the Cog hooks"
    runtime = (ROOT / "bot" / "runtime.py").read_text(encoding="utf-8")
    assert 'getattr(cog, "start"' not in runtime and 'getattr(cog, "stop"' not in runtime


def test_one_vocabulary_for_weekdays_levels_and_unsafe_characters():
    """Weekday names, level words and the characters unsafe in chat are written once, in bot/vocabulary."""
    offenders = []
    for folder in ("bot", "cogs", "storage"):
        for path in sorted((ROOT / folder).rglob("*.py")):
            if path.parent.name == "vocabulary":
                continue
            text = path.read_text(encoding="utf-8")
            for literal in ('"monday", "tuesday"', '("Mon", "Tue"', '"private", "aggregate", "trend"',
                            '"off", "aggregate", "trend"', 'not in "`@', 'not in "@`', "if c.isprintable()", "if ch.isprintable()"):
                if literal in text:
                    offenders.append(f"{path.relative_to(ROOT)}: {literal}")
    assert offenders == []


def test_permissions_are_declared_on_the_spec_not_checked_in_handlers():
    for path in sorted((ROOT / "cogs").rglob("*.py")):
        text = path.read_text(encoding="utf-8")
        assert "is_moderator" not in text.replace("is_moderator, config: is_moderator or", ""), path.name
        assert "PermissionDenied" not in text, path.name


def test_parameters_are_converted_by_the_spec_not_in_handlers():
    """A METRIC or CHANNEL parameter reaches its handler converted (MetricDef, MetricChoice, channel id):
    handlers never look the words up themselves, except where the spec says `raw`."""
    for path in sorted((ROOT / "cogs").rglob("*.py")):
        text = path.read_text(encoding="utf-8")
        for lookup in ("catalogue.resolve(", "catalogue.resolve_many(", "channel_from("):
            assert lookup not in text, f"{path.name}: {lookup}"
