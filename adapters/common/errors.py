"""The vendor error hierarchy. Every class names the vendor and a classification
from vendor-spec part B.1; messages are one line and never hold a secret."""

from __future__ import annotations

from ordertrail.domain.errors import OrdertrailError
from ordertrail.domain.vocabulary import Classification

__all__ = ["Classification", "VendorAuthError", "VendorConfigError", "VendorError",
           "VendorProtocolError", "VendorUnavailableError"]


class VendorError(OrdertrailError):
    """Something a vendor said or did that we could not use."""

    classification: Classification = Classification.TERMINAL

    def __init__(self, vendor: str, message: str) -> None:
        self.vendor = vendor
        super().__init__(f"{vendor}: {message}")


class VendorProtocolError(VendorError):
    """The vendor's payload does not match its documented shape (names the field)."""


class VendorUnavailableError(VendorError):
    """Network failure, timeout, 429 or 5xx where nothing was created: safe to retry.
    ``retry_after``: the seconds the vendor asked us to wait (``Retry-After``), if it said."""

    classification = Classification.RETRYABLE

    def __init__(self, vendor: str, message: str, http_status: int | None = None,
                 retry_after: float | None = None) -> None:
        super().__init__(vendor, message)
        self.http_status = http_status
        self.retry_after = retry_after


class VendorAuthError(VendorError):
    """Credentials were refused; a person must renew them."""

    classification = Classification.NEEDS_REAUTH

    def __init__(self, vendor: str, message: str, http_status: int | None = None) -> None:
        super().__init__(vendor, message)
        self.http_status = http_status


class VendorConfigError(VendorError):
    """Our configuration for this vendor is wrong or incomplete."""
