"""Why a request to our PPW receiver could not be served. Messages never hold a secret."""

from __future__ import annotations

from ordertrail.adapters.common.errors import Classification, VendorError


class PPWRequestError(VendorError):
    """A request PPW sent us that we answer with the error envelope; nothing is recorded."""

    def __init__(self, message: str) -> None:
        self.reply = message
        super().__init__("ppw", message)


class MalformedRequestError(PPWRequestError):
    """The form body, the ``payload`` JSON or an ``event_data`` field is not what PPW sends."""


class UnsupportedEventError(PPWRequestError):
    """An event name we do not handle, or ``event_data`` that is not a JSON object."""

    def __init__(self, detail: str) -> None:
        super().__init__("unsupported event")
        self.detail = detail


class UnknownReportError(PPWRequestError):
    def __init__(self, report_id: object) -> None:
        super().__init__(f"unknown report_id {report_id}")


class UnknownTransactionError(PPWRequestError):
    def __init__(self, transaction_id: str) -> None:
        super().__init__(f"unknown transaction_id {transaction_id!r}")


class NotOfferableError(VendorError):
    """A queued instruction (update, RTV, complete, cancel) the order's state does not allow."""

    classification = Classification.NEEDS_HUMAN

    def __init__(self, message: str) -> None:
        super().__init__("ppw", message)
