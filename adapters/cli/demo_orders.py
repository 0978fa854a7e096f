"""The demo's order mix: about forty orders, each vendor's interesting outcomes included."""

from __future__ import annotations

from typing import Any

PLANOMATIC_OUTCOMES = [
    "action-successful", "action-successful", "action-successful", "action-successful",
    "declined-payment", "card-expired", "action-successful", "application-crash",
]
PPW_WORK_ORDERS = 8
PPW_DUPLICATE = "DEMO-WO-0005"


def planomatic_request(i: int, outcome: str) -> dict[str, Any]:
    return {
        "order": {
            "client": {"first_name": "Demo", "last_name": f"Client {i}",
                       "email": f"client{i}+{outcome}@example.com"},
            "primary_service": {"group_slug": "hdr-photos", "quantity": 1},
            "property_info": {"sqft": 1800 + 50 * i, "address": {
                "street": f"{100 + i} Congress Ave", "city": "Austin", "province": "TX",
                "postal_code": "78701"}},
            "appointments": [{"start_datetime": "2026-12-01T10:00:00-06:00", "duration": 90}],
        },
        "payment_method_id": 700 + i,
    }


def ppw_work_order(i: int) -> dict[str, Any]:
    return {
        "wo_number": f"DEMO-WO-{i:04d}",
        "address": f"{20 + i} Elm Street", "city": "Springfield", "state": "IL", "zip": "62701",
        "date_due": "20261215", "work_type_alias": "Lawn Maintenance",
        "client_company_alias": "Demo Servicing", "loan_number": f"LN{9000 + i}",
        "line_items": [{"desc": "Initial grass cut", "qty": "1", "price": "45.00",
                        "total": "45.00", "add": "0"}],
    }
