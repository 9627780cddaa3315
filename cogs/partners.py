"""Accountability partners: sharing chosen metrics with one other member, privately.

A member grants one other member of the community a view of a metric (or all of them) at `trend` or
`public`; nothing is shared until the partner accepts. The partner then gets a private weekly summary
(and `partner view` shows the last one again), built from Facts that the privacy gate releases at the
granted level, exactly as for a channel. Summaries are posts in the ledger: ending a partnership or
lowering its level edits or deletes what was sent. Either side can end it at any time; a member can
decline or block invites, and the inviter is never told which (see :mod:`storage.partners`).

No pressure: a summary with nothing to show is not sent, and nothing says that someone did not log.
Nudges between partners are not offered.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from statistics import fmean

from apscheduler.triggers.cron import CronTrigger

from bot.cog import Cog, Publisher
from bot.commands import Invocation, MetricChoice, Param, ParamType, Suggest, command
from bot.progress import change_text, days_back, goal_percent, pair_change_text, pair_relatives, streak_of, summed, weekly_figure
from bot.scheduler import Schedule
from bot.services import Services
from bot.vocabulary import i18n
from bot.vocabulary.clock import local_date, zone
from bot.vocabulary.errors import UserError
from bot.vocabulary.i18n import N_, _, n_, p_
from bot.vocabulary.levels import Level, parse_level
from bot.vocabulary.metrics import MetricDef, format_pair, format_quantity
from bot.vocabulary.reply import Button, Destination, Fact, Line, Relative, Reply, Text
from cogs.checkins import STREAK_LOOKBACK, Week, every
from storage.community import safe_name
from storage.partners import ACTIVE, BLOCKED, DECLINED, INVITE_DAYS, Grant, PartnerRepository

log = logging.getLogger(__name__)
P = ParamType
SUMMARY_JOB = "partners:weekly"
KIND = "partner"

# ---- member-facing words (one template per message) ---------------------------------------------
SHOWS = {
    Level.TREND: N_("rough progress only, never a number: changes in steps of 10%, streaks, about how close to a goal"),
    Level.PUBLIC: N_("the actual numbers"),
}
NOT_SENT = N_("I couldn't send an invite to {who}. I can only invite members who have used me in this community and "
               "who take invites from you. Nothing of yours was shared.")
NOT_YOURSELF = N_("You can't be your own partner; name someone else, e.g. `partner invite @bob steps trend`.")
NO_AGGREGATE = N_("`aggregate` means anonymous group totals, which make no sense for one person. Choose `trend` ({trend}) "
                   "or `public` ({public}).")
INVITED = N_("I asked {partner} privately whether they want to see your {metrics} ({level}: {shows}). Nothing is shared "
              "until they accept; the invite lapses after {days} days. `partner end @{partner}` takes it back at any time.")
ASKED_WIDER = N_("I asked {partner} whether they want to see your {metrics} at {level} ({shows}). Until they accept, they "
                  "keep seeing what they saw before.")
ALREADY_ASKED = N_("You already invited {partner} to see your {metrics}; the invite waits for their answer until {until}.")
ALREADY_SEES = N_("{partner} already sees your {metrics} at {level}.")
LOWERED = N_("{partner} now sees your {metrics} at {level} ({shows}).")
REMOVED = N_("{partner} no longer sees your {metrics}.")
NOTHING_TO_REMOVE = N_("{partner} doesn't see your {metrics}; nothing changed.")
INVITE_TEXT = N_("{owner} would like to be accountability partners: they offer to share their {metrics} with you "
                  "({level}: {shows}), in a private summary once a week. Nothing is shared until you accept. "
                  "`partner accept @{owner}` or `partner decline @{owner}` (they are not told that you declined); "
                  "`partner block @{owner}` stops invites from them.")
WIDER_TEXT = N_("{owner} offers to share their {metrics} with you at {level} ({shows}) instead of {before}. "
                 "`partner accept @{owner}` or `partner decline @{owner}`.")
NO_INVITES = N_("There is no invite waiting for you.")
WHICH_INVITE = N_("Several people invited you; name one: {names}.")
NO_INVITE_FROM = N_("There is no invite from {owner} waiting for you.")
ACCEPTED = N_("You now see {owner}'s {metrics} in a private summary once a week (`partner view @{owner}` shows the last "
               "one). `partner end @{owner}` stops it at any time.")
ACCEPTED_OWNER = N_("{partner} accepted: they now see your {metrics} ({level}) in a private weekly summary. "
                     "`partner end @{partner}` stops it at any time.")
DECLINED_TEXT = N_("Declined. Nothing of {owner}'s was shared and they are not told; they can't invite you again "
                    "(`partner unblock @{owner}` allows it).")
BLOCKED_TEXT = N_("{other} can no longer invite you. Anything between you two has ended and what I had sent was taken "
                   "back; they are not told. `partner unblock @{other}` undoes this.")
BLOCK_UNKNOWN = N_("I don't know a member called {who} here; nobody was blocked.")
UNBLOCKED = N_("{other} can invite you again.")
NOT_BLOCKED = N_("You hadn't blocked or declined {other}.")
NO_PARTNERS = N_("You have no accountability partners. `partner invite @member <metric|all> <trend|public>` offers to share "
                  "a metric with one person, privately.")
WHICH_PARTNER = N_("You have several partners; name one: {names}.")
ENDED = N_("You and {other} are no longer partners: neither of you sees the other's numbers any more. "
            "{taken_back}They are not told, but summaries they had from you disappear.")
NOT_PARTNERS = N_("You and {other} aren't partners; nothing changed.")
UNKNOWN_MEMBER = N_("I don't know a member called {who} here.")
NOT_SHARED_WITH_YOU = N_("{owner} doesn't share anything with you.")
NO_SUMMARY_YET = N_("There's no summary from {owner} to show yet. Summaries come once a week ({when}), when there is "
                     "something to show.")
LIST_HEADER = N_("Your accountability partners (only you see this):")
LIST_YOU_SHARE = N_("{partner} sees your {metric}: {level} ({shows})")
LIST_YOU_SHARE_WIDER = N_("{partner} sees your {metric}: {level}; you asked to widen it to {asked} (waiting for an answer)")
LIST_YOU_SEE = N_("you see {owner}'s {metric}: {level}")
LIST_YOU_ASKED = N_("you invited {partner} to see your {metric} at {asked} (waiting for an answer until {until})")
LIST_ASKED_YOU = N_("{owner} invites you to see their {metric} at {asked}: `partner accept @{owner}` or `partner decline @{owner}`")
LIST_BLOCKED = N_("you don't take invites from {other} (`partner unblock @{other}`)")
LIST_FOOTER = N_("`partner end @member` ends a partnership; `partner invite @member <metric> private` stops sharing one "
                  "metric. Summaries come once a week ({when}).")
SUMMARY_HEADER = N_("{owner}'s week ({week}), as they share it with you:")
SUMMARY_LINE_PUBLIC = N_("{metric}: {value} ({facts})")
SUMMARY_LINE_PUBLIC_BARE = N_("{metric}: {value}")
VALUE_SUMMED = N_("{value} this week")
VALUE_AVERAGE = N_("{value} average")
STREAK = N_("{days}-day streak")
STREAK_LONG = N_("{days}+-day streak")
GOAL_PCT = N_("{pct}% of goal")
LOGGED = N_("logged this week")


def _taken_back(n: int, deleted: int) -> str:
    return n_("I changed {n} summary I had sent them ({deleted} removed).",
              "I changed {n} summaries I had sent them ({deleted} removed).", n, deleted=i18n.count(deleted))


def _ended_taken_back(n: int) -> str:
    return n_("I removed or changed {n} summary already sent. ", "I removed or changed {n} summaries already sent. ", n)


def _metrics_words(keys: list[str], by_key: dict[str, MetricDef]) -> str:
    """Metrics as the member types them, in the current language (`steps` / `steg`)."""
    return ", ".join(by_key[k].term if k in by_key else k for k in keys)


class Partners(Cog):
    command_groups = {"partner": N_("Accountability partners: share chosen numbers with one person")}

    def __init__(self, services: Services, app: Publisher):
        super().__init__(services, app)
        self.repo: PartnerRepository = services.partners

    def member_data(self):
        return (self.s.partners,)

    async def sharing_lines(self, member_id: int, now: datetime) -> list[str]:
        return await self.describe(member_id, now)

    async def before_forget(self, member_id: int) -> tuple[int, int]:
        return await self.end_all(member_id)

    # -- helpers -------------------------------------------------------------------------------
    async def _name(self, member_id: int) -> str:
        m = await self.s.community.member_by_id(member_id)
        return m.display_name if m else "member"

    async def _member(self, inv: Invocation, ref: str) -> int | None:
        return await inv.member_from(ref)

    def _when(self) -> str:
        c = self.s.config.checkins
        return _("{weekdays} at {time} {timezone}", weekdays=every(c.weekday), time=c.time, timezone=c.timezone)

    async def _metric_defs(self, community_id: int) -> dict[str, MetricDef]:
        return {m.key: m for m in await self.s.catalogue.metrics(community_id)}

    async def _tell(self, community_id: int, member_id: int, reply: Reply) -> bool:
        """A private message to someone other than the member who typed (an invite, an acceptance)."""
        delivery = await self.app.publish(reply, Destination.private_to(community_id, member_id))
        return delivery is not None

    async def _take_back_between(self, a: int, b: int) -> tuple[int, int]:
        """After grants between two members changed: what each had been sent of the other's is brought in line."""
        e1, d1 = await self.app.take_back(a, viewer_id=b)
        e2, d2 = await self.app.take_back(b, viewer_id=a)
        return e1 + e2, d1 + d2

    # -- commands ------------------------------------------------------------------------------
    @command("partner invite", "Offer to share a metric (or all) with one member, privately: they see it once they accept.",
             Param("member", P.MEMBER, "who, e.g. @bob"),
             Param("metric", P.METRIC, "a metric, or `all`", suggest=Suggest.METRICS_OR_ALL, pairs=True),
             Param("level", P.LEVEL, "trend (rough progress) or public (your numbers); private stops sharing it"))
    async def invite(self, inv: Invocation, member: str, metric: MetricChoice, level: str) -> Reply:
        wanted = parse_level(level)
        if wanted is Level.AGGREGATE:
            raise UserError(_(NO_AGGREGATE, trend=_(SHOWS[Level.TREND]), public=_(SHOWS[Level.PUBLIC])))
        metrics = metric.metrics
        keys = [m.key for m in metrics]
        by_key = {m.key: m for m in metrics}
        partner_id = await self._member(inv, member)
        if partner_id == inv.member_id:
            raise UserError(_(NOT_YOURSELF))
        if wanted is Level.PRIVATE:
            return await self._stop_sharing(inv, partner_id, member, keys)
        if partner_id is None:
            return Reply.text(_(NOT_SENT, who=_typed(member)), private=True)
        partner = await self._name(partner_id)
        await self.repo.lapse(inv.now)
        before = {g.metric: g for g in await self.repo.grants_between(inv.member_id, partner_id, include_pending=True)}
        refused = await self.repo.refusal(partner_id, inv.member_id) is not None
        if refused and not all(k in before and (before[k].status != ACTIVE and before[k].declined_at is not None
                                                or before[k].status == ACTIVE and wanted <= before[k].level)
                               for k in keys):
            # Declined or blocked: the same words as for someone unknown, so the inviter can't tell which.
            # (A declined invite still reads as unanswered until it lapses, below.)
            return Reply.text(_(NOT_SENT, who=_typed(member)), private=True)
        await self.repo.unrefuse(inv.member_id, partner_id)   # inviting someone lifts your own refusal of them
        new: list[str] = []
        wider: list[str] = []
        lowered: list[str] = []
        same: list[str] = []
        waiting: list[str] = []
        changed: list[str] = []
        for key in keys:
            old = before.get(key)
            if old is None:
                new.append(key)
            elif old.status != ACTIVE:
                # Asked already. A declined invite looks unanswered: nothing changes and nothing is sent.
                (changed if old.declined_at is None and old.asked_level != wanted else waiting).append(key)
            elif wanted > old.level:
                wider.append(key)
            elif wanted < old.level:
                lowered.append(key)
            else:
                same.append(key)
        for key in new + wider + lowered + changed:
            await self.repo.invite(inv.member_id, partner_id, key, wanted, inv.now)
        lines = []
        asked = new + changed + wider
        if asked:
            words = INVITE_TEXT if new or changed else WIDER_TEXT
            me = await self._external(inv.member_id)
            with i18n.using(await self.app.locale_for(Destination.private_to(inv.community_id, partner_id))):
                # The invite is in the invited member's language.
                offer = Reply(   # i18n: the buttons' commands are words typed, not read
                    lines=Reply.text(_(words, owner=inv.member_name, metrics=_metrics_words(asked, by_key),
                                       level=wanted.label, shows=_(SHOWS[wanted]),
                                       before=before[wider[0]].level.label if wider else "")).lines,
                    private=True, kind="partner-invite",
                    buttons=(Button(p_("button", "Accept"), "partner accept", (("member", me),), "primary"),
                             Button(p_("button", "Decline"), "partner decline", (("member", me),))))
            if not await self._tell(inv.community_id, partner_id, offer):
                for key in new:
                    await self.repo.remove(inv.member_id, partner_id, key)
                return Reply.text(_(NOT_SENT, who=_typed(member)), private=True)
        if waiting:
            until = min(_until(before[k]) for k in waiting)
            lines.append(_(ALREADY_ASKED, partner=partner, metrics=_metrics_words(waiting, by_key), until=until))
        if new or changed:
            lines.append(_(INVITED, partner=partner, metrics=_metrics_words(new + changed, by_key), level=wanted.label,
                                        shows=_(SHOWS[wanted]), days=INVITE_DAYS))
        if wider:
            lines.append(_(ASKED_WIDER, partner=partner, metrics=_metrics_words(wider, by_key), level=wanted.label,
                                            shows=_(SHOWS[wanted])))
        if lowered:
            lines.append(_(LOWERED, partner=partner, metrics=_metrics_words(lowered, by_key), level=wanted.label,
                                        shows=_(SHOWS[wanted])))
            edited, deleted = await self.app.take_back(inv.member_id, viewer_id=partner_id)
            if edited or deleted:
                lines.append(_taken_back(edited + deleted, deleted))
        if same and not lines:
            lines.append(_(ALREADY_SEES, partner=partner, metrics=_metrics_words(same, by_key), level=wanted.label))
        return Reply.text(*lines, private=True)

    async def _external(self, member_id: int) -> str:
        m = await self.s.community.member_by_id(member_id)
        return m.external_id if m else ""

    async def _stop_sharing(self, inv: Invocation, partner_id: int | None, ref: str, keys: list[str]) -> Reply:
        if partner_id is None:
            return Reply.text(_(UNKNOWN_MEMBER, who=_typed(ref)), private=True)
        partner = await self._name(partner_id)
        by_key = await self._metric_defs(inv.community_id)
        removed = 0
        for key in keys:
            removed += await self.repo.remove(inv.member_id, partner_id, key)
        if not removed:
            return Reply.text(_(NOTHING_TO_REMOVE, partner=partner, metrics=_metrics_words(keys, by_key)), private=True)
        lines = [_(REMOVED, partner=partner, metrics=_metrics_words(keys, by_key))]
        edited, deleted = await self.app.take_back(inv.member_id, viewer_id=partner_id)
        if edited or deleted:
            lines.append(_taken_back(edited + deleted, deleted))
        return Reply.text(*lines, private=True)

    async def _inviter(self, inv: Invocation, member: str | None) -> tuple[int | None, Reply | None]:
        """Whose invite the member answers: the one named, or the only one waiting."""
        waiting = await self.repo.invites_to(inv.member_id, inv.now)
        owners = list(dict.fromkeys(g.member_id for g in waiting))
        if member is None:
            if not owners:
                return None, Reply.text(_(NO_INVITES), private=True)
            if len(owners) > 1:
                names = ", ".join([f"`@{await self._name(o)}`" for o in owners])
                return None, Reply.text(_(WHICH_INVITE, names=names), private=True)
            return owners[0], None
        owner_id = await self._member(inv, member)
        if owner_id is None or owner_id not in owners:
            return None, Reply.text(_(NO_INVITE_FROM, owner=_typed(member)), private=True)
        return owner_id, None

    @command("partner accept", "Accept an invite: you see what that member offered, in a private weekly summary.",
             Param("member", P.MEMBER, "who invited you, e.g. @alice (not needed when only one did)", required=False))
    async def accept(self, inv: Invocation, member: str | None = None) -> Reply | list[Reply]:
        owner_id, answer = await self._inviter(inv, member)
        if answer is not None:
            return answer
        assert owner_id is not None  # _inviter answers when it found no inviter
        grants = await self.repo.accept(owner_id, inv.member_id, inv.now)
        if not grants:
            return Reply.text(_(NO_INVITES), private=True)
        owner = await self._name(owner_id)
        keys = [g.metric for g in grants]
        level = max(g.level for g in grants)
        by_key = await self._metric_defs(inv.community_id)
        with i18n.using(await self.app.locale_for(Destination.private_to(inv.community_id, owner_id))):
            told = Reply.text(_(ACCEPTED_OWNER, partner=inv.member_name, metrics=_metrics_words(keys, by_key),
                                level=level.label), private=True)   # in the inviter's language
        await self._tell(inv.community_id, owner_id, told)
        replies = [Reply.text(_(ACCEPTED, owner=owner, metrics=_metrics_words(keys, by_key)), private=True)]
        # The last week straight away (once: a period already released to them is not sent again).
        period = self.last_period(inv.now)
        if period is not None:
            await self.send_summary(owner_id, inv.member_id, period, skip_if_released=True)
        return replies

    @command("partner decline", "Decline an invite: nothing is shared, the member isn't told, and can't invite you again.",
             Param("member", P.MEMBER, "who invited you (not needed when only one did)", required=False))
    async def decline(self, inv: Invocation, member: str | None = None) -> Reply:
        owner_id, answer = await self._inviter(inv, member)
        if answer is not None:
            return answer
        assert owner_id is not None  # _inviter answers when it found no inviter
        await self.repo.decline(owner_id, inv.member_id, inv.now)
        await self.repo.refuse(inv.member_id, owner_id, DECLINED, inv.now)
        return Reply.text(_(DECLINED_TEXT, owner=await self._name(owner_id)), private=True)

    @command("partner block", "Stop a member from inviting you; ends anything between you (they aren't told).",
             Param("member", P.MEMBER, "who, e.g. @bob"))
    async def block(self, inv: Invocation, member: str) -> Reply:
        other_id = await self._member(inv, member)
        if other_id is None or other_id == inv.member_id:
            return Reply.text(_(BLOCK_UNKNOWN, who=_typed(member)), private=True)
        await self.repo.refuse(inv.member_id, other_id, BLOCKED, inv.now)
        await self.repo.end(inv.member_id, other_id, inv.now)
        await self._take_back_between(inv.member_id, other_id)
        return Reply.text(_(BLOCKED_TEXT, other=await self._name(other_id)), private=True)

    @command("partner unblock", "Let a member you blocked or declined invite you again.",
             Param("member", P.MEMBER, "who, e.g. @bob"))
    async def unblock(self, inv: Invocation, member: str) -> Reply:
        other_id = await self._member(inv, member)
        if other_id is None or not await self.repo.unrefuse(inv.member_id, other_id):
            return Reply.text(_(NOT_BLOCKED, other=_typed(member)), private=True)
        return Reply.text(_(UNBLOCKED, other=await self._name(other_id)), private=True)

    @command("partner end", "End a partnership, both ways, at any time: what was sent is taken back.",
             Param("member", P.MEMBER, "who (not needed when you have one partner)", required=False))
    async def end(self, inv: Invocation, member: str | None = None) -> Reply:
        other_id: int | None
        if member is None:
            others = await self._others(inv.member_id, inv.now)
            if not others:
                return Reply.text(_(NO_PARTNERS), private=True)
            if len(others) > 1:
                names = ", ".join([f"`@{await self._name(o)}`" for o in others])
                return Reply.text(_(WHICH_PARTNER, names=names), private=True)
            other_id = others[0]
        else:
            other_id = await self._member(inv, member)
            if other_id is None:
                return Reply.text(_(UNKNOWN_MEMBER, who=_typed(member)), private=True)
        if not await self.repo.end(inv.member_id, other_id, inv.now):
            return Reply.text(_(NOT_PARTNERS, other=await self._name(other_id)), private=True)
        edited, deleted = await self._take_back_between(inv.member_id, other_id)
        taken = _ended_taken_back(edited + deleted) if edited or deleted else ""
        return Reply.text(_(ENDED, other=await self._name(other_id), taken_back=taken), private=True)

    async def end_all(self, member_id: int) -> tuple[int, int]:
        """`mydata forget`: every partnership ends, and what either side was sent of the other is taken back."""
        edited = deleted = 0
        for other in {g.partner_id if g.member_id == member_id else g.member_id
                      for g in await self.repo.grants_involving(member_id)}:
            await self.repo.remove(member_id, other)
            await self.repo.remove(other, member_id)
            e, d = await self._take_back_between(member_id, other)
            edited, deleted = edited + e, deleted + d
        return edited, deleted

    async def _others(self, member_id: int, now: datetime) -> list[int]:
        """Everyone with a grant to or from the member, invites included (what `partner end` can end)."""
        out = []
        for g in await self.repo.grants_involving(member_id):
            if g.partner_id == member_id and g.declined_at is not None and g.status != ACTIVE:
                continue   # an invite they already said no to
            other = g.partner_id if g.member_id == member_id else g.member_id
            if other not in out:
                out.append(other)
        return out

    @command("partner", "Your accountability partners: who sees what of yours, and what you see of theirs.", lists=True)
    async def show(self, inv: Invocation) -> Reply:
        return await self.list_partners(inv)

    @command("partner list", "Your accountability partners: who sees what of yours, and what you see of theirs.", lists=True)
    async def list_partners(self, inv: Invocation) -> Reply:
        lines = await self.describe(inv.member_id, inv.now)
        if not lines:
            return Reply.text(_(NO_PARTNERS), private=True)
        return Reply.text(_(LIST_HEADER), *lines, _(LIST_FOOTER, when=self._when()), private=True)

    async def describe(self, member_id: int, now: datetime) -> list[str]:
        """One line per grant either way, the member's open invites, and whom they refused (for
        `partner list` and `mydata shared`). A declined invite of theirs reads as unanswered."""
        lines = []
        me = await self.s.community.member_by_id(member_id)
        by_key = await self._metric_defs(me.community_id) if me else {}
        mine = {g.id for g in await self.repo.asked_by(member_id, now)}
        to_me = {g.id for g in await self.repo.invites_to(member_id, now)}
        for g in await self.repo.grants_involving(member_id):
            until = _until(g)
            if g.member_id == member_id:
                partner = await self._name(g.partner_id)
                if g.status == ACTIVE and g.id in mine and g.asked_level is not None:
                    lines.append(_(LIST_YOU_SHARE_WIDER, partner=partner, metric=_metrics_words([g.metric], by_key), level=g.level.label,
                                                             asked=(g.asked_level or g.level).label))
                elif g.status == ACTIVE:
                    lines.append(_(LIST_YOU_SHARE, partner=partner, metric=_metrics_words([g.metric], by_key), level=g.level.label,
                                                       shows=_(SHOWS[g.level]) if g.level in SHOWS else ""))
                elif g.id in mine:
                    lines.append(_(LIST_YOU_ASKED, partner=partner, metric=_metrics_words([g.metric], by_key), asked=(g.asked_level or g.level).label,
                                                       until=until))
            else:
                owner = await self._name(g.member_id)
                if g.status == ACTIVE:
                    lines.append(_(LIST_YOU_SEE, owner=owner, metric=_metrics_words([g.metric], by_key), level=g.level.label))
                if g.id in to_me:
                    lines.append(_(LIST_ASKED_YOU, owner=owner, metric=_metrics_words([g.metric], by_key),
                                   asked=(g.asked_level or g.level).label))
        for other, _kind in await self.repo.refusals_by(member_id):
            lines.append(_(LIST_BLOCKED, other=await self._name(other)))
        return lines

    @command("partner view", "See the last weekly summary a partner shares with you (only you see it).",
             Param("member", P.MEMBER, "whose, e.g. @alice"))
    async def view(self, inv: Invocation, member: str) -> Reply:
        owner_id = await self._member(inv, member)
        if owner_id is None:
            return Reply.text(_(UNKNOWN_MEMBER, who=_typed(member)), private=True)
        owner = await self._name(owner_id)
        if not await self.repo.grants_between(owner_id, inv.member_id):
            return Reply.text(_(NOT_SHARED_WITH_YOU, owner=owner), private=True)
        # Released once: the last summary as it shows now, never a fresh computation.
        released = await self.s.posts.last_private_release(inv.member_id, _subject(owner_id))
        if released is None or not released.lines:
            return Reply.text(_(NO_SUMMARY_YET, owner=owner, when=self._when()), private=True)
        return Reply(released.lines, private=True, kind=KIND, subject=released.subject, requires_data=True, keep=True)

    # -- the weekly summary --------------------------------------------------------------------
    def _trigger(self) -> CronTrigger:
        c = self.s.config.checkins
        hour, minute = (int(x) for x in c.time.split(":"))
        return CronTrigger(day_of_week=c.weekday[:3], hour=hour, minute=minute, timezone=zone(c.timezone))

    async def schedules(self) -> list[Schedule]:
        grace = timedelta(hours=self.s.config.checkins.grace_hours)

        async def run(period: datetime) -> None:
            await self.send_weekly(period)

        # Periods before the first partnership have nothing to catch up on.
        since = await self.repo.first_accepted() or self.s.clock.now()
        return [Schedule(SUMMARY_JOB, self._trigger(), run, since, grace)]

    def last_period(self, now: datetime) -> datetime | None:
        """The latest scheduled summary time at or before ``now`` (what a new partner gets at once)."""
        trigger = self._trigger()
        start = now - timedelta(days=8)
        last, fire = None, trigger.get_next_fire_time(None, start)
        while fire is not None and fire <= now:
            last = fire
            fire = trigger.get_next_fire_time(fire, fire + timedelta(seconds=1))
        return last

    async def send_weekly(self, period: datetime) -> int:
        """Each partner's summary of each member who shares with them (run once per period by the run
        ledger). Returns how many were sent."""
        await self.repo.lapse(period)
        pairs = list(dict.fromkeys((g.member_id, g.partner_id) for g in await self.repo.active_grants()))
        sent = 0
        for owner_id, viewer_id in pairs:
            try:
                sent += await self.send_summary(owner_id, viewer_id, period)
            except Exception:
                log.exception("a partner summary failed")   # ids only in the log: never values
        return sent

    async def send_summary(self, owner_id: int, viewer_id: int, period: datetime, skip_if_released: bool = False) -> int:
        viewer = await self.s.community.member_by_id(viewer_id)
        if viewer is None:
            return 0
        here = Destination.private_to(viewer.community_id, viewer_id)
        with i18n.using(await self.app.locale_for(here)):   # in the recipient's language
            reply = await self.build_summary(owner_id, viewer_id, period)
        if reply is None:
            return 0
        if skip_if_released:
            last = await self.s.posts.last_private_release(viewer_id, _subject(owner_id))
            if last is not None and last.subject == reply.subject:
                return 0
        delivery = await self.app.publish(reply, here)
        return 1 if delivery is not None else 0

    async def build_summary(self, owner_id: int, viewer_id: int, period: datetime) -> Reply | None:
        """The member's week for one partner: one Fact per granted metric with entries that week; the
        gate shows each at the granted level. None when there is nothing to show (nothing is sent)."""
        grants = await self.repo.grants_between(owner_id, viewer_id)
        owner = await self.s.community.member_by_id(owner_id)
        if not grants or owner is None:
            return None
        by_key = {m.key: m for m in await self.s.catalogue.metrics(owner.community_id)}
        keys = [g.metric for g in grants if g.metric in by_key]
        last = local_date(period, owner.timezone)
        week = Week(last - timedelta(days=6), last)
        series = await self.s.entries.series_for_members([owner_id], [k for key in keys for k in by_key[key].series_keys()],
                                                         week.first - timedelta(days=STREAK_LOOKBACK), last)
        goals = await self.s.goals.for_members([owner_id])
        back = days_back(last, STREAK_LOOKBACK)
        lines = [Line((Text(_(SUMMARY_HEADER, owner=owner.display_name, week=week.label())),))]
        for key in keys:
            metric = by_key[key]
            if metric.paired:
                parts = [[(d.isoformat(), v) for d, v in series.get((owner_id, k), [])] for k in metric.series_keys()]
                fact = _pair_weekly_fact(owner_id, metric, parts, week, back)
                if fact is not None:
                    lines.append(Line((fact,)))
                continue
            points = [(d.isoformat(), v) for d, v in series.get((owner_id, key), [])]
            fact = _weekly_fact(owner_id, metric, points, week, goals.get((owner_id, key)), back)
            if fact is not None:
                lines.append(Line((fact,)))
        if len(lines) == 1:
            return None
        return Reply(tuple(lines), private=True, kind=KIND, subject=f"{_subject(owner_id)}{week.first.isoformat()}",
                     requires_data=True, keep=True)


def _weekly_fact(owner_id: int, metric: MetricDef, points: list[tuple[str, float]], week: Week, goal: float | None,
                 back: list[str]) -> Fact | None:
    """One metric's week as a Fact: the numbers for `public`, banded relative facts for `trend`. No
    count of days logged: a partner is never told on how many days someone did not log."""
    first = week.first.isoformat()
    prev_first = (week.first - timedelta(days=7)).isoformat()
    this = [v for d, v in points if d >= first]
    if not this:
        return None
    prev = [v for d, v in points if prev_first <= d < first]
    figure, before = weekly_figure(metric, this), weekly_figure(metric, prev)
    assert figure is not None  # `this` is not empty (checked above)
    change = change_text(before, figure)
    pct = goal_percent(metric, figure, goal)
    run = streak_of(points, back)
    streak = None
    if run >= 3:
        streak = _(STREAK_LONG if run >= STREAK_LOOKBACK else STREAK, days=run)
    exact = [w for w in (change, streak, _(GOAL_PCT, pct=pct) if pct is not None else None) if w]
    value = _(VALUE_SUMMED if summed(metric) else VALUE_AVERAGE, value=format_quantity(metric, figure))
    public = (_(SUMMARY_LINE_PUBLIC, metric=metric.term, value=value, facts=", ".join(exact)) if exact
              else _(SUMMARY_LINE_PUBLIC_BARE, metric=metric.term, value=value))
    relative = [Relative("change", "vs last week", before, figure)]   # i18n: the gate translates it (bot.disclosure)
    if streak:
        relative.append(Relative("count", streak))
    if pct is not None:
        relative.append(Relative("share", "goal", float(pct)))
    if change is None and streak is None and pct is None:
        relative.append(Relative("count", _(LOGGED)))
    return Fact.of(owner_id, metric.key, public=public, relative=tuple(relative), prefix=f"{metric.term}: ")


def _pair_weekly_fact(owner_id: int, metric: MetricDef, parts: list[list[tuple[str, float]]], week: Week,
                      back: list[str]) -> Fact | None:
    """A pair's week for a partner: ``bp: 127/79 mmHg average (systolic ↓3%, diastolic ↓13% vs last week)``
    at `public`; at `trend` each part's change in bands. Never a goal (a pair's goal is the member's own)."""
    first = week.first.isoformat()
    prev_first = (week.first - timedelta(days=7)).isoformat()
    this = [[v for d, v in points if d >= first] for points in parts]
    if not all(this):
        return None
    prev = [[v for d, v in points if prev_first <= d < first] for points in parts]
    figure = tuple(fmean(values) for values in this)
    before = [fmean(values) if values else None for values in prev]
    change = pair_change_text(metric, before, figure)
    run = streak_of(parts[0], back)
    streak = (_(STREAK_LONG if run >= STREAK_LOOKBACK else STREAK, days=run)) if run >= 3 else None
    exact = [w for w in (change, streak) if w]
    value = _(VALUE_AVERAGE, value=format_pair(metric, figure))
    public = (_(SUMMARY_LINE_PUBLIC, metric=metric.term, value=value, facts=", ".join(exact)) if exact
              else _(SUMMARY_LINE_PUBLIC_BARE, metric=metric.term, value=value))
    relative = list(pair_relatives(metric, before, figure))
    if streak:
        relative.append(Relative("count", streak))
    if change is None and streak is None:
        relative.append(Relative("count", _(LOGGED)))
    return Fact.of(owner_id, metric.key, public=public, relative=tuple(relative), prefix=f"{metric.term}: ")


def _typed(ref: str) -> str:
    """A member name as typed, safe to echo (no mentions, markup or control characters)."""
    return safe_name(ref.lstrip("@"))


def _subject(owner_id: int) -> str:
    return f"partner:{owner_id}:"


def _until(g: Grant) -> str:
    when = g.asked_at or g.created_at
    try:
        return (datetime.fromisoformat(when) + timedelta(days=INVITE_DAYS)).date().isoformat()
    except ValueError:
        return ""
