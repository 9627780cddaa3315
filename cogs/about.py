"""`about`: which version runs and where its source is (the AGPL's offer of the source to every member)."""

from __future__ import annotations

from bot import version
from bot.cog import Cog
from bot.commands import Invocation, command
from bot.vocabulary.i18n import _
from bot.vocabulary.reply import Reply


class About(Cog):
    @command("about", "Which version of peerpulse this is, its licence, and where to get its source code.")
    async def about(self, inv: Invocation) -> Reply:
        url = self.s.config.source_url
        source = (_("Source code: {url}", url=url) if url else
                  _("Source code: the operator has not set [bot] source_url yet; please ask them "
                    "for it."))
        return Reply.text(_("peerpulse {version}: a privacy-first bot for peer-support communities.", version=version()),
                          _("Free software under the GNU Affero General Public License, version 3 "
                            "or later."),
                          source, private=True)
