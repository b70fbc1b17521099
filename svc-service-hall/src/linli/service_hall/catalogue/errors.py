"""Refusals of the catalogue, each a problem response through the kernel's error tree."""

from __future__ import annotations

from linli.common.errors import Conflict, InvalidInput, NotFound


class ItemNotFound(NotFound):
    """No such item (or version), or one not offered to the caller."""

    problem = "item-not-found"
    title_en = "Service item not found"
    title_zh = "办事事项不存在"


class ItemCodeTaken(Conflict):
    """An item with this code exists."""

    problem = "item-code-taken"
    title_en = "Item code taken"
    title_zh = "事项代码已存在"


class OutsideOwner(InvalidInput):
    """A division offered lies outside the item's owner."""

    problem = "outside-owner"
    title_en = "Offered outside the owning division"
    title_zh = "办理区域超出事项所属区划"

    def __init__(self, code: str) -> None:
        message = f"division {code} lies outside the item's owning division"
        super().__init__(
            message, errors=[{"field": "body.divisions", "message": message, "type": "outside"}]
        )
