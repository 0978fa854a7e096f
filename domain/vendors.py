"""The vendors ordertrail knows, and how order ids derive from idempotency keys."""

from __future__ import annotations

from enum import StrEnum
from uuid import UUID, uuid5

from ordertrail.domain.errors import MalformedOrderIdError, UnknownVendorError


class Vendor(StrEnum):
    PLANVIEWER = "planviewer"
    PPW = "ppw"
    IVCAP = "ivcap"
    PLANOMATIC = "planomatic"

    @classmethod
    def parse(cls, value: str) -> Vendor:
        known = _BY_NAME.get(value) if isinstance(value, str) else None
        if known is not None:
            return known
        try:
            return cls(value.strip().lower())
        except (ValueError, AttributeError):
            raise UnknownVendorError(value) from None


_BY_NAME = {vendor.value: vendor for vendor in Vendor}
"""Exact names, looked up before trimming and lowering (the usual case)."""

DAILY_CAP_CODE = "daily_cap"
"""The normalized ``vendor_code`` of a submission a vendor refused because its daily cap
was reached (adapters translate their vendor's own answer to it)."""
LOCAL_DAILY_CAP_CODE = "daily_cap_local"
"""The ``vendor_code`` of a submission our own daily-cap guard held back before any call."""
DAILY_CAP_CODES = frozenset({DAILY_CAP_CODE, LOCAL_DAILY_CAP_CODE})

_ORDER_NAMESPACE = UUID("5d0f4c52-0b9e-4a43-9d1a-9c0b7a7f3e11")
_VENDOR_REF_NAMESPACE = UUID("0c7b2f9e-6c55-4a0e-8e43-2b1f0b5f8a27")
_VENDOR_DAY_NAMESPACE = UUID("8a3e1d64-2f0c-4b7e-9d52-6e4f1c0a9b38")
_CONNECTOR_NAMESPACE = UUID("c3b0f1a2-7d4e-4c59-8e61-2a9f5b7d0c14")
DEFAULT_ACCOUNT = "default"
"""The account name of a vendor's connector when the configuration names none."""


def _derived(namespace: UUID, vendor: Vendor, name: str) -> UUID:
    """A name-based id (stored ids depend on it never changing)."""
    return uuid5(namespace, f"{vendor.value}\x1f{name}")


def order_id_for(vendor: Vendor, idempotency_key: str) -> UUID:
    """The order id is derived, so requesting twice yields the same order."""
    return _derived(_ORDER_NAMESPACE, vendor, idempotency_key)


def vendor_ref_claim_id(vendor: Vendor, vendor_ref: str) -> UUID:
    return _derived(_VENDOR_REF_NAMESPACE, vendor, vendor_ref)


def vendor_day_id(vendor: Vendor, day: str) -> UUID:
    return _derived(_VENDOR_DAY_NAMESPACE, vendor, day)


def connector_id(vendor: Vendor, account: str = DEFAULT_ACCOUNT) -> UUID:
    """The id of the connector of one vendor account."""
    return _derived(_CONNECTOR_NAMESPACE, vendor, account)


def parse_order_id(value: str | UUID) -> UUID:
    if isinstance(value, UUID):
        return value
    try:
        return UUID(str(value).strip())
    except ValueError:
        raise MalformedOrderIdError(value) from None
