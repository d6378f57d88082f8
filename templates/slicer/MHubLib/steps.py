"""Steps of a run: subprocesses and Python functions in threads, all polled without blocking."""

import threading

from .process import BackgroundProcess


class ProcessStep(object):
    def __init__(self, label, args, env=None, cwd=None, on_cancel=None, reports_progress=False):
        self.label = label
        self.process = BackgroundProcess(args, env=env, cwd=cwd, on_cancel=on_cancel)
        self.reports_progress = reports_progress

    def start(self):
        self.process.start()

    def poll(self):
        """(lines, None while running | (ok, message) when done)."""
        lines, status = self.process.poll()
        if status is None:
            return lines, None
        if status == 0:
            return lines, (True, "")
        return lines, (False, "{} failed with exit status {}".format(self.label, status))

    def cancel(self):
        self.process.cancel()


class FunctionStep(object):
    """Runs fn(log, cancelled) in a thread; an exception is the step's failure message."""

    def __init__(self, label, fn):
        self.label = label
        self.fn = fn
        self.reports_progress = False
        self._lines = []
        self._lock = threading.Lock()
        self._cancel = threading.Event()
        self._result = None
        self._thread = None

    def _log(self, text):
        with self._lock:
            self._lines.append(text)

    def _run(self):
        try:
            self.fn(self._log, self._cancel.is_set)
            self._result = (True, "")
        except Exception as error:  # noqa: BLE001 - reported as the step's failure
            self._result = (False, "{}: {}".format(self.label, error))

    def start(self):
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def poll(self):
        with self._lock:
            lines, self._lines = self._lines, []
        if self._thread.is_alive():
            return lines, None
        return lines, self._result

    def cancel(self):
        self._cancel.set()

    def join(self, timeout=None):
        if self._thread is not None:
            self._thread.join(timeout)
