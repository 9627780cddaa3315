"""Which language the bot speaks: `language` for a member's own replies, `mod language` for the
community's channel posts (see bot.vocabulary.i18n for how each reaches the text)."""

from __future__ import annotations

from bot.cog import Cog
from bot.commands import Invocation, Param, ParamType, Permission, command
from bot.vocabulary import i18n
from bot.vocabulary.errors import UserError
from bot.vocabulary.i18n import N_, _
from bot.vocabulary.reply import Reply

DEFAULT_WORDS = ("default", "standard", "reset")   # `language default`: back to the community's


def _code(text: str) -> str:
    code = i18n.normalize(text)
    if code is None:
        raise UserError(_("I can speak {languages}. Write e.g. `language sv` or `language en`.",
                          languages=_languages()))
    return code


def _languages() -> str:
    return ", ".join(f"`{c}` ({i18n.language_name(c, c)})" for c in i18n.available())


class Language(Cog):
    def member_data(self):
        return (self.s.languages,)

    @command("language", N_("The language of my replies to you: `language sv`, `language en`, or `language default` "
                            "for the community's."),
             Param("code", ParamType.WORD, N_("a language code, e.g. sv or en (or default)"), required=False))
    async def language(self, inv: Invocation, code: str | None = None) -> Reply:
        languages = self.s.languages
        if code is None:
            chosen = await languages.member_choice(inv.member_id)
            community = await languages.for_community(inv.community_id)
            if chosen:
                line = _("I write to you in {language}; channel posts here are in {community}.",
                         language=i18n.language_name(chosen), community=i18n.language_name(community))
            else:
                line = _("You haven't chosen a language, so I write to you in {language}; channel posts here are in "
                         "{community}.", language=i18n.language_name(inv.locale), community=i18n.language_name(community))
            return Reply.text(line, _("I can speak {languages}.", languages=_languages()), private=True)
        if code.strip().lower() in DEFAULT_WORDS:
            await languages.set_member(inv.member_id, None, inv.now)
            lang = await languages.for_member(inv.member_id, inv.community_id)
            with i18n.using(lang):
                return Reply.text(_("Done: I write to you in the community's language ({language}) again.",
                                    language=i18n.language_name(lang)), private=True)
        lang = _code(code)
        await languages.set_member(inv.member_id, lang, inv.now)
        with i18n.using(lang):   # the answer is already in the new language
            return Reply.text(_("Done: I write to you in {language} from now on. Commands work in every language I "
                                "speak.", language=i18n.language_name(lang)), private=True)

    @command("mod language", N_("The language of channel posts in this community (and of replies to members who chose "
                                "none)."),
             Param("code", ParamType.WORD, N_("a language code, e.g. sv or en"), required=False),
             permission=Permission.MODERATOR)
    async def mod_language(self, inv: Invocation, code: str | None = None) -> Reply:
        languages = self.s.languages
        if code is None:
            lang = await languages.for_community(inv.community_id)
            return Reply.text(_("Channel posts here are in {language}. Change it with `mod language <code>`; I can "
                                "speak {languages}.", language=i18n.language_name(lang), languages=_languages()),
                              private=True)
        lang = _code(code)
        await languages.set_community(inv.community_id, lang, inv.now)
        return Reply.text(_("Done: channel posts in this community are in {language} from now on; earlier posts keep "
                            "their language.", language=i18n.language_name(lang)), private=True)
