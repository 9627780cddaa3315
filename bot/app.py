"""Assembling the bot: the one place that lists the feature cogs and wires services together."""

from __future__ import annotations

from bot.config import Config
from bot.runtime import PeerPulse
from bot.services import Services
from bot.vocabulary.clock import Clock, SystemClock
from cogs.about import About
from cogs.challenges import Challenges
from cogs.charts import Charts
from cogs.checkins import Checkins
from cogs.core import Core
from cogs.imports import Imports
from cogs.language import Language
from cogs.milestones import Milestones
from cogs.moderation import Moderation
from cogs.mydata import MyData
from cogs.partners import Partners
from cogs.privacy import Privacy
from cogs.reminders import Reminders
from cogs.sharing import Sharing
from cogs.tracking import Tracking
from storage.connect import open_database

COGS: tuple[type, ...] = (Core, Tracking, Privacy, Moderation, Checkins, Charts, Reminders, Challenges, Partners, MyData, Sharing,
                         Milestones, Imports, Language, About)


async def build_app(config: Config, clock: Clock | None = None, database: str | None = None) -> PeerPulse:
    """``database`` (a SQLite path or a postgresql:// URL) overrides the config; else `[storage] url`
    (postgresql://... selects PostgreSQL), else the SQLite file `[storage] path`."""
    db = await open_database(database or config.storage_url or config.database)
    services = await Services.create(config, db, clock or SystemClock())
    return PeerPulse(services, COGS)
