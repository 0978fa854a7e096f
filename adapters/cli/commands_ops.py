"""Operational commands: configuration checks."""

from __future__ import annotations

from typing import Any

import click

from ordertrail.adapters.cli.render import print_json, print_table
from ordertrail.adapters.store import StoreURL


@click.group()
def config() -> None:
    """Inspect the configuration."""


@config.command("check")
@click.pass_obj
def config_check(app: Any) -> None:
    """Read the configuration, resolve every secret it names, open the store."""
    cfg = app.config
    checks: list[tuple[str, str]] = [
        ("config", cfg.source),
        ("store", str(StoreURL.parse(cfg.store_url))),
    ]
    for vendor, table in sorted(cfg.vendors.items()):
        for key in sorted(k for k in table if k.endswith("_env")):
            cfg.secret_from_env(vendor, key)
            checks.append((f"{vendor}.{key}", f"{table[key]} is set"))
    app.tracker()
    checks.append(("store", "opened"))
    if app.as_json:
        print_json(dict(checks))
    else:
        print_table("configuration", ["what", "status"], checks)


COMMANDS = [config]
