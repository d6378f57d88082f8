"""Runs a model from Slicer: export inputs, start the launcher, poll it from a Qt timer, import."""

import os
import shutil
import tempfile

import qt
import slicer

from MHubLib import Launcher, launcher as launcherModule

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
    """One model's runs in this Slicer session; at most one at a time."""

    POLL_MS = 200

    def __init__(self, spec, moduleDir):
        self.spec = spec
        self.moduleDir = moduleDir
        self.run = None
        self.timer = None
        self.workDir = None

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
        return self.run is not None and not self.run.finished

    def start(self, inputNodes, backend, forceCpu=False, segmentationNode=None, onEvent=None, onFinished=None):
        """Returns at once; onEvent(event) for log/progress, onFinished(state, error, nodes) at the end."""
        if self.isRunning:
            raise RuntimeError("{} is already running".format(self.spec["title"]))
        runtime = self.spec["runtimes"].get(backend)
        if runtime is None:
            raise RuntimeError("{} has no {} runtime".format(self.spec["title"], backend))
        self.workDir = tempfile.mkdtemp(prefix="mhub-slicer-")
        try:
            exportDir = os.path.join(self.workDir, "export")
            os.makedirs(exportDir)
            inputs = {}
            for modelInput in self.spec["inputs"]:
                node = inputNodes.get(modelInput["id"])
                if node is None:
                    raise RuntimeError("choose a node for input '{}'".format(modelInput["label"]))
                inputs[modelInput["id"]] = scene.exportInput(node, modelInput, runtime["interface"], exportDir)
            self.run = self.launcher().start(backend, inputs, os.path.join(self.workDir, "results"), forceCpu)
        except Exception:
            self._cleanup()
            raise
        reference = inputNodes[self.spec["inputs"][0]["id"]]
        self.timer = qt.QTimer()
        self.timer.setInterval(self.POLL_MS)
        self.timer.connect("timeout()", lambda: self._poll(reference, segmentationNode, onEvent, onFinished))
        self.timer.start()
        return self.run

    def _poll(self, reference, segmentationNode, onEvent, onFinished):
        if self.run is None:
            return
        for event in self.run.poll():
            if onEvent is not None:
                onEvent(event)
        if not self.run.finished:
            return
        self.timer.stop()
        state, error, nodes = self.run.state, self.run.error, []
        if state == launcherModule.SUCCEEDED:
            try:
                nodes = scene.importOutputs(self.spec, self.run.outputs, reference, segmentationNode,
                                            self.moduleDir)
            except Exception as importError:  # noqa: BLE001 - reported to the user
                state, error = launcherModule.FAILED, "importing the results failed: {}".format(importError)
        self._cleanup()
        if onFinished is not None:
            onFinished(state, error, nodes)

    def cancel(self):
        if self.isRunning:
            self.run.cancel()

    def _cleanup(self):
        if self.workDir:
            shutil.rmtree(self.workDir, ignore_errors=True)
            self.workDir = None
