"""Discord in the member's language: slash commands registered with Swedish names and descriptions
(from the same catalogue as the text replies), and an interaction from a Swedish client answered in
Swedish until the member chooses a language of their own."""

from __future__ import annotations

import pytest

from bot.adapters.discord_commands import build_payload
from tests.adapters.test_discord_e2e import community  # noqa: F401  (the fixture: stand-in, guild, bot)

pytestmark = pytest.mark.discord

NBSP = "\u00a0"


def _command(payload, name):
    return next(c for c in payload if c["name"] == name)


async def test_slash_commands_are_registered_with_swedish_names_and_descriptions(community):  # noqa: F811  (the fixture imported above)
    c, standin = community, community.standin
    sync = await standin.wait_for_request(method="PUT", path=rf"/applications/{standin.app_id}/guilds/{c.guild}/commands")
    assert sync.json == build_payload(c.app.registry)
    log = _command(sync.json, "log")
    assert log["name_localizations"] == {"sv-SE": "logga"}
    assert log["description_localizations"]["sv-SE"].startswith("Logga en siffra för dig själv")
    metric = next(o for o in log["options"] if o["name"] == "metric")
    assert metric["name_localizations"] == {"sv-SE": "mått"}
    privacy = _command(sync.json, "privacy")
    assert privacy["name_localizations"] == {"sv-SE": "integritet"}
    set_ = next(o for o in privacy["options"] if o["name"] == "set")
    assert set_["name_localizations"] == {"sv-SE": "ändra"}
    level = next(o for o in set_["options"] if o["name"] == "level")
    assert {ch["value"]: ch.get("name_localizations", {}).get("sv-SE") for ch in level["choices"]} == {
        "private": "privat", "aggregate": "anonym", "trend": None, "public": "offentlig"}   # trend is the same word
    # Every localised name is one a Discord client accepts: lowercase, no spaces, at most 32 characters.
    stack = list(sync.json)
    while stack:
        node = stack.pop()
        for name in (node.get("name_localizations") or {}).values():
            assert name == name.lower() and " " not in name and 0 < len(name) <= 32, name
        for value in (node.get("description_localizations") or {}).values():
            assert 0 < len(value) <= 100
        stack.extend(node.get("options", []))
    # Restarting with the same commands syncs nothing: Discord returns the localisations we sent.
    before = len(standin.requests)
    await c.restart()
    assert not [r for r in standin.requests[before:] if r.method == "PUT" and r.path.endswith("/commands")]


async def test_a_swedish_client_is_answered_in_swedish_until_the_member_chooses(community):  # noqa: F811  (the fixture imported above)
    c = community
    reply = await c.answer(await c.run("log", {"metric": "steps", "value": "8123"}, locale="sv-SE"))
    assert reply.startswith(f"Loggade 8{NBSP}123 steg för idag."), reply
    # Typed in Swedish form: a decimal comma from a Swedish client.
    reply = await c.answer(await c.run("log", {"metric": "vikt", "value": "82,5 kg"}, locale="sv-SE"))
    assert "82,5 kg" in reply and "vikt" in reply, reply
    # An English client gets English.
    assert "Logged 9,000 steps" in await c.answer(await c.run("log", {"metric": "steps", "value": "9000"}, c.bob))
    # The member's own choice wins over the client's locale.
    assert "from now on" in await c.answer(await c.run("language", {"code": "en"}, locale="sv-SE"))
    reply = await c.answer(await c.run("log", {"metric": "steps", "value": "7000"}, locale="sv-SE"))
    assert reply.startswith("Updated steps for today: 8,123 steps → 7,000 steps"), reply
