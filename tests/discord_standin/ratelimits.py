"""Discord's REST rate limits, as https://discord.com/developers/docs/topics/rate-limits documents them,
for the stand-in (``DiscordStandIn(rate_limits=RateLimits())``; off by default so other tests keep
their speed).

* **Global**: at most ``global_limit`` requests (50) in any ``global_per`` seconds (1 s) per bot token,
  a sliding window over the requests the stand-in accepted. Interaction callbacks and webhook
  followups (token-authenticated) are not bound by it, as on Discord.
* **Per route**: each route has a bucket per *major parameter* (channel, guild, webhook), a fixed
  window that starts with the first request and refills after ``per`` seconds. Every answer carries
  ``X-RateLimit-Limit``, ``-Remaining``, ``-Reset`` (epoch seconds), ``-Reset-After`` (seconds, float)
  and ``-Bucket`` (a hash shared by every major parameter of the route).  Message creation is 5 per
  5 s per channel; edits and deletes 5 per 1 s; other routes ``route_limit`` per ``route_per``.
* **429**: JSON ``{"message": "You are being rate limited.", "retry_after": <float s>, "global": bool,
  "code": 0}`` with ``Retry-After`` (seconds), ``X-RateLimit-Global`` (global only) and
  ``X-RateLimit-Scope`` (``global`` or ``user``). A refused request consumes nothing.

Time comes from ``clock`` (monotonic) and ``wall`` (epoch, for ``X-RateLimit-Reset``), both
injectable.
"""

from __future__ import annotations

import collections
import dataclasses
import hashlib
import math
import re
import time
from collections.abc import Callable
from typing import Any

_ID = re.compile(r"/\d{5,}")
_MESSAGE_CREATE = re.compile(r"/channels/\d+/messages")
_MESSAGE_ONE = re.compile(r"/channels/\d+/messages/\d+")
_MAJOR = re.compile(r"^/(channels|guilds)/(\d+)|^/webhooks/(\d+)/([^/]+)|^/interactions/(\d+)/([^/]+)")


@dataclasses.dataclass
class Verdict:
    headers: dict[str, str]
    status: int = 200
    body: Any = None          # the 429 body when refused
    scope: str | None = None  # "global" or "user" when refused
    bucket: str = ""


@dataclasses.dataclass
class _Window:
    count: int = 0
    reset_at: float = 0.0


@dataclasses.dataclass
class RateLimits:
    global_limit: int = 50
    global_per: float = 1.0
    message_limit: int = 5      # POST /channels/{id}/messages, per channel
    message_per: float = 5.0
    edit_limit: int = 5         # PATCH / DELETE /channels/{id}/messages/{mid}, per channel
    edit_per: float = 1.0
    route_limit: int = 50       # everything else, per route and major parameter
    route_per: float = 1.0
    clock: Callable[[], float] = time.monotonic
    wall: Callable[[], float] = time.time

    def __post_init__(self) -> None:
        self._global: dict[str, collections.deque[float]] = {}
        self._windows: dict[tuple[str, str], _Window] = {}

    # -- which limits a request falls under ------------------------------------------------------
    def route_of(self, method: str, path: str) -> tuple[str, str, int, float]:
        """(bucket hash, major parameter, limit, per) for a request."""
        template = _ID.sub("/{id}", path)
        major = _MAJOR.match(path)
        major_key = "" if major is None else "/".join(g for g in major.groups() if g)
        if method == "POST" and _MESSAGE_CREATE.fullmatch(path):
            limit, per = self.message_limit, self.message_per
        elif method in ("PATCH", "DELETE") and _MESSAGE_ONE.fullmatch(path):
            limit, per = self.edit_limit, self.edit_per
        else:
            limit, per = self.route_limit, self.route_per
        template = re.sub(r"^/(webhooks|interactions)/\{id\}/[^/]+", r"/\1/{id}/{token}", template)
        bucket = hashlib.sha1(f"{method} {template}".encode()).hexdigest()[:16]
        return bucket, major_key, limit, per

    @staticmethod
    def global_exempt(path: str) -> bool:
        return path.startswith(("/interactions/", "/webhooks/"))

    # -- one request -----------------------------------------------------------------------------
    def check(self, method: str, path: str, token: str) -> Verdict:
        now = self.clock()
        bucket, major, limit, per = self.route_of(method, path)
        if not self.global_exempt(path):
            window = self._global.setdefault(token, collections.deque())
            while window and window[0] <= now - self.global_per:
                window.popleft()
            if len(window) >= self.global_limit:
                retry = window[0] + self.global_per - now
                return self._refused(retry, is_global=True, bucket=bucket)
        w = self._windows.setdefault((bucket, major), _Window())
        if w.reset_at <= now:
            w.count, w.reset_at = 0, now + per
        reset_after = w.reset_at - now
        if w.count >= limit:
            return self._refused(reset_after, is_global=False, bucket=bucket, limit=limit)
        w.count += 1
        if not self.global_exempt(path):
            self._global[token].append(now)
        return Verdict(self._bucket_headers(limit, limit - w.count, reset_after, bucket), bucket=bucket)

    def _bucket_headers(self, limit: int, remaining: int, reset_after: float, bucket: str) -> dict[str, str]:
        return {"X-RateLimit-Limit": str(limit), "X-RateLimit-Remaining": str(remaining),
                "X-RateLimit-Reset": f"{self.wall() + reset_after:.3f}",
                "X-RateLimit-Reset-After": f"{reset_after:.3f}", "X-RateLimit-Bucket": bucket}

    def _refused(self, retry: float, *, is_global: bool, bucket: str, limit: int = 0) -> Verdict:
        retry = max(retry, 0.001)
        # Via: Discord's 429s come through Google's front end; discord.py takes one without it for a
        # Cloudflare ban and gives up.
        headers = {"Retry-After": str(max(1, math.ceil(retry))), "X-RateLimit-Scope": "global" if is_global else "user",
                   "Via": "1.1 google"}
        if is_global:
            headers["X-RateLimit-Global"] = "true"
        else:
            headers.update(self._bucket_headers(limit, 0, retry, bucket))
        body = {"message": "You are being rate limited.", "retry_after": round(retry, 3), "global": is_global, "code": 0}
        return Verdict(headers, 429, body, "global" if is_global else "user", bucket)
