"""Let the updates already in hand finish before the process stops.

aiogram's polling hands each update to a task of its own and, on SIGTERM, stops
fetching without waiting for those tasks; the bot session, the storage and the
database are closed right after, and `asyncio.run` cancels whatever is still
running. An update Telegram already counts as delivered would then be lost
halfway: a booking answered but its dialog state never saved. Shutdown
handlers run before the bot session is closed, so waiting here is in time.
"""

from __future__ import annotations

import asyncio
import logging

from aiogram import Dispatcher

GRACE_SECONDS = 15.0

log = logging.getLogger(__name__)


async def finish_updates_in_hand(dispatcher: Dispatcher) -> None:
    # aiogram keeps the running update tasks in this private set and offers no
    # public way to await them (aiogram 3.31).
    pending = set(dispatcher._handle_update_tasks)
    if not pending:
        return
    log.info("Finishing %d update(s) in hand before stopping", len(pending))
    _done, unfinished = await asyncio.wait(pending, timeout=GRACE_SECONDS)
    if unfinished:
        log.warning("%d update(s) did not finish within %g s", len(unfinished), GRACE_SECONDS)
