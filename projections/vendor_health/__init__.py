"""vendor_health: how each vendor has been answering us, per vendor and hour.

Each order event that records a vendor's answer counts once under its outcome
(``submitted``, ``placed``, ``failed:<classification>``, ``outcome_unknown``, ``rejected``,
``declined``, ``status``, ``retrieved``, ``trouble:<kind>``) in the UTC hour it was recorded.
The report adds, per vendor, the connector's last successful call and the oldest open order
(``queries.health``). Depends on ``order_status`` for each order's vendor.
"""
