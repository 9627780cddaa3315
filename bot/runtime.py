"""The runtime: one path from a command to the members who see its answer.

    Inbound ──> parse against the spec ──> permission check ──> cog handler ──> Reply
    Reply ──> privacy gate ──> Delivery ──> transport sends it ──> post ledger

Scheduled jobs use :meth:`PeerPulse.publish`, the same gate and ledger. Nothing else can put member
data into a channel.

Language (bot.vocabulary.i18n): a handler runs in the member's language, so its private replies and errors are
written in it; what a handler writes for the channel it writes inside ``i18n.using(inv.channel_locale)``.
Each delivery is released in the language it was written in, and the ledger keeps that language, so
a take-back edits a post in the words it was posted in.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar

from bot.adapters.base import DeliveryFailed, Inbound, Target, Transport
from bot.cog import Cog
from bot.commands import CommandSpec, Invocation, MetricChoice, ParamType, Registry, Suggest, convert, parse_text, refuse_pair
from bot.gate import Delivery
from bot.imports.records import Upload
from bot.scheduler import Run, current_run
from bot.services import Services
from bot.vocabulary import i18n
from bot.vocabulary.clock import FakeClock
from bot.vocabulary.errors import PermissionDenied, UserError
from bot.vocabulary.i18n import _, p_
from bot.vocabulary.levels import Level
from bot.vocabulary.metrics import means_all
from bot.vocabulary.reply import Destination, Reply, without_member
from bot.vocabulary.text import quoted
from storage.community import safe_name
from storage.run_sends import SENDING, PendingPost, RunSend

log = logging.getLogger(__name__)

CONFIRM_WINDOW = timedelta(minutes=5)
C = TypeVar("C", bound=Cog)   # a cog class, for PeerPulse.cog
HERE = ("here", "this")   # a channel parameter naming the channel the command was typed in


@dataclass
class _Pending:
    spec: CommandSpec
    args: dict[str, Any]
    expires: Any
    # Words `confirm` may be followed by, each with the arguments it changes (`confirm replace`).
    choices: dict[str, dict[str, Any]] = field(default_factory=dict)


class PeerPulse:
    def __init__(self, services: Services, cog_classes: Iterable[type[Cog]]):
        self.services = services
        self.registry = Registry()
        self.cogs: list[Cog] = [cls(services, self) for cls in cog_classes]
        for cog in self.cogs:
            self.registry.add_cog(cog)
            for repo in cog.member_data():
                services.add_member_data(repo)
            services.scheduler.add_provider(cog.schedules)
        self.transports: dict[str, Transport] = {}
        services.scheduler.settle = self.settle_run
        services.scheduler.serves = self.serves
        self._pending: dict[int, _Pending] = {}

    def cog(self, cls: type[C]) -> C:
        """The running instance of a cog class (operator tools and benchmarks call into one directly)."""
        return next(c for c in self.cogs if isinstance(c, cls))

    async def start(self) -> None:
        """Start background services once transports are attached. The scheduler fires by itself
        only on a real clock; a fake clock (console, tests) moves through :meth:`advance_clock`."""
        for cog in self.cogs:
            await cog.start()
        await self.services.scheduler.start(live=not isinstance(self.services.clock, FakeClock))

    async def stop(self) -> None:
        await self.services.scheduler.stop()
        for cog in reversed(self.cogs):
            await cog.stop()
        self.services.renderer.close()
        await self.services.db.close()

    def attach(self, transport: Transport) -> None:
        self.transports[transport.platform] = transport

    # -- commands ------------------------------------------------------------------------------
    async def handle(self, inbound: Inbound, reply_via: Transport | None = None) -> list[Delivery]:
        """Run one command from a member and send what the gate releases. Never raises."""
        transport = reply_via or self.transports[inbound.platform]
        try:
            inv = await self._invocation(inbound, reply_via)
        except UserError as exc:
            # The member's language is unknown without their row: the platform's, else the config default.
            # The community, channel or member could not be recorded (the database is busy or full):
            # there is no member row to address yet, so answer by the platform address the message came from.
            log.info("refused an inbound message: %s", type(exc).__name__)
            with i18n.using(i18n.normalize(inbound.locale) or i18n.normalize(self.services.config.language)):
                await self._answer_unrecorded(inbound, transport, exc.message)
            return []
        with i18n.using(inv.locale):   # the handler writes in the member's language (bot.vocabulary.i18n)
            return await self._handle(inbound, inv, transport)

    async def _handle(self, inbound: Inbound, inv: Invocation, transport: Transport) -> list[Delivery]:
        spec = None
        # Resolved before the handler runs, so a member who just deleted everything still gets the answer.
        own_target = await self.target(Destination.private_to(inv.community_id, inv.member_id, inv.channel_id))
        try:
            spec, args = self._parse(inbound)
            if not spec.permission.allows(inv.is_moderator, self.services.config):
                raise PermissionDenied(_(spec.permission.refusal, command=spec.name))
            if spec.needs_channel and inv.channel_id is None:
                raise UserError(_("Use `{command}` in the channel it is about, not in a direct message.",
                                  command=spec.name))
            if spec.confirm and not inv.confirmed:
                self._pending[inv.member_id] = _Pending(spec, args, inv.now + CONFIRM_WINDOW)
                replies = [Reply.text(_("{what} Type `confirm` within 5 minutes to go ahead, or `cancel`.",
                                        what=_(spec.confirm)), private=True)]
            else:
                assert spec.handler is not None  # the registry holds only specs bound to a cog's method
                result = await spec.handler(inv, **await self._converted(spec, args, inv))
                replies = _as_replies(result)
        except UserError as exc:
            replies = [Reply.text(exc.message, private=True)]
        except Exception:
            # Log the command's name only: arguments may hold members' values.
            log.exception("command %s failed", spec.name if spec else "?")
            replies = [Reply.text(_("Sorry, something went wrong on my side. Nothing you typed was lost; please try "
                                    "again."), private=True)]
        # The command's name only: its arguments may hold members' values.
        log.debug("%s command %s answered (replies: %d)", inbound.platform, spec.name if spec else "?", len(replies))
        sent = []
        failed: list[str] = []
        for reply in replies:
            private = reply.private if reply.private is not None else (spec.private if spec else True)
            if inv.channel_id is None:
                private = True
            if failed and private:
                continue   # it would confirm the post that just failed; the member was told about the failure
            destination = (Destination.private_to(inv.community_id, inv.member_id, inv.channel_id)
                           if private or inv.channel_id is None   # no channel: private, as set above
                           else Destination.channel(inv.community_id, inv.channel_id))
            delivery = await self.publish(reply, destination, transport, tell_on_failure=inv.member_id,
                                          target=own_target if private else None, failures=failed,
                                          locale=inv.locale if private else inv.channel_locale)
            if delivery is not None:
                sent.append(delivery)
        return sent

    async def _answer_unrecorded(self, inbound: Inbound, transport: Transport, text: str) -> None:
        # A plain text holds no member data, so the gate needs no real ids to release it.
        delivery = await self.services.gate.release(Reply.text(text, private=True), Destination.private_to(0, 0))
        target = Target("member", inbound.member_external_id, safe_name(inbound.member_name),
                        inbound.community_external_id, inbound.channel_external_id)
        try:
            await transport.send(target, delivery)
        except (DeliveryFailed, UserError) as exc:
            log.warning("could not answer an unrecorded member: %s", type(exc).__name__)

    def _parse(self, inbound: Inbound) -> tuple[CommandSpec, dict[str, Any]]:
        if inbound.command is not None:
            spec = self.registry.get(inbound.command)
            if spec is None:
                raise UserError(_("I don't know `{command}`.", command=inbound.command))
            return spec, _bind_named(spec, inbound.arguments or {})
        return parse_text(self.registry, inbound.text or "")

    async def _invocation(self, inbound: Inbound, reply_via: Transport | None = None) -> Invocation:
        """``reply_via``: the transport that answers this one command (Discord's interaction), which also
        shows its progress (it edits the command's own private response)."""
        s = self.services
        now = s.clock.now()
        community_id = await s.community.community(inbound.platform, inbound.community_external_id, inbound.community_name)
        channel_id = None
        if inbound.channel_external_id is not None:
            channel_id = (await s.community.channel(community_id, inbound.channel_external_id, inbound.channel_name)).id
        member = await s.community.member(community_id, inbound.member_external_id, inbound.member_name, now)
        transport = self.transports.get(inbound.platform)

        async def resolve_channel(ref: str) -> int:
            if ref.strip().lower() in HERE:
                if channel_id is None:
                    raise UserError(_("`here` means the channel you type in; in a direct message, name the channel."))
                return channel_id
            resolver = getattr(transport, "resolve_channel", None)
            if resolver is None:
                raise UserError(_("Channels can't be named here."))
            external_id, name = await resolver(inbound.community_external_id, ref)
            return (await s.community.channel(community_id, external_id, name)).id

        async def resolve_member(ref: str) -> int | None:
            resolver = getattr(transport, "resolve_member", None)
            external_id = resolver(ref) if resolver is not None else None
            if external_id is None:
                return None
            return await s.community.member_id_by_external(community_id, external_id)

        channel_locale = await s.languages.for_community(community_id)
        locale = await s.languages.for_member(member.id, community_id, inbound.locale)
        return Invocation(community_id, channel_id, member.id, member.display_name, inbound.is_moderator, now,
                          inbound.platform, inbound.confirmed, resolve_channel, resolve_member, locale, channel_locale,
                          upload=inbound.upload, progress_to=self._progress_to(community_id, member.id, channel_id,
                                                                                reply_via or transport))

    def _progress_to(self, community_id: int, member_id: int, channel_id: int | None, transport: Transport | None):
        """How a long command tells its member how it is getting on: a private text through the gate, to
        the platform's ``progress`` (one message edited in place), where the platform has one."""
        shower = getattr(transport, "progress", None)
        if shower is None:
            return None

        async def show(text: str) -> None:
            destination = Destination.private_to(community_id, member_id, channel_id)
            target = await self.target(destination)
            if target is None:
                return
            delivery = await self.services.gate.release(Reply.text(text, private=True), destination)
            try:
                await shower(target, delivery)
            except DeliveryFailed as exc:   # progress is a courtesy: the command goes on without it
                log.info("could not show progress: %s", exc.reason)
        return show

    def ask(self, inv: Invocation, command: str, args: dict[str, Any], choices: dict[str, dict[str, Any]] | None = None,
            window: timedelta = CONFIRM_WINDOW) -> None:
        """A handler that shows what it would do (an import's preview) waits for `confirm` like a
        destructive command does: `confirm` runs ``command`` again with ``args`` and ``inv.confirmed``;
        `confirm <word>` with one of ``choices`` runs it with that choice's arguments instead."""
        spec = self.registry.get(command)
        assert spec is not None and spec.handler is not None, command
        self._pending[inv.member_id] = _Pending(spec, dict(args), inv.now + window, dict(choices or {}))

    async def confirm(self, inv: Invocation, choice: str | None = None) -> Any:
        pending = self._pending.get(inv.member_id)
        if pending is None or pending.expires < inv.now:
            self._pending.pop(inv.member_id, None)
            raise UserError(_("There is nothing waiting for your confirmation."))
        args = dict(pending.args)
        if choice:
            typed = choice.strip().lower()
            word = next((w for w in pending.choices if typed in (w, p_("choice", w).lower())), typed)
            if word not in pending.choices:
                offered = ", ".join(f"`{p_('command', 'confirm')} {p_('choice', w)}`" for w in pending.choices)
                raise UserError(_("`confirm` takes no word here.") if not offered else
                                _("I can go ahead with `confirm` or {offered}.", offered=offered))
            args.update(pending.choices[word])
        del self._pending[inv.member_id]
        inv.confirmed = True
        assert pending.spec.handler is not None  # pending specs come from the registry: always bound
        return await pending.spec.handler(inv, **await self._converted(pending.spec, args, inv))

    async def _converted(self, spec: CommandSpec, args: dict[str, Any], inv: Invocation) -> dict[str, Any]:
        """The spec's converters: a metric's name becomes its MetricDef (or a MetricChoice where `all`
        is allowed), a channel reference the channel's id. Unknown names are a friendly UserError."""
        out = dict(args)
        catalogue = self.services.catalogue
        for p in spec.params:
            value = out.get(p.name)
            if p.type is ParamType.FILE:
                out[p.name] = _uploaded(inv, value)
                continue
            if p.raw or not isinstance(value, str):
                continue
            if p.type is ParamType.METRIC and p.suggestions is Suggest.METRICS_OR_ALL:
                metrics = await catalogue.resolve_many(inv.community_id, value)
                everything = means_all(value)
                if not p.pairs:
                    if not everything:
                        refuse_pair(spec.name, metrics[0])
                    metrics = [m for m in metrics if not m.paired]
                out[p.name] = MetricChoice(everything, tuple(metrics))
            elif p.type is ParamType.METRIC:
                out[p.name] = metric = await catalogue.resolve(inv.community_id, value)
                if not p.pairs:
                    refuse_pair(spec.name, metric)
            elif p.type is ParamType.CHANNEL:
                out[p.name] = await inv.channel_from(value)
        return out

    def cancel(self, member_id: int) -> bool:
        return self._pending.pop(member_id, None) is not None

    # -- output --------------------------------------------------------------------------------
    async def publish(self, reply: Reply, destination: Destination, transport: Transport | None = None,
                      tell_on_failure: int | None = None, target: Target | None = None,
                      failures: list[str] | None = None, locale: str | None = None) -> Delivery | None:
        """Gate a reply for one destination, send it, and record channel posts (and private posts that
        show someone else's data, ``kept_private``) in the ledger. A post
        the platform refused is reported to ``tell_on_failure`` once and its reason added to ``failures``.
        ``locale`` is the language the reply was written in (None: the destination's, see :meth:`locale_for`).

        Inside a scheduled run (bot.scheduler.current_run) each send is recorded before the platform is
        asked, and a retaken run sends nothing twice: what was sent is skipped, what was on its way
        when the process died is looked for on the platform (:meth:`_reconcile`)."""
        s = self.services
        run = current_run.get()
        send_key = run.next_send(_destination_key(destination)) if run is not None else ""
        if run is not None:
            prior = await s.sends.get(run.job, run.period, send_key)
            if prior is not None and (prior.state != SENDING or await self._reconcile(prior, destination)):
                if not destination.is_private:
                    run.channel_posting()
                return None   # this run sent it (or the platform refused it) before the process died
        locale = locale or await self.locale_for(destination)
        delivery = await s.gate.release(reply, destination, locale=locale)
        target = None if delivery.is_empty else target or await self.target(destination)
        transport = None if target is None else transport or self._transport(await self._platform(destination.community_id))
        if transport is None:
            if target is not None:
                log.warning("no transport for community %s", destination.community_id)
            if run is not None and not destination.is_private:
                run.channel_posting()   # nothing to post: the runs due after it need not wait for it
            return None
        assert target is not None
        ledgered = not destination.is_private or delivery.kept_private
        disclosures = [(d.member_id, d.metric, d.level) for d in delivery.disclosures]
        send = None
        if run is not None and not destination.is_private:
            # Runs due together hand their channel posts over in due order (bot.run_slots); the post is
            # built and drawn already, so it waits here, not the chart workers.
            await run.channel_turn()
        if run is not None:
            # The ledger knows of the post before the channel shows it (its ids come after the send).
            fingerprint = getattr(transport, "fingerprint", None)
            pending = (PendingPost(destination.channel_id, delivery.shown, s.clock.now(), tuple(image_hashes(delivery)),
                                   destination.viewer_id if destination.is_private else None) if ledgered else None)
            send = await s.sends.begin(run.job, run.period, send_key, fingerprint(target, delivery) if fingerprint else "",
                                       disclosures, _wall(), pending,
                                       member_id=destination.viewer_id if destination.is_private else None)
        if run is not None and not destination.is_private:
            run.channel_posting()
        try:
            message_id = await transport.send(target, delivery)
        except DeliveryFailed as exc:
            if send is not None:
                await s.sends.refused(send)
            log.warning("could not post to %s %s: %s", target.kind, target.external_id, exc.reason)
            if failures is not None:
                failures.append(exc.reason)
            if tell_on_failure is not None and not destination.is_private:
                own = Destination.private_to(destination.community_id, tell_on_failure)
                with i18n.using(await self.locale_for(own)):
                    note = Reply.text(_("I couldn't post in #{channel}: {reason}. Nothing was lost.",
                                        channel=target.name, reason=exc.told()), private=True)
                    await self.publish(note, own, transport)
            return None
        if message_id is not None and ledgered:
            if destination.is_private:
                log.info("sent %s privately to member %s", reply.kind, destination.viewer_id)
            else:
                log.info("posted %s in channel %s", reply.kind, destination.channel_id)   # one line per channel post
        if send is not None:
            await s.sends.sent(send, message_id if ledgered else None)
        elif message_id is not None and ledgered:
            # The ledger keeps the released form: what the post showed, never the values behind it. A
            # private message showing someone else's data (a partner's summary) is a post like any other.
            await s.posts.record(destination.channel_id, message_id, delivery.shown, disclosures, s.clock.now(),
                                 images=image_hashes(delivery),
                                 viewer_id=destination.viewer_id if destination.is_private else None)
        return delivery

    async def _reconcile(self, send: RunSend, destination: Destination) -> bool:
        """A send whose process died while the platform was asked: True when the platform has it (the
        ledger then gets its ids, and the post is brought in line with today's settings, which may have
        narrowed since); False when it has no trace of it (it is forgotten, to be sent afresh)."""
        s = self.services
        target = await self.target(destination)
        transport = self._transport(await self._platform(destination.community_id))
        finder = getattr(transport, "find_sent", None)
        handle = None
        if target is not None and finder is not None and send.fingerprint:
            try:
                handle = await finder(target, send.fingerprint, send.started_at)
            except DeliveryFailed as exc:
                log.warning("could not look for %s on the platform: %s", send.destination, exc.reason)
        if handle is None:
            log.warning("%s of %s %s: no trace on the platform%s", send.destination, send.job, send.period,
                        "" if finder is not None else " (it can't be searched); sending it again")
            await s.sends.abandon(send)
            return False
        log.warning("%s of %s %s reached the platform before the process died: not sent again",
                    send.destination, send.job, send.period)
        await s.sends.sent(send, handle)
        if send.post_id is not None:
            post = await s.posts.get(send.post_id)
            if post is not None:
                await self._rerender([post], None, as_sent={post.id: send.disclosures})
        return True

    async def settle_run(self, run: Run) -> None:
        """A run a dead process left past its grace window is not run again, but what it had on its
        way is settled: found on the platform (and recorded), or forgotten (bot.scheduler)."""
        for send in await self.services.sends.in_flight(run.job, run.period):
            destination = _destination_of_key(send.destination)
            if destination is not None:
                await self._reconcile(send, destination)

    def _transport(self, platform: str | None) -> Transport | None:
        return self.transports.get(platform or "")

    async def locale_for(self, destination: Destination) -> str:
        """The language a destination reads: a channel its community's, a member their own (bot.vocabulary.i18n).
        Scheduled posts write their words inside ``i18n.using(await app.locale_for(destination))``."""
        languages = self.services.languages
        if destination.is_private:
            return await languages.for_member(destination.viewer_id, destination.community_id)
        return await languages.for_community(destination.community_id)

    async def message_link(self, channel_id: int, message_id: str) -> str:
        """How a member finds a post again: the platform's link where it has one, else its number."""
        channel = await self.services.community.channel_by_id(channel_id)
        transport = self._transport(await self._platform(channel.community_id)) if channel else None
        linker = getattr(transport, "message_link", None)
        return linker(channel.external_id, message_id) if linker and channel else _("message {id}", id=message_id)

    async def serves(self, channel_ids: list[int]) -> set[int]:
        """The channels this process reaches without asking their platform where they are: on Discord,
        those whose guild is on one of this process's shards (bot.scheduler runs those first)."""
        channels = await self.services.community.channels_by_ids(channel_ids)
        served = {c for c in channel_ids if c not in channels}   # gone: nobody is better placed
        for channel_id, channel in channels.items():
            here = getattr(self._transport(await self._platform(channel.community_id)), "serves", None)
            if here is None or here(channel.external_id):
                served.add(channel_id)
        return served

    async def _platform(self, community_id: int) -> str | None:
        address = await self.services.community.community_address(community_id)
        return address[0] if address else None

    async def target(self, destination: Destination) -> Target | None:
        s = self.services
        address = await s.community.community_address(destination.community_id)
        if address is None:
            return None
        community = (address[1],)
        channel = await s.community.channel_by_id(destination.channel_id) if destination.channel_id else None
        if destination.is_private:
            assert destination.viewer_id is not None  # that is what is_private means
            member = await s.community.member_by_id(destination.viewer_id)
            if member is None:
                return None
            return Target("member", member.external_id, member.display_name, community[0],
                          channel.external_id if channel else None)
        if channel is None:
            return None
        return Target("channel", channel.external_id, channel.name, community[0])

    # -- time ----------------------------------------------------------------------------------
    async def advance_clock(self, clock, when) -> None:
        """Move a fake clock forward; scheduled work that falls due on the way runs in order."""
        await self.services.scheduler.advance(clock, when)

    # -- taking back ---------------------------------------------------------------------------
    async def take_back(self, member_id: int, channel_id: int | None = None, remove: bool = False,
                        kind: str | None = None, viewer_id: int | None = None,
                        post_ids: set[int] | None = None) -> tuple[int, int]:
        """Re-render every live post holding the member's data with today's settings (never more than
        the post showed), then edit it in place or delete it when nothing is left. ``remove`` takes the
        member out entirely (left a check-in or challenge, forgot their data); ``viewer_id`` limits it
        to the private posts sent to one member (a partnership changed); ``post_ids`` to those posts
        (an undone log's shared milestone). Returns (edited, deleted)."""
        posts = [p for p in await self.services.posts.live_posts_with(member_id, channel_id, viewer_id)
                 if (kind is None or p.kind == kind) and (post_ids is None or p.id in post_ids)]
        return await self._rerender(posts, member_id if remove else None)

    async def take_back_channel(self, channel_id: int) -> tuple[int, int]:
        """After a moderator narrows a channel rule, its earlier posts are brought in line with it."""
        return await self._rerender(await self.services.posts.live_posts_in(channel_id), None)

    async def _rerender(self, posts, removed_member: int | None,
                        as_sent: dict[int, tuple[tuple[int, str, Level], ...]] | None = None) -> tuple[int, int]:
        """``as_sent``: what a post really showed when the ledger row may say less (a post found on the
        platform after a crash, recorded before a member narrowed or forgot)."""
        s = self.services
        edited = deleted = 0
        for post in posts:
            destination = await self._post_destination(post)
            if destination is None:
                continue
            shown = as_sent.get(post.id) if as_sent else None
            ceiling = ({(m, metric): lv for m, metric, lv in shown} if shown is not None
                       else await self._ceiling(post.id))
            source = post.reply
            if removed_member is not None:
                source = without_member(post.reply, removed_member)
                ceiling = {k: v for k, v in ceiling.items() if k[0] != removed_member}
            # First find out whether anything changes, without drawing charts (a rule change touches
            # every post in a channel); draw only for the posts that really need an edit.
            # A post keeps the language it was written in (its released form records it; one written
            # before languages existed is English): its words stay as they were, only what shows shrinks.
            new = await s.gate.release(source, destination, ceiling, render=False, locale=i18n.SOURCE)
            old = {(d[0], d[1]): d[2] for d in (shown if shown is not None else await self._disclosures(post.id))}
            now = {(d.member_id, d.metric): d.level for d in new.disclosures}
            if now == old:
                continue
            if not (new.is_empty or not new.disclosures):
                new = await s.gate.release(source, destination, ceiling, locale=i18n.SOURCE)
            target = await self.target(destination)
            transport = self.transports.get(await self._platform(destination.community_id) or "")
            try:
                if new.is_empty or not new.disclosures:
                    if transport and target:
                        await transport.delete(target, post.platform_message_id)
                    await s.posts.mark_deleted(post.id)
                    deleted += 1
                else:
                    new_id = None
                    images = image_hashes(new)
                    # Equal specs draw equal bytes, so an unchanged chart has an unchanged hash: the edit
                    # then changes the words only and the platform keeps the image it already shows.
                    keep_images = bool(images) and images == list(post.images)
                    if transport and target:
                        new_id = await transport.edit(target, post.platform_message_id, new, keep_images=keep_images)
                    await s.posts.update(post.id, new.shown,
                                         [(d.member_id, d.metric, d.level) for d in new.disclosures], new_id, images)
                    edited += 1
            except DeliveryFailed as exc:
                # The channel or message is gone: nothing is shown any more, so the ledger forgets it too.
                log.warning("take-back could not reach post %s: %s", post.id, exc.reason)
                await s.posts.mark_deleted(post.id)
                deleted += 1
        return edited, deleted

    async def _post_destination(self, post) -> Destination | None:
        """Who a post in the ledger was for: its channel, or the one member a private post went to."""
        s = self.services
        if post.viewer_id is not None:
            viewer = await s.community.member_by_id(post.viewer_id)
            return None if viewer is None else Destination.private_to(viewer.community_id, viewer.id)
        channel = await s.community.channel_by_id(post.channel_id)
        return None if channel is None else Destination.channel(channel.community_id, channel.id)

    async def last_release(self, channel_id: int, subject: str) -> Reply | None:
        """What was last posted about ``subject`` in a channel, as it shows now: on-demand views show
        this rather than a fresh computation (DESIGN 2.1, released once)."""
        return await self.services.posts.last_release(channel_id, subject)

    async def _disclosures(self, post_id: int) -> list[tuple[int, str, Level]]:
        return await self.services.posts.disclosures(post_id)

    async def _ceiling(self, post_id: int) -> dict[tuple[int, str], Level]:
        return {(m, metric): lv for m, metric, lv in await self._disclosures(post_id)}


def _destination_key(destination: Destination) -> str:
    """Where a send goes, as the run's send ledger names it (read back by :func:`_destination_of_key`)."""
    if destination.is_private:
        return f"member:{destination.community_id}:{destination.viewer_id}:{destination.channel_id or '-'}"
    return f"channel:{destination.community_id}:{destination.channel_id}"


def _destination_of_key(key: str) -> Destination | None:
    parts = key.split("#", 1)[0].split(":")
    try:
        if parts[0] == "channel" and len(parts) == 3:
            return Destination.channel(int(parts[1]), int(parts[2]))
        if parts[0] == "member" and len(parts) == 4:
            return Destination.private_to(int(parts[1]), int(parts[2]), None if parts[3] == "-" else int(parts[3]))
    except ValueError:
        pass
    return None


def _wall() -> datetime:
    """Real time: when the platform was asked, as the platform's own clock sees it (for the search)."""
    return datetime.now(UTC)


def image_hashes(delivery: Delivery) -> list[str]:
    """What identifies a message's pictures: the sha256 of each image's bytes, in order."""
    return [hashlib.sha256(a.data).hexdigest() for a in delivery.attachments if a.mime.startswith("image/")]


def _as_replies(result: Any) -> list[Reply]:
    if result is None:
        return []
    if isinstance(result, Reply):
        return [result]
    return [r for r in result if r is not None]


def _bind_named(spec: CommandSpec, arguments: dict[str, Any]) -> dict[str, Any]:
    """Pre-parsed arguments (Discord options) go through the same conversions as typed text."""
    out: dict[str, Any] = {}
    for param in spec.params:
        value = arguments.get(param.name)
        if value is None or value == "":
            if param.required:
                raise UserError(_("Missing `{name}`. Usage: `{usage}`", name=param.label, usage=spec.usage()))
            continue
        out[param.name] = convert(param, str(value))   # the same checks (types, ranges) as typed text
    return out


def _uploaded(inv: Invocation, value: Any) -> Upload | None:
    """A FILE parameter: the file the adapter saved from the member's message; on the console (the
    operator's own machine) a path. Text never names a file on a chat platform: `!pp import /etc/passwd`
    in a Matrix room must not read the bot's own disk."""
    if inv.upload is not None:
        return inv.upload
    if isinstance(value, Upload):
        return value
    if inv.platform == "console" and isinstance(value, str) and value:
        path = Path(value)
        try:
            return Upload(path, path.name, path.stat().st_size) if path.is_file() else _no_file(value)
        except (OSError, ValueError):   # a name the system can't take (a NUL byte, too long)
            return _no_file(value)
    return None


def _no_file(value: str) -> Upload:
    raise UserError(_("There is no file at {path}.", path=quoted(value)))
