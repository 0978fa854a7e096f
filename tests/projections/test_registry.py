"""The registry: every read model listed once, run after the models it depends on."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from ordertrail.projections.models import Base
from ordertrail.projections.read_model import ordered
from ordertrail.projections.registry import ORDERED, READ_MODELS


@dataclass
class Named:
    """Just enough of a read model for ``ordered``."""

    name: str
    depends_on: tuple[str, ...] = ()


def test_the_registry_lists_every_read_model_folder_once() -> None:
    names = [model.name for model in READ_MODELS]
    assert sorted(names) == ["attention", "audit_log", "connectors", "order_status",
                             "vendor_daily", "vendor_health"]


def test_each_model_runs_after_the_models_it_depends_on() -> None:
    seen: set[str] = set()
    for model in ORDERED:
        assert set(model.depends_on) <= seen, model.name
        seen.add(model.name)


def test_every_registered_table_is_migrated_with_the_others() -> None:
    tables = [table.name for model in READ_MODELS for table in model.tables]
    assert len(tables) == len(set(tables))
    assert set(tables) <= set(Base.metadata.tables)


def test_order_follows_dependencies_not_the_listing() -> None:
    models = [Named("health", ("status",)), Named("status")]
    assert [m.name for m in ordered(models)] == ["status", "health"]  # type: ignore[arg-type]


def test_a_dependency_on_an_unregistered_model_is_refused() -> None:
    with pytest.raises(ValueError, match="unregistered"):
        ordered([Named("health", ("status",))])  # type: ignore[list-item]


def test_models_depending_on_each_other_are_refused() -> None:
    with pytest.raises(ValueError, match="each other"):
        ordered([Named("a", ("b",)), Named("b", ("a",))])  # type: ignore[list-item]
