"""The projection runner: catch up with the store in batches, then follow it live."""

from __future__ import annotations

import gc
import hashlib
import logging
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager

import sqlalchemy as sa
from eventsourcing.persistence import OperationalError

from ordertrail.adapters.store.engines import engine_for
from ordertrail.domain.tracker import Tracker
from ordertrail.projections.errors import DuplicateDeliveryError
from ordertrail.projections.listen import waiter_for
from ordertrail.projections.read_model import AnyReadModel, ordered
from ordertrail.projections.rebuild import rebuild
from ordertrail.projections.registry import READ_MODELS
from ordertrail.projections.schema import prepare
from ordertrail.projections.source import Source
from ordertrail.projections.tables import live
from ordertrail.projections.writer import Writer

log = logging.getLogger(__name__)

NAME = "read_models"
DEFAULT_BATCH_SIZE = 50_000


@contextmanager
def _no_cycle_collection() -> Iterator[None]:
    """Pause the cyclic garbage collector for one batch.

    A batch allocates tens of thousands of small objects that form no cycles; left on, the
    collector scans them over and over, which costs as much as the fold itself.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


class ProjectionRunner:
    """Feeds every registered read model (``ordertrail.projections.registry``) from ``tracker``'s store.

    Each batch is one transaction holding its row changes and the new tracking
    position; the database refuses a batch whose position was already moved
    (see ``ordertrail.projections.writer``). ``catch_up`` and ``follow`` then re-read the
    position and carry on, so a second runner started by mistake is harmless.
    """

    def __init__(self, tracker: Tracker, url: str, auto_upgrade: bool = True,
                 batch_size: int = DEFAULT_BATCH_SIZE,
                 read_models: Sequence[AnyReadModel] = READ_MODELS) -> None:
        """``read_models``: the models to feed, every registered one by default. A subset (each
        with the models it depends on) is for measuring one model's cost: it keeps its own
        tracking row, so a full runner later on the same tables refuses the events it already
        holds rather than skipping the models it left out."""
        self.tracker = tracker
        self.url = url
        self.batch_size = batch_size
        self.models = ordered(read_models)
        names = ",".join(model.name for model in self.models)
        self.name = NAME if len(self.models) == len(READ_MODELS) else (
            f"{NAME}-{hashlib.sha1(names.encode()).hexdigest()[:12]}")  # the column holds 64
        self.source = Source(tracker)
        self.engine = engine_for(url)
        prepare(self.engine, auto_upgrade)
        self.sealed = tracker.mapper.cipher is not None
        """An encrypted store's read models keep no free text (``ordertrail.projections.sealed``)."""
        self.writer = Writer(self.engine, live(self.models), self.name, alerts=True,
                             sealed=self.sealed, models=self.models)
        self.position = self.writer.position()

    def run_batch(self) -> int:
        """Apply the next batch; the order events applied. DuplicateDeliveryError if refused."""
        return self._step(self.writer, self.position)[0]

    def catch_up(self) -> int:
        """Apply batches until the store has nothing newer; the order events applied."""
        return self._catch_up(self.writer)

    def follow(self, stop: threading.Event, poll_interval: float = 1.0) -> None:
        """Catch up, then keep applying new events until ``stop`` is set."""
        channel: str | None = getattr(self.tracker.recorder, "channel_name", None)
        waiter = waiter_for(self.url, channel)
        try:
            while not stop.is_set():
                try:
                    self.catch_up()
                except (sa.exc.OperationalError, OperationalError) as error:
                    log.warning("projection %s: store unavailable (%s); retrying", self.name,
                                error)
                waiter.wait(stop, poll_interval)
        finally:
            waiter.close()

    def rebuild(self) -> int:
        """Rebuild every read model from zero and swap it in whole; the order events applied."""
        applied, self.position = rebuild(self.engine, self.name, self._catch_up, self.sealed,
                                         self.models)
        return applied

    def close(self) -> None:
        self.engine.dispose()

    def _catch_up(self, writer: Writer) -> int:
        total = 0
        position = writer.position()
        while True:
            try:
                applied, last = self._step(writer, position)
            except DuplicateDeliveryError:
                log.info("projection %s: another runner moved on; re-reading its position",
                         writer.name)
                position = writer.position()
                continue
            total += applied
            if last == position:
                return total
            position = last

    def _step(self, writer: Writer, position: int) -> tuple[int, int]:
        with _no_cycle_collection():
            batch = self.source.read(position, self.batch_size)
            if batch.last == position:
                return 0, position
            writer.write(position, batch.last, batch.events)
        if writer is self.writer:
            self.position = batch.last
        return batch.order_events, batch.last
