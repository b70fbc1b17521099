"""Refusals of quality inspections."""

from __future__ import annotations

from linli.common.errors import Conflict, NotFound


class DeliveryNotFound(NotFound):
    """No delivery with this id within the caller's reach."""

    problem = "delivery-not-found"
    title_en = "Delivery not found"
    title_zh = "交付记录不存在"


class AlreadyInspected(Conflict):
    """This delivery was inspected already: one inspection per delivery."""

    problem = "already-inspected"
    title_en = "The delivery was inspected already"
    title_zh = "该批交付已质检"


class MoreThanDelivered(Conflict):
    """Accepted and rejected pieces together exceed the delivery; `delivered` says its size."""

    problem = "more-than-delivered"
    title_en = "More pieces judged than delivered"
    title_zh = "验收数量超过交付数量"
