"""Compose the service: the PPW Link receiver (when configured) and the JSON API."""

from __future__ import annotations

from pathlib import Path

from aiohttp import web

from ordertrail.adapters.common.secret import Secret
from ordertrail.adapters.config import Config, ConfigError
from ordertrail.adapters.ppw import PPWConfig, PPWLink, PPWOutbox, make_app
from ordertrail.adapters.ppw.outbox import path_for
from ordertrail.adapters.service.api import ReadSide, make_api
from ordertrail.domain.tracker import Tracker


def ppw_config(config: Config) -> PPWConfig | None:
    table = config.vendors.get("ppw")
    if not table:
        return None
    missing = [k for k in ("username", "password_sha1_env", "site_id", "remote_site_id")
               if not table.get(k)]
    if missing:
        raise ConfigError(f"{config.source}: [vendors.ppw] needs {', '.join(missing)}")
    digest = config.secret_from_env("ppw", "password_sha1_env").strip().lower()
    if len(digest) != 40 or any(ch not in "0123456789abcdef" for ch in digest):
        raise ConfigError(
            f"{config.source}: [vendors.ppw] password_sha1_env must hold a 40-hex SHA-1 digest"
        )
    return PPWConfig(
        username=table["username"], password_sha1=Secret(digest), site_id=table["site_id"],
        remote_site_id=table["remote_site_id"],
        max_body_bytes=int(config.service.get("max_body_bytes", 1024 * 1024)),
    )


def outbox_path(config: Config) -> Path:
    """The PPW receiver's bookkeeping file (see ``ordertrail.adapters.ppw.outbox.path_for``)."""
    return path_for(config.store_url, config.results_dir)


def make_service(
    tracker: Tracker, read_side: ReadSide, config: Config
) -> tuple[web.Application, PPWOutbox | None]:
    """The receiver app (it owns the body-size limit) with the API mounted under /api."""
    ppw = ppw_config(config)
    outbox: PPWOutbox | None = None
    if ppw is None:
        app = web.Application(client_max_size=int(config.service.get("max_body_bytes", 1 << 20)))
    else:
        outbox = PPWOutbox(outbox_path(config), cipher=tracker.mapper.cipher)
        path = config.vendors["ppw"].get("receiver_path", "/ppw/receiver")
        app = make_app(PPWLink(tracker, outbox, ppw), path)
    app.add_subapp("/api", make_api(tracker, read_side))
    return app, outbox
