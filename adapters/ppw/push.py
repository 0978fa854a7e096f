"""The one call we make to PPW: ping the PPW Link Push URL so it polls us soon."""

from __future__ import annotations

import logging

import aiohttp

from ordertrail.adapters.ppw.link import PUSH_URL_KEY
from ordertrail.adapters.ppw.outbox import PPWOutbox

log = logging.getLogger(__name__)
PING_DUE_KEY = "push_ping_due"


async def ping_push_url(
    session: aiohttp.ClientSession, url: str, timeout_seconds: float = 10.0
) -> bool:
    """GET the push URL; True on any 2xx. Failures are logged (PPW polls anyway)."""
    if not url.startswith(("https://", "http://")):
        log.warning("ppw push URL is not http(s); not pinged")
        return False
    try:
        async with session.get(
            url, timeout=aiohttp.ClientTimeout(total=timeout_seconds), allow_redirects=False
        ) as response:
            if 200 <= response.status < 300:
                return True
            log.warning("ppw push ping answered HTTP %s; will retry", response.status)
    except (aiohttp.ClientError, TimeoutError) as error:
        log.warning("ppw push ping failed (%s); will retry", type(error).__name__)
    return False


def request_ping(outbox: PPWOutbox) -> None:
    """Note that PPW should be told new orders exist (call after requesting PPW orders)."""
    outbox.set_state(PING_DUE_KEY, "1")


async def ping_if_due(session: aiohttp.ClientSession, outbox: PPWOutbox) -> bool:
    """Ping when one is due and a push URL is known; a failed ping stays due for next time."""
    url = outbox.get_state(PUSH_URL_KEY)
    if outbox.get_state(PING_DUE_KEY) != "1" or not url:
        return False
    done = await ping_push_url(session, url)
    if done:
        outbox.set_state(PING_DUE_KEY, "0")
    return done
