"""Polling for a condition with a bound, failing with what was awaited."""

import time
from typing import Callable, TypeVar

T = TypeVar("T")


class TimedOut(AssertionError):
    """A condition did not hold in time; the message says which."""


def wait_until(what: str, condition: Callable[[], T], timeout: float = 15.0, every: float = 0.1) -> T:
    """Returns the condition's first truthy value; raises TimedOut after `timeout` seconds.

    A condition that raises counts as not yet (a process still starting, a
    file not yet written), and the last error is kept in the message.
    """
    deadline = time.monotonic() + timeout
    last_error = None
    while True:
        try:
            value = condition()
            if value:
                return value
        except Exception as error:  # noqa: BLE001 - any failure is "not yet"
            last_error = error
        if time.monotonic() >= deadline:
            detail = f" (last error: {last_error!r})" if last_error else ""
            raise TimedOut(f"timed out after {timeout:g} s waiting for {what}{detail}")
        time.sleep(every)
