"""Small GUI helpers the generated modules share."""

import qt

from MHubLib.steps import FunctionStep


class BoundWidgets(object):
    """The widgets a parameter node's connectGui binds, each named by its SlicerParameterName."""

    def bind(self, widget, parameterName):
        widget.setProperty("SlicerParameterName", parameterName)
        setattr(self, parameterName, widget)


class BackgroundCall(object):
    """fn() in a thread, its answer handed to onDone(value, error) on the GUI thread by a Qt
    timer: for checks that run subprocesses (nvidia-smi, docker) and must not hold the GUI."""

    def __init__(self, label, fn, onDone, intervalMs=200):
        answer = {}
        self.step = FunctionStep(label, lambda log, cancelled: answer.update(value=fn()))
        self.answer, self.onDone = answer, onDone
        self.timer = qt.QTimer()
        self.timer.setInterval(intervalMs)
        self.timer.connect("timeout()", self._poll)
        self.step.start()
        self.timer.start()

    @property
    def running(self):
        return self.timer is not None

    def _poll(self):
        _lines, result = self.step.poll()
        if result is None:
            return
        self.stop()
        ok, message = result
        self.onDone(self.answer.get("value"), None if ok else message)

    def stop(self, wait=0.0):
        """No more polling (onDone is not called); with wait, up to that many seconds for the
        thread to end (a thread cannot be killed: fn should end on its own)."""
        if self.timer is not None:
            self.timer.stop()
            self.timer = None
        if wait:
            self.step.join(wait)
