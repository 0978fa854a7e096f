"""Operational commands: configuration checks."""

from __future__ import annotations

from typing import Any

import click

from ordertrail.adapters.cli.main import MissingStore
from ordertrail.adapters.cli.render import print_json, print_table
from ordertrail.adapters.common.tables import env_keys
from ordertrail.adapters.store import StoreURL


@click.group()
def config() -> None:
    """Inspect the configuration."""


@config.command("check")
@click.pass_obj
def config_check(app: Any) -> None:
    """Check the file (every problem at once), every variable it names, and open the store."""
    cfg = app.config
    checks: list[tuple[str, str]] = [
        ("config", cfg.source),
        ("store", str(StoreURL.parse(cfg.store_url))),
    ]
    for name, table in cfg.tables():  # the loader has checked each variable already
        checks += [(f"{name}.{key}", f"{env_var} is set") for key, _, env_var in env_keys(table)]
    try:
        app.tracker()
        checks.append(("store", "opened"))
    except MissingStore:
        checks.append(("store", "not created yet: the first `ordertrail place` creates it"))
    if app.as_json:
        print_json(dict(checks))
    else:
        print_table("configuration", ["what", "status"], checks)


COMMANDS = [config]
