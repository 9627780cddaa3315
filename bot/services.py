"""The services a cog is handed (no globals): database and repositories, clock, config, gate, charts."""

from __future__ import annotations

import asyncio
import multiprocessing
import os
import secrets
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field

from bot.audience import EffectiveLevels
from bot.catalogue import Catalogue, is_sensitive
from bot.charts import CardSpec, ChartSpec, render_png, render_png_async
from bot.config import Config
from bot.gate import PrivacyGate
from bot.scheduler import Scheduler
from bot.vocabulary.clock import Clock
from storage.challenges import ChallengeRepository
from storage.checkins import CheckinRepository, GoalRepository, ReminderRepository
from storage.community import CommunityRepository
from storage.contract import MemberData
from storage.custom_metrics import CustomMetricRepository
from storage.database import Database
from storage.entries import EntryRepository
from storage.imports import ImportRepository
from storage.languages import LanguageRepository
from storage.milestones import MilestoneRepository
from storage.partners import PartnerRepository
from storage.platform_state import PlatformState
from storage.posts import PostLedger
from storage.preferences import UnitPreferenceRepository
from storage.run_sends import RunSendRepository
from storage.sharing import ChannelRuleRepository, SharingRepository

GATE_SECRET_KEY = "gate.secret"


@dataclass
class Services:
    config: Config
    db: Database
    clock: Clock
    community: CommunityRepository
    entries: EntryRepository
    sharing: SharingRepository
    rules: ChannelRuleRepository
    custom_metrics: CustomMetricRepository
    posts: PostLedger
    catalogue: Catalogue
    gate: PrivacyGate
    scheduler: Scheduler
    levels: EffectiveLevels
    renderer: ChartRenderer
    state: PlatformState
    # Feature repositories, typed here so cogs share them without string keys; each is registered as
    # member data by the cog that owns it (Cog.member_data).
    checkins: CheckinRepository
    goals: GoalRepository
    reminders: ReminderRepository
    challenges: ChallengeRepository
    units: UnitPreferenceRepository
    partners: PartnerRepository
    languages: LanguageRepository        # who reads which language
    milestones: MilestoneRepository      # who wants milestones for what, and the offers to share them
    sends: RunSendRepository             # what a scheduled run has sent (so a retaken run sends nothing twice)
    imports: ImportRepository            # imports a member confirmed (their values are entries; `undo` takes one back)
    member_data: list[MemberData] = field(default_factory=list)

    @classmethod
    async def create(cls, config: Config, db: Database, clock: Clock) -> Services:
        sharing = SharingRepository(db)
        rules = ChannelRuleRepository(db, is_sensitive)
        custom = CustomMetricRepository(db)
        community = CommunityRepository(db, config.default_timezone)
        entries = EntryRepository(db)
        posts = PostLedger(db)
        partners = PartnerRepository(db)
        levels = EffectiveLevels(sharing, rules, partners)
        renderer = ChartRenderer(config.chart_processes)
        gate = PrivacyGate(levels, config.privacy.min_group_size, renderer, await _gate_secret(db))
        languages = LanguageRepository(db, config.language)
        services = cls(config, db, clock, community, entries, sharing, rules, custom, posts, Catalogue(custom), gate,
                       Scheduler(db, clock), levels, renderer, PlatformState(db), CheckinRepository(db),
                       GoalRepository(db), ReminderRepository(db), ChallengeRepository(db), UnitPreferenceRepository(db),
                       partners, languages, MilestoneRepository(db), RunSendRepository(db, posts),
                       ImportRepository(db))
        # The profile goes last in the list: deleting it cascades whatever another repository missed.
        services.member_data = [entries, sharing, posts, services.sends, services.imports]
        return services

    def add_member_data(self, repo: MemberData) -> None:
        self.member_data.append(repo)

    def all_member_data(self) -> list[MemberData]:
        return [*self.member_data, self.community]


async def _gate_secret(db: Database) -> bytes:
    """The key of the gate's perturbation of group figures, made once per installation and kept in
    the database, so the same figure released again after a restart is the same number."""
    state = PlatformState(db)
    value = await state.get(GATE_SECRET_KEY)
    if value is None:
        value = secrets.token_hex(32)
        await state.set(GATE_SECRET_KEY, value)
    return bytes.fromhex(value)


def _draw_in_background() -> None:
    """A chart worker yields the CPU to the bot's event loop: at a peak the workers draw all the time,
    and a member's command must not wait for a core behind them."""
    try:
        os.nice(10)
    except (AttributeError, OSError):   # not on this platform, or not allowed: draw at the same priority
        pass


class ChartRenderer:
    """Renders charts off the event loop. With worker processes (the default when running for real)
    matplotlib's CPU time never holds the event loop's GIL; with 0 it uses threads (tests, console)."""

    def __init__(self, processes: int):
        self._processes = processes
        self._pool: ProcessPoolExecutor | None = None

    async def __call__(self, spec: ChartSpec | CardSpec) -> bytes:
        if self._processes <= 0:
            return await render_png_async(spec)
        if self._pool is None:
            self._pool = ProcessPoolExecutor(self._processes, mp_context=multiprocessing.get_context("spawn"),
                                             initializer=_draw_in_background)
        return await asyncio.get_running_loop().run_in_executor(self._pool, render_png, spec)

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=False, cancel_futures=True)
            self._pool = None
