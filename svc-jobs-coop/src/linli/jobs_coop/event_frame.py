"""The frame every event of this service shares, and the catalogue of them all.

Events travel on the community's subject (`linli.<city>.<district>.<street>.<community>.
jobs-coop.<entity>.<verb>`); they carry ids, codes, quantities and fen, and a member's name only
masked (`王*`), never a phone or an address.
"""

from __future__ import annotations

from typing import ClassVar

from linli.common.events import DomainEvent


class CoopEvent(DomainEvent):
    """An event of the cooperative of one community."""

    service: ClassVar[str] = "jobs-coop"
