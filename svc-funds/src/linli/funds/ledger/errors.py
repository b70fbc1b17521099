"""Refusals of the ledger."""

from __future__ import annotations

from linli.common.errors import Conflict


class InsufficientFunds(Conflict):
    """The payment would take the fund below zero; `balance_fen` says what it holds."""

    problem = "insufficient-funds"
    title_en = "Not enough money in the fund"
    title_zh = "基金余额不足"

    def __init__(self, *, balance_fen: int, amount_fen: int) -> None:
        super().__init__(
            f"the fund holds {balance_fen} fen, the payment needs {amount_fen} fen",
            balance_fen=balance_fen,
            amount_fen=amount_fen,
        )


class AlreadyPosted(Conflict):
    """This source (a donation, a payment) has its ledger entry already."""

    problem = "already-posted"
    title_en = "Already posted to the ledger"
    title_zh = "已记入账本"
