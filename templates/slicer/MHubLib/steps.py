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


class ContainerStep(object):
    """One container, create -> start --attach -> rm, as the Node runner does through the API.

    `docker run --rm` cannot be cancelled safely: before the container runs, `docker kill`
    fails and the killed client never removes it. Here the name is fixed before create, and
    every ending (success, failure, cancel in any phase) goes through `docker rm --force`; the
    step reports its result only once the container is gone.
    """

    def __init__(self, label, create_args, start_args, remove_args, env=None, notes=None):
        """notes: called at start (after any pull), returns lines to show first (warnings)."""
        self.label = label
        self.reports_progress = True
        self._notes_fn = notes
        self._notes = []
        self._create = BackgroundProcess(create_args, env=env)
        self._start = BackgroundProcess(start_args, env=env)
        self._remove = BackgroundProcess(remove_args, env=env)
        self._phase = None
        self._result = None
        self._cancelled = False

    @property
    def phase(self):
        """create, start, remove or done."""
        return self._phase

    def start(self):
        self._phase = "create"
        if self._notes_fn is not None:
            self._notes = list(self._notes_fn())
        self._create.start()

    def _remove_then(self, result):
        if self._result is None:
            self._result = result
        self._phase = "remove"
        self._remove.start()

    def poll(self):
        lines, self._notes = self._notes, []
        if self._phase == "create":
            output, status = self._create.poll()
            if status is None:
                return lines, None
            if self._cancelled:
                self._remove_then((False, "cancelled"))
            elif status != 0:
                self._remove_then((False, "{}: creating the container failed: {}".format(
                    self.label, " ".join(output[-3:]) or "exit status {}".format(status))))
            else:
                self._phase = "start"
                self._start.start()
        if self._phase == "start":
            output, status = self._start.poll()
            lines += output
            if status is None:
                return lines, None
            if status == 0:
                self._remove_then((True, ""))
            else:
                self._remove_then((False, "{} failed with exit status {}".format(self.label, status)))
        if self._phase == "remove":
            if self._start.process is not None:
                lines += self._start.poll()[0]
            _output, status = self._remove.poll()
            if status is None:
                return lines, None
            # the attached client ends with the container; make sure of it
            if self._start.process is not None and self._start.process.poll() is None:
                self._start.cancel()
            self._phase = "done"
        return lines, self._result if self._phase == "done" else None

    def cancel(self):
        """Never blocks: the removal runs in the background and poll reports when it is done."""
        if self._cancelled or self._phase in ("remove", "done"):
            return
        self._cancelled = True
        if self._phase == "start":
            self._remove_then((False, "cancelled"))
        # in "create", poll removes the container as soon as create has returned
