"""Keeping the catalogues in step with the code (for translators and maintainers, not run by the bot).

    python -m bot.i18n_catalogue update      # re-extract, merge into every bot/vocabulary/locale/*/.../peerpulse.po
    python -m bot.i18n_catalogue check       # what is missing, fuzzy or has different placeholders
    python -m bot.i18n_catalogue init xx     # start a new language (then translate its .po)

Messages come from two places: the source, by Babel's extractor with the keywords below (the same
as ``babel.cfg`` for ``pybabel extract``), and the words that are data rather than code: every word
of every command's name (context ``command``), every parameter name (``option``), the built-in
metrics' names (``metric``, with ``metric aliases`` for extra words members may type) and the
sharing levels (``level``). A test checks that every .po has exactly these messages, all translated.
"""

from __future__ import annotations

import io
import re
import sys
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po, write_po

from bot.vocabulary import i18n

ROOT = Path(__file__).resolve().parent.parent
KEYWORDS = {"_": None, "N_": None, "n_": (1, 2), "p_": ((1, "c"), 2), "np_": ((1, "c"), 2, 3),
            "command": (2,), "Param": (3,)}
METHOD_MAP = [("bot/**.py", "python"), ("cogs/**.py", "python")]
SKIP = ("bot/vocabulary/i18n.py", "bot/i18n_catalogue.py")
CONTEXTS = ("command", "option", "choice", "metric", "metric aliases", "level", "post kind")


def template() -> Catalog:
    """Every message the code can show, as a fresh template (no translations)."""
    catalog = Catalog(project="peerpulse", domain=i18n.DOMAIN, fuzzy=False)
    for filename, lineno, message, comments, context in extract_from_dir(
            ROOT, METHOD_MAP, keywords=KEYWORDS, comment_tags=("Translators:",), strip_comment_tags=True):
        if filename.replace("\\", "/") in SKIP or not message or (isinstance(message, tuple) and not message[0]):
            continue
        catalog.add(message, locations=[(filename, lineno)], auto_comments=comments, context=context)
    for context, word, where in _data_words():
        if (word, context) not in [(m.id, m.context) for m in catalog if m.context == context]:
            catalog.add(word, context=context, locations=[(where, 0)])
    return catalog


def _data_words():
    import inspect

    from bot.app import COGS
    from bot.commands import _SPEC_ATTR
    from bot.vocabulary.levels import CAP_WORDS, LEVEL_WORDS
    from bot.vocabulary.metrics import ALL_WORD, BUILTIN_METRICS
    from bot.vocabulary.reply import POST_KINDS
    for cls in COGS:
        where = (inspect.getsourcefile(cls) or "").replace(str(ROOT) + "/", "")
        for _name, fn in inspect.getmembers(cls, inspect.isfunction):
            spec = getattr(fn, _SPEC_ATTR, None)
            if spec is None:
                continue
            for word in spec.path:
                yield "command", word, where
            for param in spec.params:
                yield "option", param.name, where
                if param.type.value == "choice":
                    for choice in param.choices:
                        yield "choice", choice, where
    for m in BUILTIN_METRICS:
        yield "metric", m.name, "bot/metrics.py"
        yield "metric aliases", m.name, "bot/metrics.py"
    for word in (*LEVEL_WORDS, *CAP_WORDS):
        yield "level", word, "bot/levels.py"
    yield "choice", ALL_WORD, "bot/vocabulary/metrics.py"
    for kind in POST_KINDS:
        yield "post kind", kind, "bot/reply.py"


def po_path(lang: str) -> Path:
    return i18n.LOCALE_DIR / lang / "LC_MESSAGES" / f"{i18n.DOMAIN}.po"


def read(lang: str) -> Catalog:
    with po_path(lang).open("rb") as f:
        return read_po(f, locale=lang)


def write(lang: str, catalog: Catalog) -> None:
    buffer = io.BytesIO()
    write_po(buffer, catalog, width=100, omit_header=False, sort_output=False, include_previous=False)
    po_path(lang).write_bytes(buffer.getvalue())


def update() -> list[str]:
    """Merge a fresh template into every catalogue; new messages come in untranslated, removed ones go."""
    fresh = template()
    done = []
    for lang in i18n.available()[1:]:
        catalog = read(lang)
        catalog.update(fresh, no_fuzzy_matching=True)
        catalog.obsolete.clear()
        write(lang, catalog)
        done.append(lang)
    return done


def init(lang: str) -> Path:
    path = po_path(lang)
    path.parent.mkdir(parents=True, exist_ok=True)
    catalog = Catalog(locale=lang, project="peerpulse", domain=i18n.DOMAIN, fuzzy=False)
    catalog.update(template(), no_fuzzy_matching=True)
    write(lang, catalog)
    i18n.available.cache_clear()
    return path


_PLACEHOLDER = re.compile(r"(?<!\{)\{(\w*)[^{}]*\}(?!\})")


def placeholders(text: str) -> set[str]:
    return set(_PLACEHOLDER.findall(text.replace("{{", "").replace("}}", "")))


def problems(lang: str) -> list[str]:
    """Everything that keeps a catalogue from being complete and correct (empty: all good)."""
    return problems_in(read(lang), template())


def problems_in(catalog: Catalog, fresh: Catalog) -> list[str]:
    """What ``catalog`` lacks against the messages of ``fresh``: missing or unused entries, fuzzy or empty
    ones, plural forms other than the language's number, placeholders that differ from the English."""
    wanted = {(m.id if isinstance(m.id, str) else m.id[0], m.context) for m in fresh if m.id}
    have = {(m.id if isinstance(m.id, str) else m.id[0], m.context): m for m in catalog if m.id}
    out = [f"missing: {key[1] + ' | ' if key[1] else ''}{key[0]!r}" for key in sorted(wanted - set(have), key=str)]
    out += [f"no longer used: {key[0]!r}" for key in sorted(set(have) - wanted, key=str)]
    nplurals = catalog.num_plurals
    for key, m in have.items():
        name = f"{key[0]!r}" + (f" ({key[1]})" if key[1] else "")
        if m.fuzzy:
            out.append(f"fuzzy: {name}")
        ids = m.id if isinstance(m.id, tuple) else (m.id,)
        strings = m.string if isinstance(m.string, tuple) else (m.string,)
        if isinstance(m.id, tuple) and len(strings) != nplurals:
            out.append(f"needs {nplurals} plural forms: {name}")
        if any(not s for s in strings):
            out.append(f"untranslated: {name}")
            continue
        expected = set().union(*(placeholders(str(i)) for i in ids))
        for s in strings:
            got = placeholders(str(s))
            # A singular form may say "one" in words instead of {n}; every other placeholder must stay.
            if got != expected and not (isinstance(m.id, tuple) and got == expected - {"n"}):
                out.append(f"placeholders differ in {name}: {sorted(expected)} vs {sorted(got)} in {s!r}")
    return out


def main(argv: list[str]) -> int:
    if argv[:1] == ["update"]:
        print("updated:", ", ".join(update()) or "no catalogues")
        return 0
    if argv[:1] == ["init"] and len(argv) == 2:
        print("created", init(argv[1]))
        return 0
    if argv[:1] == ["check"]:
        bad = 0
        for lang in i18n.available()[1:]:
            found = problems(lang)
            bad += len(found)
            print(f"{lang}: {len(found)} to fix" if found else f"{lang}: complete")
            for p in found:
                print("  ", p)
        return 1 if bad else 0
    print(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
