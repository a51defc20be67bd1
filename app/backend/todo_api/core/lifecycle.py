"""Whether this process is stopping, for /readyz.

Kubernetes stops a pod with the preStop sleep, then SIGTERM. uvicorn's own SIGTERM handler stops accepting
connections, lets in-flight requests finish (at most --timeout-graceful-shutdown seconds), and only then runs the
app's lifespan shutdown. `serving()` wraps that handler while the app serves, so that from the signal on the app
knows it is stopping (and /readyz answers 503) while uvicorn drains, then hands the signal on unchanged.
"""

import logging
import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager

logger = logging.getLogger(__name__)


class Lifecycle:
    def __init__(self) -> None:
        self.stopping = False

    def stop(self) -> None:
        if not self.stopping:
            logger.info("stopping: /readyz answers 503, in-flight requests finish")
        self.stopping = True

    @contextmanager
    def serving(self) -> Iterator[None]:
        """The app's serving time: SIGTERM (in the main thread's server) and the end of it mark it stopping."""
        restore = self._watch_sigterm()
        try:
            yield
        finally:
            self.stop()
            restore()

    def _watch_sigterm(self):
        # Signal handlers belong to the main thread: an app served from another thread (tests) is not watched.
        if threading.current_thread() is not threading.main_thread():
            return lambda: None
        previous = signal.getsignal(signal.SIGTERM)

        def on_sigterm(signum, frame) -> None:
            self.stop()
            if callable(previous):
                previous(signum, frame)  # uvicorn's: stop accepting, drain, shut down
            elif previous == signal.SIG_DFL:
                signal.signal(signal.SIGTERM, signal.SIG_DFL)
                signal.raise_signal(signal.SIGTERM)

        signal.signal(signal.SIGTERM, on_sigterm)

        def restore() -> None:
            if signal.getsignal(signal.SIGTERM) is on_sigterm:
                signal.signal(signal.SIGTERM, previous)

        return restore
