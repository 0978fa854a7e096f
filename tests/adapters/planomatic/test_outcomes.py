"""Any answer PlanOmatic could give maps to a classified outcome; nothing else escapes."""

from __future__ import annotations

import json

from hypothesis import given
from hypothesis import strategies as st

from ordertrail.adapters.common.http import Answer
from ordertrail.adapters.common.outcome import Outcome, SubmitOutcome
from ordertrail.adapters.planomatic.client import envelope_outcome
from ordertrail.adapters.planomatic.outcomes import rule_for
from ordertrail.adapters.planomatic.wire import vendor_reference


def _outcome(status: int, body: bytes) -> SubmitOutcome:
    return envelope_outcome(Answer(status, body))


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner,
                                                                 max_size=4),
    max_leaves=12,
)


@given(status=st.integers(min_value=100, max_value=599), body=st.binary(max_size=200))
def test_arbitrary_bytes_always_give_a_classified_outcome(status: int, body: bytes) -> None:
    outcome = _outcome(status, body)
    assert outcome.outcome in Outcome and outcome.classification


@given(status=st.integers(min_value=100, max_value=599), value=json_values)
def test_arbitrary_json_always_gives_a_classified_outcome(status: int, value: object) -> None:
    outcome = _outcome(status, json.dumps(value).encode())
    assert outcome.outcome in Outcome
    vendor_reference(outcome.data)


def test_unknown_names_are_classified_by_their_http_code() -> None:
    assert rule_for("brand-new", 200).classification == "needs_human"
    assert rule_for("brand-new", 404).classification == "terminal"
    assert rule_for("brand-new", 503).outcome is Outcome.UNKNOWN
    assert rule_for(None, 429).classification == "retryable"


def test_the_status_is_read_from_status_then_code() -> None:
    assert _outcome(400, b'{"code": "card-expired"}').vendor_code == "card-expired"
    assert _outcome(400, b'{"status": "declined-payment", "code": 400}').vendor_code == (
        "declined-payment"
    )
