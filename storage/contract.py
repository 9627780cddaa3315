"""The member-data contract: every repository that holds data about a member can export and delete it.

`mydata export` and `mydata forget` walk every registered repository; a storage test checks that
after `delete_member` no table holds the member's id.
"""

from __future__ import annotations

from typing import Any, Protocol, runtime_checkable


@runtime_checkable
class MemberData(Protocol):
    #: a short name used for export file names, e.g. "entries"
    export_name: str

    async def export_member(self, member_id: int) -> list[dict[str, Any]]: ...

    async def delete_member(self, member_id: int) -> int: ...
