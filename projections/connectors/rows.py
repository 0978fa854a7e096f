"""connector_status's values: one vendor account's connector."""

from __future__ import annotations

from datetime import datetime
from typing import NamedTuple
from uuid import UUID

from ordertrail.domain.connector import Notice


class ConnectorRow(NamedTuple):
    """One vendor account's connector: the ``connector_status`` read model."""

    connector_id: UUID
    vendor: str
    account: str
    cap_until: datetime | None
    last_success_at: datetime | None
    last_version: int


Notices = dict[str, Notice]
"""A connector's notices by key (``notice_key``)."""


class NoticeRow(NamedTuple):
    """One row of the connector_attention table."""

    connector_id: UUID
    kind: str
    ref: str
    vendor: str
    reason: str
    since: datetime
