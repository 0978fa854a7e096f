"""The PPW Link events we serve, between the wire and the tracker.

Each handler takes one event's decoded ``event_data`` and returns the
``result_data`` of a successful answer, or raises a PPWRequestError (answered
with the error envelope). Order facts go to the tracker; protocol bookkeeping
(report ids, transaction ids, what is still offered) to the outbox.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from typing import Any

from ordertrail.adapters.ppw import translate
from ordertrail.adapters.ppw.config import PPWConfig
from ordertrail.adapters.ppw.errors import (
    PPWRequestError,
    UnknownReportError,
    UnknownTransactionError,
    UnsupportedEventError,
)
from ordertrail.adapters.ppw.outbox import CANCEL, COMPLETE, NEW, RTV, UPDATE, Offer, PPWOutbox
from ordertrail.adapters.ppw.wire import (
    CONTROL_OBJECTS,
    AckData,
    GetOrderData,
    ResultEventData,
    SinceData,
    ValidateUserData,
    convert,
)
from ordertrail.domain import commands as c
from ordertrail.domain.tracker import Outcome, Tracker
from ordertrail.domain.vocabulary import Source

log = logging.getLogger(__name__)
PUSH_URL_KEY = "ppwlink_push"
RESULT_EVENTS = frozenset({"send_ready_for_office", "bid_comp_confirm", "send_notes"})
_HEADER_KEYS = ("report_id", "wo_number", "org_wo_num", "wo_status", "transaction_id")


class PPWLink:
    def __init__(self, tracker: Tracker, outbox: PPWOutbox, config: PPWConfig) -> None:
        self.tracker = tracker
        self.outbox = outbox
        self.config = config
        self._handlers: dict[str, Callable[[dict[str, Any]], Any]] = {
            "validate_user": self.validate_user,
            "get_all_orders": self.get_all_orders,
            "get_order": self.get_order,
            "get_all_updates": self.get_all_updates,
            "get_all_notes": self.get_all_notes,
            "ack_transaction": self.ack_transaction,
        }
        self._listing: tuple[tuple[float | None, tuple[int, int]], list[Any]] | None = None
        """The last get_all_orders answer that recorded nothing, with its since and outbox
        version: PPW polls far more often than orders change."""

    def handle(self, event_name: str, data: dict[str, Any]) -> Any:
        """The result_data for one authenticated event."""
        if event_name in RESULT_EVENTS:
            return self.result_event(event_name, data)
        handler = self._handlers.get(event_name)
        if handler is None:
            raise UnsupportedEventError(f"unknown event_name {event_name[:60]!r}")
        return handler(data)

    # ---------------------------------------------------------------- events
    def validate_user(self, data: dict[str, Any]) -> Any:
        push = convert(data, ValidateUserData, "validate_user").ppwlink_push
        if push:
            self.outbox.set_state(PUSH_URL_KEY, push)
        return ""

    def repeated_listing(self, data: dict[str, Any]) -> list[Any] | None:
        """The last ``get_all_orders`` answer again, if nothing it rests on changed since (no
        new notification in the store, the same outbox, the same ``since``); else None. Only
        reads, so the receiver may answer a poll with it without a turn on the store thread.
        """
        listing = self._listing
        if listing is None or not self.outbox.is_current(self.tracker):
            return None
        since = self._since(data, "get_all_orders")
        if listing[0] != (since, self.outbox.version()):
            return None
        return list(listing[1])

    def get_all_orders(self, data: dict[str, Any]) -> list[Any]:
        since = self._since(data, "get_all_orders")
        self.outbox.sync(self.tracker)
        key = (since, self.outbox.version())
        listing = self._listing
        if listing is not None and listing[0] == key:
            return list(listing[1])
        offers = self.outbox.open_offers((NEW,), since)
        fresh = [o for o in offers if not o.offered]
        commands = [
            c.AttemptSubmission(
                order_id=o.order_id, channel="ppw:get_all_orders", transaction_id=o.transaction_id,
                source=Source.PUSH, raw=self._header(o), dedupe_key=f"ppw:offer:{o.transaction_id}",
            )
            for o in fresh
        ]
        refused = {str(out.order_id) for out in self._execute(commands) if out.error}
        self.outbox.mark([o.transaction_id for o in fresh if o.order_key not in refused], "offered")
        headers: list[Any] = [self._header(o) for o in offers if o.order_key not in refused]
        result = [*headers, *CONTROL_OBJECTS]
        if not fresh:  # nothing recorded: the same outbox gives the same answer
            self._listing = (key, result)
            return list(result)
        return result

    def get_all_updates(self, data: dict[str, Any]) -> list[Any]:
        since = self._since(data, "get_all_updates")
        self.outbox.sync(self.tracker)
        offers = self.outbox.open_offers((UPDATE, RTV, COMPLETE, CANCEL), since)
        return [self._header(o) for o in offers]

    def get_all_notes(self, data: dict[str, Any]) -> list[Any]:
        self._since(data, "get_all_notes")
        return []

    def get_order(self, data: dict[str, Any]) -> dict[str, Any]:
        wanted = convert(data, GetOrderData, "get_order")
        order_id = self.outbox.order_of(wanted.report_id)
        offer = None if order_id is None else self.outbox.new_offer_of(order_id)
        if offer is None:
            raise UnknownReportError(wanted.report_id)
        if wanted.transaction_id is not None and str(wanted.transaction_id) != offer.transaction_id:
            log.info("ppw get_order %s: PPW passed another transaction_id; ours is echoed",
                     offer.report_id)
        view = self.tracker.get_order(offer.order_id)
        details = {**self._header(offer), **{
            k: v for k, v in view.vendor_request.items() if k not in _HEADER_KEYS
        }}
        if offer.open and not offer.fetched:
            command = c.AttemptSubmission(
                order_id=offer.order_id, channel="ppw:get_order",
                transaction_id=offer.transaction_id, source=Source.PUSH, raw=data,
                dedupe_key=f"ppw:get_order:{offer.transaction_id}",
            )
            if not any(out.error for out in self._execute([command])):
                self.outbox.mark([offer.transaction_id], "fetched")
        return details

    def ack_transaction(self, data: dict[str, Any]) -> Any:
        ack = convert(data, AckData, "ack_transaction")
        tid = str(ack.transaction_id)
        offer = self.outbox.offer(tid)
        if offer is None:
            raise UnknownTransactionError(tid)
        plan = self._plan_ack(offer, ack, data)
        if plan is not None:
            outcome, commands = plan
            self._execute(commands)
            self.outbox.settle(tid, outcome)
        return ""

    def ack_transactions(self, batch: Sequence[dict[str, Any]]) -> list[Any]:
        """Many ``ack_transaction`` events, recorded in one ledger transaction (group commit).

        Each answer is what ``ack_transaction`` would have returned for it alone, or
        the exception it would have raised (as a value: one ack's failure is not
        another's). The outcome is the same as acking them one by one in order:

        - acks of different orders are independent, so their commands share one
          ``tracker.execute`` (one commit); the offers are settled only after it;
        - a second ack of a transaction, or another ack of an order already in the
          group, runs alone after the group, as the repeat or follow-up it is;
        - if the shared transaction fails as a whole, each ack of the group is
          recorded alone instead (the domain dedupes a retried ack by transaction id).
        """
        answers: list[Any] = [None] * len(batch)
        parsed: list[tuple[int, AckData]] = []
        for i, data in enumerate(batch):
            try:
                parsed.append((i, convert(data, AckData, "ack_transaction")))
            except PPWRequestError as failure:
                answers[i] = failure
        offers = self.outbox.offers([str(ack.transaction_id) for _, ack in parsed])
        group: list[tuple[int, str, str, list[c.Command]]] = []
        later: list[int] = []
        orders: set[str] = set()
        for i, ack in parsed:
            tid = str(ack.transaction_id)
            offer = offers.get(tid)
            if offer is None:
                answers[i] = UnknownTransactionError(tid)
                continue
            if offer.order_key in orders:
                later.append(i)
                continue
            orders.add(offer.order_key)
            try:
                plan = self._plan_ack(offer, ack, batch[i])
            except Exception as failure:  # answered to this ack alone
                answers[i] = failure
                continue
            if plan is None:
                answers[i] = ""
            else:
                group.append((i, tid, *plan))
        self._record_acks(group, answers)
        for i in later:
            try:
                answers[i] = self.ack_transaction(batch[i])
            except Exception as failure:  # answered to this ack alone
                answers[i] = failure
        return answers

    def _plan_ack(
        self, offer: Offer, ack: AckData, data: dict[str, Any]
    ) -> tuple[str, list[c.Command]] | None:
        """The outcome to settle and the commands to record for a first ack; None for a repeat."""
        tid = offer.transaction_id
        outcome = translate.classify_ack(ack)
        already_placed = False
        if not offer.open or (offer.kind == NEW and outcome.outcome == "duplicate"):
            # A repeat, or a duplicate that must not reject an order PPW already has.
            view = self.tracker.get_order(offer.order_id)
            if tid in view.acked_transactions:
                log.info("ppw ack_transaction %s: repeated, nothing recorded", tid)
                self.outbox.settle(tid, view.acked_transactions[tid])
                return None
            already_placed = view.vendor_ref is not None
        line_items = None
        if offer.kind == NEW and outcome.outcome == "imported":
            line_items = self.tracker.get_order(offer.order_id).vendor_request.get("line_items")
        # The domain dedupes by transaction id as well: a repeat records nothing.
        commands = translate.ack_commands(offer, outcome, already_placed=already_placed, raw=data,
                                          line_items=line_items)
        return outcome.outcome, commands

    def _record_acks(
        self, group: list[tuple[int, str, str, list[c.Command]]], answers: list[Any]
    ) -> None:
        """Record a group of first acks in one transaction, then settle their offers."""
        if not group:
            return
        try:
            self._execute([command for *_, commands in group for command in commands])
        except Exception as failure:  # retried ack by ack below
            log.warning("ppw: %d acks in one transaction failed (%s); recording each alone",
                        len(group), type(failure).__name__)
            for i, tid, outcome, commands in group:
                try:
                    self._execute(commands)
                    self.outbox.settle(tid, outcome)
                    answers[i] = ""
                except Exception as alone:  # answered to this ack alone
                    answers[i] = alone
            return
        # Only after the commit: an offer is never closed for an ack the ledger lacks.
        self.outbox.settle_many([(tid, outcome) for _, tid, outcome, _ in group])
        for i, *_ in group:
            answers[i] = ""

    def result_event(self, event_name: str, data: dict[str, Any]) -> Any:
        event = convert(data, ResultEventData, event_name)
        order_id = self.outbox.order_of(event.dst_report_id)
        if order_id is None:
            raise UnknownReportError(event.dst_report_id)
        raw_status = (
            translate.READY_FOR_OFFICE if event_name == "send_ready_for_office" else event.wo_status
        )
        if raw_status:
            commands = translate.status_commands(
                order_id, raw_status, event.dst_report_id, raw=data,
                dedupe_key=f"ppw:{event_name}:{event.dst_report_id}:{raw_status}",
            )
            refused = [out.error for out in self._execute(commands) if out.error]
            if refused:
                raise PPWRequestError(f"{event_name}: {refused[0]}")
        if event_name == "send_ready_for_office":
            return {"errors": [], "cell_updates": {"wo_status": translate.READY_FOR_OFFICE}}
        return ""

    # ---------------------------------------------------------------- helpers
    def _since(self, data: dict[str, Any], event_name: str) -> float | None:
        timestamp = convert(data, SinceData, event_name).timestamp
        return None if timestamp is None else float(timestamp - self.config.overlap_seconds)

    def _header(self, offer: Offer) -> dict[str, Any]:
        """A work-order header, keys in the seed's order; org_wo_num only when we have one."""
        header = {
            "report_id": str(offer.report_id),
            "wo_number": self.config.wo_number_prefix + offer.wo_number,
        }
        if offer.org_wo_num is not None:
            header["org_wo_num"] = offer.org_wo_num
        header["wo_status"] = offer.wo_status
        header["transaction_id"] = offer.transaction_id
        if offer.kind == UPDATE and offer.field is not None:
            header["update_field"] = offer.field
        if offer.kind in (UPDATE, RTV) and offer.value is not None:
            header["update_value"] = offer.value
        return header

    def _execute(self, commands: Sequence[c.Command]) -> list[Outcome]:
        if not commands:
            return []
        outcomes = self.tracker.execute(commands)
        for out in outcomes:
            if out.error is not None:
                log.warning("ppw %s refused for order %s: %s", type(out.command).__name__,
                            out.order_id, out.error)
        return outcomes

