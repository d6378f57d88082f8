"""Export inputs from, and import results into, the MRML scene."""

import os
import shutil
import tempfile
import time

import slicer

from MHubLib import contract, predictions, terminology
from MHubLib.steps import FunctionStep


def dicomFilesOf(node):
    """The DICOM files a node was loaded from (empty when it did not come from DICOM)."""
    uids = (node.GetAttribute("DICOM.instanceUIDs") or "").split()
    database = getattr(slicer, "dicomDatabase", None)
    if not uids or database is None:
        return []
    files = [database.fileForInstance(uid) for uid in uids]
    return [f for f in files if f and os.path.isfile(f)]


def dicomModality(modelInput):
    """The Modality tag an exported input carries: the first the card declares (Slicer's own
    exporter presets CT, which would send an MR volume as CT)."""
    return (modelInput.get("modality") or ["CT"])[0]


class DicomSeriesExport(object):
    """Writes a volume as a DICOM series in the background, with Slicer's CreateDICOMSeries CLI:
    what DICOMLib.DICOMExportScalarVolume.export() runs (same parameters), but started without
    waiting, so the GUI stays free, and without the subject-hierarchy placement that
    DICOMScalarVolumePlugin.export() demands (a volume loaded from NRRD, NIfTI or Sample Data has
    no patient or study). Every UID is new: the series never clashes with the database."""

    def __init__(self, node, folder, modality):
        self.node, self.folder, self.modality = node, folder, modality
        self.cliNode, self.status, self.error = None, None, ""

    def start(self):
        import pydicom

        if not hasattr(slicer.modules, "createdicomseries"):
            raise RuntimeError("Slicer's CreateDICOMSeries module is missing: cannot write DICOM")
        uid = pydicom.uid.generate_uid
        parameters = {
            "inputVolume": self.node.GetID(),
            "dicomDirectory": self.folder,
            "dicomPrefix": "IMG",
            "patientName": "Anonymous",
            "patientID": "MHUB-" + uid().split(".")[-1][-10:],
            "studyID": "1",
            "modality": self.modality,
            "manufacturer": "Unknown manufacturer",
            "model": "Unknown model",
            "seriesDescription": self.node.GetName(),
            "seriesNumber": "301",
            "studyInstanceUID": uid(),
            "seriesInstanceUID": uid(),
            "frameOfReferenceUID": uid(),
        }
        self.cliNode = slicer.cli.run(slicer.modules.createdicomseries, None, parameters,
                                      wait_for_completion=False)
        return self

    @property
    def progress(self):
        return self.cliNode.GetProgress() / 100.0 if self.cliNode is not None else 0.0

    def poll(self):
        """None while writing; True when done; raises when the CLI failed or was cancelled."""
        if self.status is None:
            if self.cliNode.IsBusy():
                return None
            # as DICOMExportScalarVolume does: read the status, then remove the CLI's node
            self.status, self.error = self.cliNode.GetStatus(), self.cliNode.GetErrorText()
            slicer.mrmlScene.RemoveNode(self.cliNode)
        if self.status != self.cliNode.Completed:
            raise RuntimeError("writing {} as DICOM failed{}".format(
                self.node.GetName(), ": " + self.error if self.error else ""))
        return True

    def cancel(self):
        if self.cliNode is not None and self.cliNode.IsBusy():
            self.cliNode.Cancel()


class FileCopy(object):
    """Copies files in a thread (a long DICOM series must not hold the GUI)."""

    def __init__(self, files, folder):
        def copy(log, cancelled):
            for index, path in enumerate(files):
                if cancelled():
                    raise RuntimeError("cancelled")
                shutil.copyfile(path, os.path.join(folder, "{:05d}.dcm".format(index)))
                self.done = index + 1

        self.total, self.done = max(1, len(files)), 0
        self.step = FunctionStep("copy the DICOM files", copy)

    def start(self):
        self.step.start()
        return self

    @property
    def progress(self):
        return self.done / float(self.total)

    def poll(self):
        _lines, result = self.step.poll()
        if result is None:
            return None
        if not result[0]:
            raise RuntimeError(result[1])
        return True

    def cancel(self):
        self.step.cancel()


class Done(object):
    """An export that finished as it started (a NIfTI or NRRD file written by Slicer)."""

    progress = 1.0

    def poll(self):
        return True

    def cancel(self):
        pass


def startInputExport(node, modelInput, interface, folder):
    """Starts writing one input where the launcher expects it: (path, task); poll task.poll()
    until it returns True. The node's storage is never re-pointed (exportNode writes a copy;
    saveNode would change where the scene saves the node)."""
    if interface == "mhub" or modelInput["format"] in ("dicom", "dicomseg"):
        target = os.path.join(folder, modelInput["id"])
        os.makedirs(target)
        files = dicomFilesOf(node)
        if files:
            # the original files: the model sees exactly what the scanner wrote
            return target, FileCopy(files, target).start()
        if modelInput["format"] == "dicomseg":
            raise RuntimeError("{}: this model needs a DICOM SEG input; load one from the DICOM "
                               "database".format(modelInput["label"]))
        return target, DicomSeriesExport(node, target, dicomModality(modelInput)).start()
    path = os.path.join(folder, contract.input_entry_name(modelInput))
    if not slicer.util.exportNode(node, path):
        raise RuntimeError("could not write {} to {}".format(node.GetName(), path))
    return path, Done()


def exportInput(node, modelInput, interface, folder, timeout=3600):
    """startInputExport, waited for (scripts and tests; the module polls instead)."""
    path, task = startInputExport(node, modelInput, interface, folder)
    deadline = time.monotonic() + timeout
    while not task.poll():
        if time.monotonic() > deadline:
            task.cancel()
            raise RuntimeError("exporting {} timed out".format(node.GetName()))
        slicer.app.processEvents()
        time.sleep(0.02)
    return path


def placeUnderStudy(node, referenceNode):
    """Puts a result in the subject hierarchy beside its input (same study)."""
    shNode = slicer.vtkMRMLSubjectHierarchyNode.GetSubjectHierarchyNode(slicer.mrmlScene)
    parent = shNode.GetItemParent(shNode.GetItemByDataNode(referenceNode))
    if parent:
        shNode.SetItemParent(shNode.GetItemByDataNode(node), parent)


def loadTerminologyContexts(spec, moduleDir):
    """Loads each segmentation output's terminology context (the module's .term.json) into
    Slicer's Terminologies module, so that codes outside DICOM's master list resolve in the
    terminology selector. Returns the names of the contexts loaded."""
    logic = slicer.modules.terminologies.logic()
    loaded = set()
    for modelOutput in terminology.segmentation_outputs(spec):
        path = os.path.join(moduleDir, modelOutput["terminologyFile"])
        if os.path.isfile(path) and logic.LoadContextFromFile(path):
            loaded.add(modelOutput["terminologyContext"])
    return loaded


def applySegmentTerminology(segmentationNode, modelOutput, loadedContexts=()):
    """Names, colours and coded terminology from the card, matched by label value; the entry
    names the module's own terminology context when it is loaded."""
    context = modelOutput.get("terminologyContext")
    context = context if context in loadedContexts else terminology.CATEGORY_CONTEXT
    byLabel = terminology.segments_by_label(modelOutput)
    segmentation = segmentationNode.GetSegmentation()
    for index in range(segmentation.GetNumberOfSegments()):
        segment = segmentation.GetNthSegment(index)
        spec = byLabel.get(segment.GetLabelValue())
        if spec is None:
            continue
        name, color = terminology.segment_display(spec)
        segment.SetName(name)
        segment.SetColor(*color)
        segment.SetTag("TerminologyEntry", terminology.terminology_entry(spec, context))


def supportsColorTableCsv():
    """Slicer 5.10 reads colour tables with terminology columns (.csv)."""
    return (slicer.app.majorVersion, slicer.app.minorVersion) >= (5, 10)


def importLabelmap(path, modelOutput, referenceNode, segmentationNode=None, name=None, moduleDir=None,
                   loadedContexts=()):
    """Imports a label map as segments; the label map and the run's colour table node go again."""
    properties = {"show": False}
    colorTable = os.path.join(moduleDir, modelOutput["colorTable"]) if moduleDir else None
    colorNode = None
    if colorTable and supportsColorTableCsv() and os.path.isfile(colorTable):
        # names, colours and terminology come from the module's colour table; older Slicer
        # gets the same from applySegmentTerminology below
        colorNode = slicer.util.loadColorTable(colorTable)
        properties["colorNodeID"] = colorNode.GetID()
    try:
        labelNode = slicer.util.loadLabelVolume(path, properties)
        try:
            if segmentationNode is None:
                segmentationNode = slicer.mrmlScene.AddNewNodeByClass("vtkMRMLSegmentationNode", name)
            else:
                segmentationNode.GetSegmentation().RemoveAllSegments()
            segmentationNode.SetReferenceImageGeometryParameterFromVolumeNode(referenceNode)
            slicer.modules.segmentations.logic().ImportLabelmapToSegmentationNode(labelNode, segmentationNode)
        finally:
            slicer.mrmlScene.RemoveNode(labelNode)
    finally:
        if colorNode is not None:
            slicer.mrmlScene.RemoveNode(colorNode)
    applySegmentTerminology(segmentationNode, modelOutput, loadedContexts)
    return segmentationNode


def importDicomSeg(path, segmentationNodeName, workDir=None):
    """Loads a DICOM SEG with Slicer's DICOMSegmentationPlugin. The plugin finds the file through
    the DICOM database (fileForInstance), so the SEG is indexed first, in a temporary database
    (Slicer's recipe: DICOMUtils.TemporaryDICOMDatabase + importDicom): the user's database is
    left as it was. The segments carry their own codes."""
    from DICOMLib import DICOMUtils

    plugin = slicer.modules.dicomPlugins["DICOMSegmentationPlugin"]()
    before = set(n.GetID() for n in slicer.util.getNodesByClass("vtkMRMLSegmentationNode"))
    databaseDir = tempfile.mkdtemp(prefix="dicom-db-", dir=workDir)
    try:
        with DICOMUtils.TemporaryDICOMDatabase(databaseDir) as database:
            if not DICOMUtils.importDicom(os.path.dirname(path), database):
                raise RuntimeError("Slicer could not index {}".format(path))
            loadables = plugin.examineFiles([path])
            if not loadables:
                raise RuntimeError("{} is not a DICOM SEG Slicer can load".format(path))
            if not plugin.load(loadables[0]):
                raise RuntimeError("Slicer's DICOM SEG loader could not load {}".format(path))
    finally:
        shutil.rmtree(databaseDir, ignore_errors=True)
    for node in slicer.util.getNodesByClass("vtkMRMLSegmentationNode"):
        if node.GetID() not in before:
            node.SetName(segmentationNodeName)
            return node
    raise RuntimeError("loading {} gave no segmentation".format(path))


def importTable(path, name):
    rows = predictions.read_rows(path)
    table = slicer.mrmlScene.AddNewNodeByClass("vtkMRMLTableNode", name)
    keys, values = table.AddColumn(), table.AddColumn()
    keys.SetName("name")
    values.SetName("value")
    for row, (key, value) in enumerate(rows):
        table.AddEmptyRow()
        table.SetCellText(row, 0, key)
        table.SetCellText(row, 1, value)
    return table


def importOutputs(spec, outputs, referenceNode, segmentationNode=None, moduleDir=None, workDir=None,
                  loadedContexts=()):
    """Adds each output to the scene: segmentations (coded) and prediction tables."""
    nodes = []
    for modelOutput in spec["outputs"]:
        found = outputs.get(modelOutput["id"])
        if not found:
            continue
        paths = found if isinstance(found, list) else [found]
        name = "{} {}".format(spec["title"], modelOutput["label"])
        if modelOutput["type"] == "segmentation":
            if paths[0].lower().endswith(".dcm"):
                node = importDicomSeg(paths[0], name, workDir)
            else:
                node = importLabelmap(paths[0], modelOutput, referenceNode, segmentationNode, name, moduleDir,
                                      loadedContexts)
                segmentationNode = None  # the chosen node receives the first segmentation only
        else:
            node = importTable(paths[0], name)
        placeUnderStudy(node, referenceNode)
        nodes.append(node)
    return nodes
