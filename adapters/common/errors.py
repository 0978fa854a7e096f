"""The vendor error hierarchy. Every class names the vendor and a classification
from vendor-spec part B.1; messages are one line and never hold a secret."""

from __future__ import annotations

from enum import StrEnum

from ordertrail.domain.errors import OrdertrailError


class Classification(StrEnum):
    SUCCESS = "success"
    RETRYABLE = "retryable"
    RETRYABLE_AFTER_RECONCILIATION = "retryable_after_reconciliation"
    TERMINAL = "terminal"
    NEEDS_REAUTH = "needs_reauth"
    NEEDS_HUMAN = "needs_human"


class VendorError(OrdertrailError):
    """Something a vendor said or did that we could not use."""

    classification: Classification = Classification.TERMINAL

    def __init__(self, vendor: str, message: str) -> None:
        self.vendor = vendor
        super().__init__(f"{vendor}: {message}")


class VendorProtocolError(VendorError):
    """The vendor's payload does not match its documented shape (names the field)."""


class VendorUnavailableError(VendorError):
    """Network failure, timeout or 5xx where nothing was created: safe to retry."""

    classification = Classification.RETRYABLE


class VendorAuthError(VendorError):
    """Credentials were refused; a person must renew them."""

    classification = Classification.NEEDS_REAUTH


class VendorConfigError(VendorError):
    """Our configuration for this vendor is wrong or incomplete."""
