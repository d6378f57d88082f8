"""Runs a model from Slicer: export inputs, start the launcher, poll it from a Qt timer, import."""

import os
import shutil
import tempfile

import qt
import slicer

from MHubLib import Launcher, launcher as launcherModule
from MHubLib.steps import FunctionStep

from . import scene

SETTINGS_PREFIX = "MHub/"


def settings(key, default=""):
    """User settings (Application settings, key MHub/<key>): DockerPath, PythonPath, CacheDir."""
    value = slicer.util.settingsValue(SETTINGS_PREFIX + key, default)
    return value or default


def startupEnvironment():
    """The environment Slicer was started with: without Slicer's own Python paths."""
    try:
        return dict(slicer.util.startupEnvironment())
    except Exception:  # noqa: BLE001 - older Slicer or a test scene
        return dict(os.environ)


class ModelRunner(object):
    """One model's runs in this Slicer session; at most one at a time. Nothing slow runs on the
    GUI thread: a Qt timer polls three phases in turn: the inputs' export (DICOM series written
    by Slicer's CreateDICOMSeries CLI, or original files copied, in the background), the
    launcher's start (Docker, image, GPU and Python checks: subprocesses, in a thread), and the
    run itself. Only the import of the results touches the scene."""

    POLL_MS = 200

    def __init__(self, spec, moduleDir):
        self.spec = spec
        self.moduleDir = moduleDir
        self.terminologyContexts = scene.loadTerminologyContexts(spec, moduleDir)
        self.run = None
        self.phase = None
        self.timer = None
        self.workDir = None
        self.exports = []
        self.starting = None
        self.cancelled = False

    def bundledSource(self):
        folder = os.path.join(self.moduleDir, "Resources", "ModelSource")
        return folder if os.path.isdir(folder) else None

    def launcher(self):
        return Launcher(
            self.spec,
            cache_dir=settings("CacheDir") or launcherModule.default_cache_dir(),
            docker_path=settings("DockerPath") or None,
            python=settings("PythonPath") or None,
            source_dir=self.bundledSource(),
            environ=startupEnvironment(),
        )

    @property
    def isRunning(self):
        return self.phase is not None

    def start(self, inputNodes, backend, forceCpu=False, segmentationNode=None, onEvent=None, onFinished=None):
        """Returns at once; onEvent(event) for log/progress, onFinished(state, error, nodes) at the end."""
        if self.isRunning:
            raise RuntimeError("{} is already running".format(self.spec["title"]))
        runtime = self.spec["runtimes"].get(backend)
        if runtime is None:
            raise RuntimeError("{} has no {} runtime".format(self.spec["title"], backend))
        for modelInput in self.spec["inputs"]:
            if inputNodes.get(modelInput["id"]) is None:
                raise RuntimeError("choose a node for input '{}'".format(modelInput["label"]))
        self.workDir = tempfile.mkdtemp(prefix="mhub-slicer-")
        self.exports, self.inputs, self.cancelled, self.run = [], {}, False, None
        try:
            exportDir = os.path.join(self.workDir, "export")
            os.makedirs(exportDir)
            for modelInput in self.spec["inputs"]:
                path, task = scene.startInputExport(inputNodes[modelInput["id"]], modelInput,
                                                    runtime["interface"], exportDir)
                self.inputs[modelInput["id"]] = path
                self.exports.append(task)
        except Exception:
            self._cancelExports()
            self._cleanup()
            raise
        self.backend, self.forceCpu = backend, forceCpu
        self.reference = inputNodes[self.spec["inputs"][0]["id"]]
        self.segmentationNode, self.onEvent, self.onFinished = segmentationNode, onEvent, onFinished
        self.phase = "export"
        self._emit({"type": "progress", "value": 0.0, "message": "Exporting the inputs"})
        self.timer = qt.QTimer()
        self.timer.setInterval(self.POLL_MS)
        self.timer.connect("timeout()", self._poll)
        self.timer.start()

    def _emit(self, event):
        if self.onEvent is not None:
            self.onEvent(event)

    def _poll(self):
        try:
            if self.phase == "export":
                self._pollExport()
            elif self.phase == "start":
                self._pollStart()
            elif self.phase == "run":
                self._pollRun()
        except Exception as error:  # noqa: BLE001 - reported to the user
            self._cancelExports()
            self._finish(launcherModule.FAILED, str(error), [])

    def _pollExport(self):
        if self.cancelled:
            # the work folder goes only once no export writes into it any more
            if any(_stillRunning(task) for task in self.exports):
                return
            self._finish(launcherModule.CANCELLED, "cancelled", [])
            return
        done = [task.poll() for task in self.exports]
        if not all(done):
            progress = sum(task.progress for task in self.exports) / len(self.exports)
            self._emit({"type": "progress", "value": 0.1 * progress, "message": None})
            return
        self._emit({"type": "log", "text": "Inputs exported; checking the {} environment".format(self.backend)})
        launcher, inputs, workDir = self.launcher(), dict(self.inputs), self.workDir
        started = {}

        def startRun(log, cancelled):
            started["run"] = launcher.start(self.backend, inputs, os.path.join(workDir, "results"), self.forceCpu)

        self.starting = (FunctionStep("start " + self.spec["title"], startRun), started)
        self.starting[0].start()
        self.phase = "start"

    def _pollStart(self):
        step, started = self.starting
        _lines, result = step.poll()
        if result is None:
            return
        ok, message = result
        if not ok:
            self._finish(launcherModule.FAILED, message, [])
            return
        self.run = started["run"]
        self.phase = "run"
        if self.cancelled:
            self.run.cancel()

    def _pollRun(self):
        for event in self.run.poll():
            if event.get("type") == "progress" and event.get("value") is not None:
                event = dict(event, value=0.1 + 0.9 * event["value"])
            self._emit(event)
        if not self.run.finished:
            return
        state, error, nodes = self.run.state, self.run.error, []
        if state == launcherModule.SUCCEEDED:
            try:
                nodes = scene.importOutputs(self.spec, self.run.outputs, self.reference, self.segmentationNode,
                                            self.moduleDir, self.workDir, self.terminologyContexts)
            except Exception as importError:  # noqa: BLE001 - reported to the user
                state, error = launcherModule.FAILED, "importing the results failed: {}".format(importError)
        self._finish(state, error, nodes)

    def _finish(self, state, error, nodes):
        if self.timer is not None:
            self.timer.stop()
        self.phase = None
        self._cleanup()
        if self.onFinished is not None:
            self.onFinished(state, error, nodes)

    def cancel(self):
        """Asks the run to stop; onFinished reports CANCELLED once everything is cleaned up."""
        if not self.isRunning:
            return
        self.cancelled = True
        if self.phase == "export":
            self._cancelExports()
        elif self.phase == "run":
            self.run.cancel()

    def _cancelExports(self):
        for task in self.exports:
            task.cancel()

    def _cleanup(self):
        if self.workDir:
            shutil.rmtree(self.workDir, ignore_errors=True)
            self.workDir = None


def _stillRunning(task):
    try:
        return task.poll() is None
    except Exception:  # noqa: BLE001 - a cancelled export ends in an error: it has stopped
        return False
