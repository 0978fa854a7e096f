"""Random valid event streams: hypothesis strategies of commands, run on real Order aggregates."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any
from uuid import UUID, uuid4

from hypothesis import strategies as st

from ordertrail.domain import commands as c
from ordertrail.domain.errors import DomainError
from ordertrail.domain.events import OrderEvent
from ordertrail.domain.order import Order
from ordertrail.domain.state_machine import State
from ordertrail.domain.vocabulary import HoldCause, Trouble

CommandFactory = Callable[[UUID], c.Command]

SOURCES = st.sampled_from(["command", "poll", "push", "human", "reconciliation"])
TIDS = st.sampled_from(["t1", "t2", "t3"])
T0 = datetime(2026, 3, 1, 9, 30, tzinfo=UTC)


def _factory(cls: type[c.Command], **fields: Any) -> st.SearchStrategy[CommandFactory]:
    def build(**values: Any) -> CommandFactory:
        return lambda order_id: cls(order_id=order_id, **values)  # type: ignore[call-arg]

    return st.builds(build, **fields)


_ENDINGS = st.one_of(
    _factory(c.Reject, reason_code=st.just("invalid"),
             classification=st.sampled_from(["terminal", "needs_human"])),
    _factory(c.Cancel, initiator=st.just("us"), source=SOURCES),
    _factory(c.Fail, reason_code=st.just("vendor_error"),
             classification=st.sampled_from(["terminal", "needs_human"]),
             raw_status=st.none() | st.just("error"), source=SOURCES),
)

_PROGRESS: st.SearchStrategy[CommandFactory] = st.one_of(
    _factory(c.AttemptSubmission, channel=st.sampled_from(["ppw:get_all_orders", "ppw:get_order",
                                                            "planviewer:submit"]),
             transaction_id=st.none() | TIDS),
    _factory(c.FailSubmission,
             classification=st.sampled_from(["retryable", "needs_reauth", "needs_human",
                                             "terminal", "reconciled_not_created"]),
             vendor_code=st.sampled_from([None, "daily_cap", "daily_cap_local", "401"]),
             message=st.none() | st.just("boom")),
    _factory(c.MarkOutcomeUnknown, reason=st.sampled_from(["timeout", "reset"])),
    _factory(c.AcceptPayment),
    _factory(c.DeclinePayment, reason_code=st.sampled_from(["card_declined", "no_funds"])),
    _factory(c.Resubmit, changes=st.just({"card": "new"})),
    _factory(c.Place, vendor_ref=st.sampled_from(["ref-1", "ref-2"]), vendor_ref_kind=st.just("k")),
    _factory(c.Place, vendor_ref=st.just("ref-1"), vendor_ref_kind=st.just("k")),
    _factory(c.RecordAck, transaction_id=TIDS,
             outcome=st.sampled_from(["imported", "duplicate", "refused", "unknown"])),
    _factory(c.ChangeStatus, raw_status=st.sampled_from(["initial", "in_progress", "done", "odd"]),
             normalized=st.none() | st.sampled_from(list(State)), source=SOURCES),
    _factory(c.ReportProgress, current=st.integers(0, 4), total=st.none() | st.just(4)),
    _factory(c.WaitForUser, kind=st.sampled_from(["location_choice", "approval"]),
             prompt=st.none() | st.sampled_from(["pick one", ""])),
    _factory(c.ProvideUserInput, kind=st.just("location_choice"), selection=st.just("a")),
    _factory(c.SendAmendment, transaction_id=TIDS, field=st.just("due"), value=st.just("x")),
    _factory(c.ReturnToVendor, reason=st.just("redo")),
    _factory(c.AnnounceResult, result_ref=st.sampled_from(["r1", "r2"])),
    _factory(c.RecordResultRetrieved, result_ref=st.sampled_from(["r1", "r2"]),
             file_name=st.just("f.pdf"), media_type=st.just("application/pdf"),
             size=st.just(3), sha256=st.just("ab")),
    _factory(c.RequestCancellation, initiator=st.just("us"), transaction_id=st.none() | TIDS),
    _factory(c.HoldSubmission, cause=st.sampled_from(list(HoldCause)), reason=st.just("held"),
             until=st.none() | st.just(T0)),
    _factory(c.LiftHold, reason=st.just("go")),
    _factory(c.ObserveTrouble, trouble=st.sampled_from(list(Trouble)), detail=st.just("d"),
             limit=st.integers(1, 3), spread=st.just(timedelta(0)), now=st.just(T0)),
    _factory(c.ClearTrouble, trouble=st.sampled_from(list(Trouble))),
    _factory(c.NoteAmbiguousReconciliation, candidates=st.just(["x", "y"])),
    _factory(c.RecordCost, amount=st.sampled_from([Decimal("45.00"), Decimal("0.005")]),
             currency=st.none() | st.just("USD"), basis=st.just("test")),
)

COMMANDS: st.SearchStrategy[CommandFactory] = st.integers(0, 19).flatmap(
    lambda i: _ENDINGS if i == 0 else _PROGRESS
)
"""One command in twenty ends the order, so streams mostly live on for a while."""

_PLACE: CommandFactory = lambda oid: c.Place(order_id=oid, vendor_ref="ref-1", vendor_ref_kind="k")  # noqa: E731
STREAMS: st.SearchStrategy[list[CommandFactory]] = st.tuples(
    st.booleans(), st.lists(COMMANDS, min_size=5, max_size=40)
).map(lambda drawn: ([_PLACE] if drawn[0] else []) + drawn[1])
"""Command lists, half of them placing the order first (most commands need a placed order)."""

VENDORS = st.sampled_from(["planviewer", "ppw", "ivcap", "planomatic"])


def run_commands(vendor: str, factories: Sequence[CommandFactory],
                 request: dict[str, Any] | None = None) -> tuple[Order, list[OrderEvent]]:
    """An in-memory order (its vendor request ``request``, else ``{"n": 1}``) after the
    commands its lifecycle accepts; and its events."""
    order = Order.request(uuid4(), vendor, uuid4().hex, {"n": 1} if request is None else request,
                          "test")
    for make in factories:
        try:
            make(order.id).run(order)
        except DomainError:
            pass  # refused commands record nothing
    events = [e for e in order.collect_events() if isinstance(e, OrderEvent)]
    return order, events
