"""The Connector aggregate: what is true of one vendor account as a whole (vendor-spec B.1).

Credentials refused and restored, a circuit opened and closed, the daily cap
reached, the last successful call, statuses the vendor sent that we do not
know, and whether any engine is configured for the vendor. The sync engine
asks it before every submission; while it blocks, no order goes out, and each
cause that waits on a person is one notice (one attention item), not one per
order.

Commands check and then record one event; the decorated methods only assign.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from ordertrail.domain.vocabulary import AttentionKind, HoldCause, Source

SUCCESS_NOTE_EVERY = timedelta(hours=1)
"""A successful call is recorded at most this often (the connector's last-success time)."""


@dataclass(frozen=True)
class Notice:
    """One thing a person must do about a vendor account."""

    kind: AttentionKind
    ref: str
    """Tells notices of one kind apart (the unknown status's value); empty otherwise."""
    reason: str
    since: datetime


@dataclass(frozen=True)
class Block:
    """Why a vendor takes no order now, and until when (None: until a person or probe acts)."""

    cause: HoldCause
    reason: str
    until: datetime | None


def blocking(notices: dict[str, Notice], cap_until: datetime | None, now: datetime) -> Block | None:
    """The first cause that stops submissions to a connector with these notices, or None."""
    for kind, cause in _BLOCKING:
        notice = notices.get(kind)
        if notice is not None:
            return Block(cause, notice.reason, None)
    if cap_until is not None and cap_until > now:
        return Block(HoldCause.DAILY_CAP, f"the daily cap is reached until {cap_until}", cap_until)
    return None


_BLOCKING = (
    (AttentionKind.CREDENTIALS, HoldCause.CREDENTIALS),
    (AttentionKind.CIRCUIT_OPEN, HoldCause.CIRCUIT),
    (AttentionKind.NOT_CONFIGURED, HoldCause.NOT_CONFIGURED),
)


class Connector(Aggregate):
    TOPIC = "ordertrail.connector:Connector"

    class Event(Aggregate.Event):
        pass

    class Opened(Event, Aggregate.Created):
        TOPIC = "ordertrail.connector:Opened"
        vendor: str
        account: str

    Created = Opened

    def __init__(self, vendor: str, account: str) -> None:
        self.vendor = vendor
        self.account = account
        self.notices: dict[str, Notice] = {}
        self.cap_until: datetime | None = None
        self.last_success_at: datetime | None = None

    # ------------------------------------------------------------------ questions
    def blocks(self, now: datetime) -> Block | None:
        """Why no order may be submitted to this vendor now, or None."""
        return blocking(self.notices, self.cap_until, now)

    def has(self, kind: AttentionKind, ref: str = "") -> bool:
        return notice_key(kind, ref) in self.notices

    # ------------------------------------------------------------------ commands
    def refuse_credentials(
        self, operation: str, http_status: int | None, message: str, at: datetime
    ) -> None:
        if not self.has(AttentionKind.CREDENTIALS):
            self._credentials_refused(operation, http_status, message, at)

    def restore_credentials(self, by: Source, operation: str) -> None:
        if self.has(AttentionKind.CREDENTIALS):
            self._credentials_restored(by, operation)

    def open_circuit(
        self, cause: str, http_status: int | None, message: str, at: datetime
    ) -> None:
        if not self.has(AttentionKind.CIRCUIT_OPEN):
            self._circuit_opened(cause, http_status, message, at)

    def close_circuit(self, by: Source, reason: str) -> None:
        if self.has(AttentionKind.CIRCUIT_OPEN):
            self._circuit_closed(by, reason)

    def reach_daily_cap(self, day: str, until: datetime, message: str, at: datetime) -> None:
        if self.cap_until != until:
            self._daily_cap_reached(day, until, message, at)

    def lift_daily_cap(self, by: Source, reason: str) -> None:
        if self.cap_until is not None or self.has(AttentionKind.DAILY_CAP):
            self._daily_cap_lifted(by, reason)

    def note_success(self, operation: str, now: datetime) -> None:
        """Remember a successful call, at most every ``SUCCESS_NOTE_EVERY``."""
        last = self.last_success_at
        if last is None or now - last >= SUCCESS_NOTE_EVERY:
            self._call_succeeded(operation, now)

    def see_unknown_status(self, raw_status: str, order_id: UUID, at: datetime) -> None:
        if not self.has(AttentionKind.UNKNOWN_STATUS, raw_status):
            self._unknown_status_seen(raw_status, order_id, at)

    def dismiss(self, kind: AttentionKind, ref: str, by: Source) -> None:
        """A person has dealt with a notice that nothing else clears (an unknown status)."""
        if self.has(kind, ref):
            self._notice_dismissed(kind, ref, by)

    def miss_configuration(self, reason: str, at: datetime) -> None:
        if not self.has(AttentionKind.NOT_CONFIGURED):
            self._configuration_missing(reason, at)

    def find_configuration(self) -> None:
        if self.has(AttentionKind.NOT_CONFIGURED):
            self._configuration_found()

    # ------------------------------------------------------------------ events
    @event("CredentialsRefused", topic="ordertrail.connector:CredentialsRefused")
    def _credentials_refused(
        self, operation: str, http_status: int | None, message: str, at: datetime
    ) -> None:
        self._notice(AttentionKind.CREDENTIALS, "", at,
                     f"{self.vendor} refused our credentials ({operation}: {message}); "
                     "renew them, then `ordertrail vendor retry`")

    @event("CredentialsRestored", topic="ordertrail.connector:CredentialsRestored")
    def _credentials_restored(self, by: Source, operation: str) -> None:
        self._drop(AttentionKind.CREDENTIALS, "")

    @event("CircuitOpened", topic="ordertrail.connector:CircuitOpened")
    def _circuit_opened(
        self, cause: str, http_status: int | None, message: str, at: datetime
    ) -> None:
        self._notice(AttentionKind.CIRCUIT_OPEN, "", at,
                     f"no order is sent to {self.vendor}: {message} ({cause}); fix the account, "
                     "then `ordertrail vendor retry`")

    @event("CircuitClosed", topic="ordertrail.connector:CircuitClosed")
    def _circuit_closed(self, by: Source, reason: str) -> None:
        self._drop(AttentionKind.CIRCUIT_OPEN, "")

    @event("DailyCapReached", topic="ordertrail.connector:DailyCapReached")
    def _daily_cap_reached(self, day: str, until: datetime, message: str, at: datetime) -> None:
        self.cap_until = until
        self._notice(AttentionKind.DAILY_CAP, "", at,
                     f"{self.vendor}'s daily order cap was reached on {day}: {message}; orders "
                     "wait for the next day; ask the vendor for a higher cap")

    @event("DailyCapLifted", topic="ordertrail.connector:DailyCapLifted")
    def _daily_cap_lifted(self, by: Source, reason: str) -> None:
        self.cap_until = None
        self._drop(AttentionKind.DAILY_CAP, "")

    @event("CallSucceeded", topic="ordertrail.connector:CallSucceeded")
    def _call_succeeded(self, operation: str, at: datetime) -> None:
        self.last_success_at = at

    @event("UnknownStatusSeen", topic="ordertrail.connector:UnknownStatusSeen")
    def _unknown_status_seen(self, raw_status: str, order_id: UUID, at: datetime) -> None:
        self._notice(AttentionKind.UNKNOWN_STATUS, raw_status, at,
                     f"{self.vendor} sent a status ordertrail does not know: {raw_status!r} "
                     f"(first on order {order_id}); orders keep their state until it is mapped")

    @event("NoticeDismissed", topic="ordertrail.connector:NoticeDismissed")
    def _notice_dismissed(self, kind: AttentionKind, ref: str, by: Source) -> None:
        self._drop(kind, ref)

    @event("ConfigurationMissing", topic="ordertrail.connector:ConfigurationMissing")
    def _configuration_missing(self, reason: str, at: datetime) -> None:
        self._notice(AttentionKind.NOT_CONFIGURED, "", at, reason)

    @event("ConfigurationFound", topic="ordertrail.connector:ConfigurationFound")
    def _configuration_found(self) -> None:
        self._drop(AttentionKind.NOT_CONFIGURED, "")

    # ------------------------------------------------------------------ state helpers
    def _notice(self, kind: AttentionKind, ref: str, at: datetime, reason: str) -> None:
        key = notice_key(kind, ref)
        held = self.notices.get(key)
        since = held.since if held is not None else at
        self.notices = {**self.notices, key: Notice(kind, ref, reason, since)}

    def _drop(self, kind: AttentionKind, ref: str) -> None:
        key = notice_key(kind, ref)
        self.notices = {k: v for k, v in self.notices.items() if k != key}


def notice_key(kind: AttentionKind, ref: str) -> str:
    """How a connector files a notice: its kind, and its ref when it has one."""
    return f"{kind.value}:{ref}" if ref else kind.value


