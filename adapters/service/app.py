"""Compose the service: the PPW Link receiver (when configured), the JSON API and the console."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from aiohttp import web

from ordertrail.adapters.common.secret import Secret
from ordertrail.adapters.config import Config
from ordertrail.adapters.ppw import PPWConfig, PPWLink, PPWOutbox, make_app
from ordertrail.adapters.ppw.config import DEFAULT_RECEIVER_PATH, PPWTable
from ordertrail.adapters.ppw.outbox import path_for
from ordertrail.adapters.service.api import make_api
from ordertrail.domain.tracker import Tracker

if TYPE_CHECKING:
    from ordertrail.adapters.service.read_side import ProjectedReadSide


def ppw_config(config: Config) -> PPWConfig | None:
    """The receiver's configuration from ``[vendors.ppw]`` (None without one)."""
    table = config.vendor("ppw", PPWTable)
    if table is None:
        return None
    digest = config.secret_from_env("ppw", "password_sha1_env").lower()  # checked: 40 hex
    return PPWConfig(
        username=table.username, password_sha1=Secret(digest), site_id=table.site_id,
        remote_site_id=table.remote_site_id, max_body_bytes=config.service.max_body_bytes,
    )


def receiver_path(config: Config) -> str:
    table = config.vendor("ppw", PPWTable)
    return DEFAULT_RECEIVER_PATH if table is None else table.receiver_path


def outbox_path(config: Config) -> Path:
    """The PPW receiver's bookkeeping file (see ``ordertrail.adapters.ppw.outbox.path_for``)."""
    return path_for(config.store_url, config.results_dir)


def make_service(
    tracker: Tracker, read_side: ProjectedReadSide, config: Config
) -> tuple[web.Application, PPWOutbox | None]:
    """The receiver app (it owns the body-size limit) with the API mounted under /api and the
    operator console at /."""
    ppw = ppw_config(config)
    outbox: PPWOutbox | None = None
    if ppw is None:
        app = web.Application(client_max_size=config.service.max_body_bytes)
    else:
        outbox = PPWOutbox(outbox_path(config), cipher=tracker.cipher)
        app = make_app(PPWLink(tracker, outbox, ppw), receiver_path(config))
    app.add_subapp("/api", make_api(tracker, read_side))
    from ordertrail.adapters.service.console import add_console  # the read models: serving only

    add_console(app, tracker, read_side, config, outbox)
    return app, outbox
