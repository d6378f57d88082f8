"""The panel of a generated model module (its thin module file subclasses ModelWidget)."""

import ctk
import qt
import slicer
import vtk
from slicer.ScriptedLoadableModule import ScriptedLoadableModuleWidget
from slicer.util import VTKObservationMixin

from MHubLib import launcher

from .widgets import BackgroundCall, BoundWidgets

BACKEND_LABELS = {"docker": "Docker", "venv": "Python environment"}


class ModelWidget(ScriptedLoadableModuleWidget, VTKObservationMixin):
    """A generated model module's panel: one selector per input, how to run it, Apply/Cancel,
    progress and log. Settings live in the module's parameter node (parameterNodeWrapper), bound
    to the widgets while the module is entered, as in Slicer's scripted-module template. A
    subclass sets MODEL and createLogic()."""

    MODEL = None

    def createLogic(self):
        raise NotImplementedError
    def __init__(self, parent=None):
        ScriptedLoadableModuleWidget.__init__(self, parent)
        VTKObservationMixin.__init__(self)
        self.logic = None
        self.inputSelectors = {}
        self._parameterNode = None
        self._parameterNodeGuiTag = None
        self._entered = False
        self._gpuCheck = None

    def setup(self):
        ScriptedLoadableModuleWidget.setup(self)
        self.logic = self.createLogic()
        self.ui = BoundWidgets()

        inputsSection = ctk.ctkCollapsibleButton()
        inputsSection.text = "Inputs"
        self.layout.addWidget(inputsSection)
        inputsForm = qt.QFormLayout(inputsSection)
        for modelInput in self.MODEL["inputs"]:
            selector = slicer.qMRMLNodeComboBox()
            selector.nodeTypes = [modelInput["nodeClass"]]
            selector.selectNodeUponCreation = True
            selector.addEnabled = False
            selector.removeEnabled = False
            selector.noneEnabled = False
            selector.setMRMLScene(slicer.mrmlScene)
            selector.setToolTip(modelInput["description"] or modelInput["label"])
            self.ui.bind(selector, "input_" + modelInput["id"])
            inputsForm.addRow(modelInput["label"] + ":", selector)
            self.inputSelectors[modelInput["id"]] = selector

        optionsSection = ctk.ctkCollapsibleButton()
        optionsSection.text = "Options"
        self.layout.addWidget(optionsSection)
        optionsForm = qt.QFormLayout(optionsSection)
        self.backendSelector = qt.QComboBox()
        for backend in self.logic.backends():
            self.backendSelector.addItem(BACKEND_LABELS[backend], backend)
        self.backendSelector.connect("currentIndexChanged(int)", self.onBackendChanged)
        optionsForm.addRow("Run with:", self.backendSelector)
        self.forceCpuCheckBox = qt.QCheckBox()
        self.forceCpuCheckBox.enabled = self.MODEL["gpu"] not in ("unsupported", "required")
        self.forceCpuCheckBox.setToolTip("Run on the CPU even when a GPU is available (slower).")
        self.ui.bind(self.forceCpuCheckBox, "forceCpu")
        optionsForm.addRow("Force CPU:", self.forceCpuCheckBox)
        self.gpuLabel = qt.QLabel("checking...")
        optionsForm.addRow("GPU:", self.gpuLabel)

        self.outputSelector = slicer.qMRMLNodeComboBox()
        self.outputSelector.nodeTypes = ["vtkMRMLSegmentationNode"]
        self.outputSelector.addEnabled = True
        self.outputSelector.renameEnabled = True
        self.outputSelector.noneEnabled = True
        self.outputSelector.noneDisplay = "(create new segmentation)"
        self.outputSelector.setMRMLScene(slicer.mrmlScene)
        self.ui.bind(self.outputSelector, "outputSegmentation")
        optionsForm.addRow("Output segmentation:", self.outputSelector)

        self.applyButton = qt.QPushButton("Apply")
        self.applyButton.connect("clicked(bool)", self.onApplyButton)
        self.layout.addWidget(self.applyButton)
        self.progressBar = qt.QProgressBar()
        self.progressBar.setRange(0, 100)
        self.progressBar.visible = False
        self.layout.addWidget(self.progressBar)
        self.statusLog = qt.QPlainTextEdit()
        self.statusLog.setReadOnly(True)
        self.statusLog.setMaximumBlockCount(5000)
        self.layout.addWidget(self.statusLog)
        self.layout.addStretch(1)

        self.addObserver(slicer.mrmlScene, slicer.mrmlScene.StartCloseEvent, self.onSceneStartClose)
        self.addObserver(slicer.mrmlScene, slicer.mrmlScene.EndCloseEvent, self.onSceneEndClose)
        self.initializeParameterNode()
        self.startGpuCheck()

    def cleanup(self):
        """Slicer closes or the module is unloaded: stop the run, the timers and the observers."""
        self.removeObservers()
        if self._gpuCheck is not None:
            self._gpuCheck.stop()
        if self.logic is not None:
            self.logic.cancel()

    def enter(self):
        self._entered = True
        self.initializeParameterNode()

    def exit(self):
        self._entered = False
        self.setParameterNode(None)

    def onSceneStartClose(self, caller, event):
        # the run's inputs and its output node are about to go: stop it
        self.logic.cancel()
        self.setParameterNode(None)

    def onSceneEndClose(self, caller, event):
        if self._entered:
            self.initializeParameterNode()

    def initializeParameterNode(self):
        self.setParameterNode(self.logic.getParameterNode())
        for modelInput in self.MODEL["inputs"]:
            name = "input_" + modelInput["id"]
            if getattr(self._parameterNode, name) is None:
                first = slicer.mrmlScene.GetFirstNodeByClass(modelInput["nodeClass"])
                if first is not None:
                    setattr(self._parameterNode, name, first)

    def setParameterNode(self, parameterNode):
        if self._parameterNode:
            self._parameterNode.disconnectGui(self._parameterNodeGuiTag)
            self._parameterNodeGuiTag = None
            self.removeObserver(self._parameterNode, vtk.vtkCommand.ModifiedEvent, self.updateButtons)
        self._parameterNode = parameterNode
        if self._parameterNode:
            self._parameterNodeGuiTag = self._parameterNode.connectGui(self.ui)
            self.addObserver(self._parameterNode, vtk.vtkCommand.ModifiedEvent, self.updateButtons)
        self.updateButtons()

    def onBackendChanged(self, index):
        if self._parameterNode and index >= 0:
            self._parameterNode.backend = self.backendSelector.itemData(index)

    def startGpuCheck(self):
        """nvidia-smi can take seconds: it runs in the background."""
        self._gpuCheck = BackgroundCall("check the GPU", self.logic.gpuDescription, self.onGpuChecked)

    def onGpuChecked(self, text, error):
        self.gpuLabel.text = text or error

    def inputNodes(self):
        p = self._parameterNode
        return {i["id"]: getattr(p, "input_" + i["id"]) if p else None for i in self.MODEL["inputs"]}

    def updateButtons(self, *unused):
        p = self._parameterNode
        if p is not None:
            index = self.backendSelector.findData(p.backend)
            if index >= 0 and index != self.backendSelector.currentIndex:
                self.backendSelector.setCurrentIndex(index)
        running = self.logic.isRunning()
        ready = p is not None and all(node is not None for node in self.inputNodes().values())
        self.applyButton.text = "Cancel" if running else "Apply"
        self.applyButton.enabled = running or (ready and self.backendSelector.count > 0)

    def onApplyButton(self):
        if self.logic.isRunning():
            self.logic.cancel()
            self.addLog("Cancelling...")
            return
        p = self._parameterNode
        self.statusLog.clear()
        self.progressBar.value = 0
        self.progressBar.visible = True
        with slicer.util.tryWithErrorDisplay("Failed to start the model.", waitCursor=True):
            self.logic.process(self.inputNodes(), p.backend, p.forceCpu, p.outputSegmentation,
                               self.onRunEvent, self.onRunFinished)
        self.updateButtons()

    def addLog(self, text):
        self.statusLog.appendPlainText(text)

    def onRunEvent(self, event):
        if event["type"] == "progress":
            if event["value"] is not None:
                self.progressBar.value = int(100 * event["value"])
            if event["message"]:
                self.addLog(event["message"])
        elif event["type"] == "log":
            self.addLog(event["text"])

    def onRunFinished(self, state, error, nodes):
        self.progressBar.visible = False
        if state == launcher.SUCCEEDED:
            self.addLog("Done.")
            segmentations = [n for n in nodes if n.IsA("vtkMRMLSegmentationNode")]
            if segmentations and self._parameterNode:
                self._parameterNode.outputSegmentation = segmentations[0]
        elif state == launcher.CANCELLED:
            self.addLog("Cancelled.")
        else:
            self.addLog("Failed: " + error)
            slicer.util.errorDisplay("{} failed: {}".format(self.MODEL["title"], error))
        self.updateButtons()
