"""No member-facing string bypasses the translation function (bot.vocabulary.i18n).

Reads the source of the cogs and of the modules that write to members, and finds every string
literal or f-string with words in it that is not inside ``_()`` / ``n_()`` / ``p_()`` / ``N_()``.
Strings that never reach a member are recognised by where they are: docstrings, log calls, SQL,
regular expressions, dict keys, comparisons, developer exceptions, and the command declarations
(``command(...)`` and ``Param(...)``, whose help texts the catalogue extracts by keyword and the
help and the Discord adapter translate when shown). A statement that holds words members type rather
than read (the day words `when` understands), or words no member reads (a reason code, a table for
PRIVACY.md), says so and why on its first line: ``# i18n: input words``.
Anything else is a finding.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
MODULES = sorted([*ROOT.glob("cogs/*.py"), *(ROOT / "bot" / m for m in (
    "commands.py", "vocabulary/metrics.py", "logline.py", "vocabulary/dates.py", "vocabulary/levels.py",
    "vocabulary/words.py", "catalogue.py", "vocabulary/text.py", "suggestions.py",
    "progress.py", "command_refs.py", "vocabulary/clock.py", "gate.py", "runtime.py", "disclosure.py", "cards.py",
    "charts/alt.py", "charts/card.py", "charts/chart.py", "charts/axes.py", "adapters/discord_adapter.py",
    "adapters/discord_components.py", "adapters/discord_layout.py", "adapters/discord_commands.py",
    "adapters/matrix_adapter.py", "adapters/matrix_e2ee.py", "adapters/matrix_send.py", "adapters/matrix_sync.py",
    "imports/opening.py", "imports/formats/table.py", "imports/formats/apple_health.py", "imports/formats/google_fit.py",
    "imports/formats/fitbit.py", "imports/formats/garmin.py", "imports/formats/plain_csv.py", "imports/detect.py",
    "imports/pipeline.py", "adapters/uploads.py", "adapters/matrix_files.py"))])

TRANSLATE = {"_", "n_", "p_", "np_", "N_"}
# Calls whose string arguments never reach a member.
QUIET_CALLS = {"command", "Param", "Schedule", "CronTrigger", "ValueError", "TypeError", "RuntimeError", "KeyError",
               "AssertionError", "NotImplementedError", "getattr", "setattr", "hasattr", "isinstance", "FilePiece",
               "open", "print", "Decimal", "MetricDef", "ZoneInfo", "datetime", "date", "timedelta", "_Reading",
               "_builtin", "Statement", "Key", "key", "MatrixStartupError"}   # the last: for the operator
QUIET_METHODS = {"execute", "fetchall", "fetchone", "fetchval", "executemany", "execute_rowcount", "startswith",
                 "endswith", "split", "strip", "replace", "get", "setdefault", "compile", "match", "fullmatch", "search",
                 "sub", "findall", "finditer", "strftime", "strptime", "getLogger", "removeprefix", "removesuffix",
                 "encode", "decode", "fromisoformat", "lstrip", "rstrip", "last_release", "live_posts_with", "day", "word"}
QUIET_MODULES = {"re", "json", "csv", "os", "hashlib", "log", "logger", "logging"}
QUIET_KEYWORDS = {"kind", "subject", "mime", "filename", "separator", "metric", "statistic", "value_spec", "period",
                  "unit", "timezone", "fieldnames", "default", "encoding", "errors", "sep", "end",
                  "textcoords", "loc", "ha", "va", "family", "weight"}   # the last: matplotlib layout words


def _has_words(text: str) -> bool:
    t = text.strip()
    return bool(re.search(r"[A-Za-z]{2}", t)) and (" " in t or (t.endswith((".", "!", "?")) and t[:1].isupper()))


MARK = "# i18n:"


class _Finder(ast.NodeVisitor):
    def __init__(self, lines: list[str]) -> None:
        self.stack: list[ast.AST] = []
        self.found: list[tuple[int, str]] = []
        self.lines = lines

    def generic_visit(self, node):
        if isinstance(node, ast.stmt) and MARK in self.lines[node.lineno - 1]:
            return
        self.stack.append(node)
        super().generic_visit(node)
        self.stack.pop()

    def _quiet(self, node) -> bool:
        chain = [*self.stack, node]
        for parent, child in zip(chain, chain[1:], strict=False):
            if isinstance(parent, ast.Call):
                f = parent.func
                if isinstance(f, ast.Name) and (f.id in QUIET_CALLS or f.id in TRANSLATE):
                    return True
                if isinstance(f, ast.Attribute) and (f.attr in QUIET_METHODS or (
                        isinstance(f.value, ast.Name) and f.value.id in QUIET_MODULES)):
                    return True
            if isinstance(parent, ast.keyword) and parent.arg in QUIET_KEYWORDS:
                return True
            if isinstance(parent, ast.Subscript) and child is parent.slice:
                return True
            if isinstance(parent, (ast.Compare, ast.Assert)):
                return True
            if isinstance(parent, ast.Dict) and child in parent.keys:
                return True
            if isinstance(parent, ast.Attribute) and isinstance(child, ast.Constant):   # " · ".join(...)
                return True
        return False

    def visit_Expr(self, node):
        if isinstance(node.value, ast.Constant):
            return   # a docstring
        self.generic_visit(node)

    def visit_JoinedStr(self, node):
        words = "".join(v.value for v in node.values if isinstance(v, ast.Constant))
        if _has_words(words) and not self._quiet(node):
            self.found.append((node.lineno, words))

    def visit_Constant(self, node):
        if isinstance(node.value, str) and _has_words(node.value) and not self._quiet(node):
            self.found.append((node.lineno, node.value))


def untranslated(path: Path) -> list[tuple[int, str]]:
    source = path.read_text(encoding="utf-8")
    finder = _Finder(source.splitlines())
    finder.visit(ast.parse(source))
    return finder.found


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_member_facing_string_goes_through_translation(path):
    found = untranslated(path)
    assert not found, "\n".join(f"{path.relative_to(ROOT)}:{line}: {text!r}" for line, text in found)


def test_the_check_finds_a_bypass(tmp_path):
    sample = tmp_path / "cog.py"
    sample.write_text('from bot.vocabulary.i18n import _\n'
                      'def f(n):\n'
                      '    log.info("quiet %s", n)\n'
                      '    ok = _("Logged {n} steps.", n=n)\n'
                      '    return Reply.text(f"Logged {n} steps.", ok)\n')
    assert untranslated(sample) == [(5, "Logged  steps.")]
