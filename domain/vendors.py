"""A vendor's name, and how order ids derive from idempotency keys."""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache
from uuid import UUID, uuid5

from ordertrail.domain.errors import MalformedOrderIdError, UnknownVendorError

_NAME = re.compile(r"[a-z][a-z0-9_]*\Z")


class Vendor(str):
    """A vendor's name: a lowercase identifier, as stored on its orders (``order.vendor``).

    The domain checks only the form; which vendors exist is the adapters' registry's to say
    (``ordertrail.adapters.registry``), so a vendor is added without touching the domain.
    """

    __slots__ = ()

    @classmethod
    def parse(cls, value: object, known: Iterable[str] = ()) -> Vendor:
        """``value`` trimmed and lowered; UnknownVendorError (listing ``known``) when it is not
        a lowercase identifier."""
        if isinstance(value, str):
            parsed = _parse(value)
            if parsed is not None:
                return parsed
        raise UnknownVendorError(value, tuple(known))

    @property
    def value(self) -> str:
        """The name as a plain string (what ids derive from and orders store)."""
        return str(self)


@lru_cache(maxsize=256)
def _parse(value: str) -> Vendor | None:
    text = value.strip().lower()
    return Vendor(text) if _NAME.match(text) else None


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
