"""A Swedish community through the console, the way its members use it: logging with Swedish words
and numbers, privacy, a weekly check-in and a challenge posted in Swedish, private replies in each
member's own language, and take-backs that keep a post's language."""

from __future__ import annotations

import re

NBSP = "\u00a0"


def private(out: list[str], member: str) -> str:
    return "\n".join(line for line in out if line.startswith(f"[@{member}]"))


def kept(out: list[str], member: str) -> str:
    """A member's private posts kept in the ledger (numbered: `[@bo #3]`)."""
    return "\n".join(line for line in out if re.match(rf"^\[@{member} #\d+", line))


def channel(out: list[str], name: str = "#walkers") -> str:
    return "\n".join(line for line in out if line.startswith(f"[{name} "))


async def test_logging_in_swedish_words_and_numbers(bot):
    assert "Klart: jag skriver till dig på svenska" in await bot.say("alva@#walkers: språk sv")
    assert await bot.say("alva@#walkers: logga steg 8123") == f"[@alva] Loggade 8{NBSP}123 steg för idag. (`ångra` tar tillbaka det.)"
    assert "82,5 kg vikt för idag" in await bot.say("alva@#walkers: logga vikt 82,5 kg")
    assert "7h 30m sömn för idag" in await bot.say("alva@#walkers: logga sömn 7,5 timmar")
    # English words keep working for a Swedish member, answered in Swedish.
    assert f"Loggade 9{NBSP}000 steg för igår" in await bot.say("alva@#walkers: log steps 9000 yesterday")
    assert "1,5 L vatten för 2026-11-13. (fredag, 3 dagar sedan)" in await bot.say("alva@dm: logga vatten 1,5 3 dagar sedan")
    assert "för 2026-11-09. (måndag, 7 dagar sedan)" in await bot.say("alva@dm: logga träning 45 i måndags")
    # "8,000" for someone who writes 7,5: 8 or 8 000? Asked, nothing stored; "8 000" is 8 000.
    asked = await bot.say("alva@dm: logga steg 8,000 i förrgår")
    assert f"Menade du 8{NBSP}000 steg eller 8 steg?" in asked and "Jag sparade inget" in asked
    assert f"Loggade 8{NBSP}000 steg för 2026-11-14" in await bot.say("alva@dm: logga steg 8 000 i förrgår")
    history = await bot.say("alva@dm: historik steg")
    assert f"2026-11-16  steg: 8{NBSP}123 steg" in history and "Dina senaste värden:" in history
    assert "Tog bort 1,5 L av vatten" not in history
    assert "Tog bort" in await bot.say("alva@dm: ångra")
    # A typo gets a Swedish answer naming the Swedish command.
    assert "menade du `logga`?" in (await bot.say("alva@dm: loga steg 5")).lower()
    # An English member in the same community still reads English, with English numbers.
    assert await bot.say("eric@#walkers: log steps 8123") == "[@eric] Logged 8,123 steps for today. (`undo` takes it back.)"


async def test_privacy_in_swedish_and_what_a_channel_may_see(bot):
    await bot.run("alva@#walkers: språk sv")
    out = await bot.say("alva@#walkers: integritet")
    assert "Allt du loggar är privat tills du väljer något annat." in out and "steg: privat — bara du ser det" in out
    assert "vilopuls: privat" in out
    out = await bot.say("alva@#walkers: integritet ändra steg offentlig #walkers")
    assert "steg i #walkers: offentlig — ditt namn med de faktiska siffrorna." in out
    assert "Sharing level" not in await bot.say("alva@dm: integritet ändra sömn anonym")
    refused = await bot.say("alva@dm: integritet ändra sömn alla")
    assert refused.startswith("[@alva] Delningsnivån måste vara en av: privat, anonym, trend, offentlig")
    # English level words work for everyone.
    assert "vikt: trend" in await bot.say("alva@dm: privacy set weight trend")


async def test_a_weekly_check_in_in_swedish_with_each_reader_in_their_language(bot):
    await bot.run(":moderator mia", "mia@#walkers: mod språk sv",
                  "mia@#walkers: mod schema #walkers söndag 18:00 Europe/Stockholm")
    members = {"pub": "offentlig", "tre": "trend", "a1": "anonym", "a2": "anonym", "a3": "anonym", "eric": "public"}
    for member, level in members.items():
        await bot.run(f"{member}@#walkers: integritet ändra steg {level}", f"{member}@#walkers: incheckning delta")
    await bot.run("eric@dm: language en")
    for member, value in {"pub": 8123, "tre": 9000, "a1": 7000, "a2": 6000, "a3": 6500, "eric": 4000}.items():
        await bot.run(f"{member}@dm: log steps {value}")
    out = await bot.run(":time 2026-11-22T18:00:00+00:00")
    post = channel(out)
    assert "Veckoincheckning för #walkers — 16 nov.–22 nov." in post
    assert f"pub: 8{NBSP}123 steg den här veckan (1/7 dagar)" in post
    assert f"eric: 4{NBSP}000 steg den här veckan" in post                   # the channel's language, for everyone
    assert "tre: steg 1/7 dagar" in post and "9" not in post.split("tre:")[1].split("\n")[0]
    together = re.search(r"Tillsammans: steg ungefär ([\d\u00a0]+) totalt från (\d) personer", post)
    assert together and together.group(2) == "6"
    words = "\n".join(line for line in post.splitlines() if "image:" not in line)
    assert "Weekly" not in words and "steps" not in words
    # Private summaries: Swedish for Swedish readers, English for eric who chose it.
    assert "Din vecka i #walkers (16 nov.–22 nov.):" in private(out, "a1")
    assert f"steg: 7{NBSP}000 steg den här veckan (1/7 dagar)" in private(out, "a1")
    assert "Your week in #walkers (Nov 16–Nov 22):" in private(out, "eric")
    assert "steps: 4,000 steps this week (1/7 days)" in private(out, "eric")


async def test_a_challenge_posted_in_swedish(bot):
    await bot.run(":moderator mia", "mia@#walkers: mod språk sv")
    for member in ("pub", "tre"):
        await bot.run(f"{member}@#walkers: integritet ändra steg {'offentlig' if member == 'pub' else 'trend'}")
    out = await bot.run("mia@#walkers: utmaning skapa kliv steg total 50000 1 halvvägs idag")
    assert f"Ny utmaning `kliv`: mest steg totalt, mål 50{NBSP}000 steg var, 16 nov.–22 nov." in channel(out)
    assert "Resultaten postas när den är slut, med en tavla halvvägs." in channel(out)
    assert "Du är med i `kliv`" in await bot.say("pub@#walkers: utmaning delta kliv")
    await bot.run("tre@#walkers: challenge join kliv")
    await bot.run("pub@dm: logga steg 27000", "tre@dm: logga steg 36000")
    mid = channel(await bot.run(":time 2026-11-19T13:00:00+00:00"))
    assert "kliv — tavla halvvägs" in mid
    assert f"pub: #2 · 27{NBSP}000 steg (54 % av målet)" in mid
    assert "tre: #1 · över hälften av målet" in mid
    final = channel(await bot.run(":time 2026-11-23T01:00:00+00:00"))
    assert "kliv — slutresultat" in final and "Tack till alla som var med!" in final
    assert "Placeringarna går i steg om 10 %" in final
    board = await bot.say("pub@#walkers: utmaning topplista kliv")
    assert f"Du hittills: 27{NBSP}000 steg (54 % av målet)" in board


async def test_a_take_back_keeps_the_language_a_post_was_written_in(bot):
    await bot.run(":moderator mia", "mia@#walkers: mod språk sv",
                  "mia@#walkers: mod schema #walkers söndag 18:00 UTC")
    for member in ("pub", "tre"):
        await bot.run(f"{member}@#walkers: privacy set steps public", f"{member}@#walkers: checkin join",
                      f"{member}@dm: log steps 8000")
    first = channel(await bot.run(":time 2026-11-22T18:00:00+00:00"))
    assert "Veckoincheckning för #walkers" in first and "tre: 8" in first
    # The community switches to English; the old post is edited when tre narrows, and stays Swedish.
    await bot.run("mia@#walkers: mod language en")
    out = await bot.run("tre@#walkers: privacy set steps private")
    edited = channel(out)
    assert "edited" in edited and "Veckoincheckning för #walkers" in edited and "tre:" not in edited
    assert "I updated 1 earlier post." in private(out, "tre")              # tre's own reply: their language
    # New posts are in English now.
    await bot.run(":time 2026-11-24T10:00:00+00:00", "pub@dm: log steps 9000")
    assert "Weekly check-in for #walkers" in channel(await bot.run(":time 2026-11-29T18:00:00+00:00"))


async def test_language_choices_are_exported_and_forgotten(bot):
    await bot.run("alva@dm: språk sv")
    assert "Du har inte valt" not in await bot.say("alva@dm: språk")
    out = await bot.run("alva@dm: mindata exportera")
    assert any("language" in line for line in out)
    export = next(p for p in (bot.tmp / "out").iterdir() if p.name.endswith("peerpulse-language.csv"))
    assert "sv" in export.read_text()
    await bot.run("alva@dm: mindata glöm", "alva@dm: bekräfta")
    # Forgotten: back to the community's language (English here).
    assert "You haven't chosen a language" in await bot.say("alva@dm: language")


async def test_accountability_partners_in_swedish_each_reading_their_own_language(bot):
    await bot.run(":time 2026-11-19T12:00:00+00:00", "alva@dm: språk sv", "bo@dm: språk sv", "eric@dm: help log")
    for day, steps in (("2026-11-10", 8000), ("2026-11-11", 8000), ("2026-11-12", 8000),
                       ("2026-11-16", 9000), ("2026-11-17", 9000), ("2026-11-18", 9000)):
        await bot.run(f"alva@dm: logga steg {steps} {day}")
    out = await bot.run("alva@dm: partner bjud @bo steg trend")
    invite = private(out, "bo")
    assert "alva vill bli ansvarspartner med dig" in invite and "`partner acceptera @alva`" in invite
    assert "Jag har frågat bo privat om hen vill se dina värden för steg" in private(out, "alva")
    # An English member invited by a Swedish one reads the invite in English.
    out = await bot.run("alva@dm: partner bjud @eric steg offentlig")
    assert "alva would like to be accountability partners" in private(out, "eric")
    out = await bot.run("bo@dm: partner acceptera")
    assert "Nu ser du alvas värden för steg i en privat sammanfattning en gång i veckan" in private(out, "bo")
    assert "bo tackade ja: hen ser nu dina värden för steg (trend)" in private(out, "alva")
    assert "You now see alva's steps" in private(await bot.run("eric@dm: partner accept"), "eric")
    out = await bot.run(":time 2026-11-22T19:00:00+00:00")
    summary = kept(out, "bo")
    assert "alvas vecka (16 nov.–22 nov.), så som hen delar den med dig:" in summary
    assert "steg: ↑ 10–20" in summary and "förra veckan" in summary
    assert not re.search(r"\d[\u00a0 ]\d{3}|\b\d{4,}\b", summary)          # trend: never a number of steps
    assert "week" not in summary and "steps" not in summary
    assert "alva's week (Nov 16–Nov 22), as they share it with you:" in kept(out, "eric")
    assert "steps: 27,000 steps this week" in kept(out, "eric")
    listing = private(await bot.run("alva@dm: partner lista"), "alva")
    assert "Dina ansvarspartner (bara du ser det här):" in listing
    assert "bo ser dina värden för steg: trend (bara ungefärliga framsteg" in listing
    assert "eric ser dina värden för steg: offentlig (de faktiska siffrorna)" in listing
    assert "Sammanfattningar kommer en gång i veckan (söndagar kl. 18:00 UTC)." in listing
    ended = private(await bot.run("alva@dm: partner avsluta @eric"), "alva")
    assert "Du och eric är inte längre partner" in ended and "2 sammanfattningar som redan skickats" in ended   # at accepting, and Sunday


async def test_alla_means_every_metric_wherever_all_does(bot):
    """`alla` is `all` in Swedish: for privacy, channel rules and partner invites (it was read as a metric name)."""
    await bot.run("anna@#promenad: språk sv", ":moderator mia", "bob@#promenad: log steps 1")
    assert "alla dina mått: trend" in await bot.say("anna@#promenad: integritet ändra alla trend")
    assert "every metric — aggregate" in await bot.say("mia@#promenad: mod regel #promenad alla anonym")
    invite = await bot.say("anna@dm: partner bjud @bob alla trend")
    assert "steg, sömn" in invite and "känner inte till" not in invite
