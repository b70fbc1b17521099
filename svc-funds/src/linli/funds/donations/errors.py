"""Refusals of donations and provider callbacks."""

from __future__ import annotations

from linli.common.errors import Conflict, Forbidden, InvalidInput, NotFound


class DonationNotFound(NotFound):
    """No donation (or payment intent) with this id or reference."""

    problem = "donation-not-found"
    title_en = "Donation not found"
    title_zh = "捐赠不存在"


class InvalidSignature(Forbidden):
    """The callback's signature is missing or does not match its body: not from the provider."""

    problem = "invalid-signature"
    title_en = "Callback signature invalid"
    title_zh = "回调签名无效"


class InvalidCallback(InvalidInput):
    """A signed callback that does not say what a confirmation says."""

    problem = "invalid-callback"
    title_en = "Invalid callback"
    title_zh = "回调内容无效"


class AmountMismatch(InvalidInput):
    """The provider confirmed another amount than the intent asked for: nothing is posted."""

    problem = "amount-mismatch"
    title_en = "Amount does not match the intent"
    title_zh = "金额与支付意向不符"


class NotRefundable(Conflict):
    """Only a received donation can be refunded, once."""

    problem = "not-refundable"
    title_en = "Donation cannot be refunded"
    title_zh = "该捐赠不可退款"


class NoReceiptYet(Conflict):
    """A receipt is numbered when the provider confirms the donation."""

    problem = "no-receipt-yet"
    title_en = "The donation has not been received yet"
    title_zh = "捐赠尚未到账，暂无收据"
