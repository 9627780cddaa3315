"""Assembling the bot: the one place that lists the feature cogs and wires services together."""

from __future__ import annotations

from bot.clock import Clock, SystemClock
from bot.config import Config
from bot.runtime import PeerPulse
from bot.services import Services
from cogs.charts import Charts
from cogs.checkins import Checkins
from cogs.core import Core
from cogs.moderation import Moderation
from cogs.mydata import MyData
from cogs.privacy import Privacy
from cogs.reminders import Reminders
from cogs.tracking import Tracking
from storage.database import Database

COGS: tuple[type, ...] = (Core, Tracking, Privacy, Moderation, Checkins, Charts, Reminders, MyData)


async def build_app(config: Config, clock: Clock | None = None, database: str | None = None) -> PeerPulse:
    db = await Database.open(database or config.database)
    services = await Services.create(config, db, clock or SystemClock())
    return PeerPulse(services, COGS)
