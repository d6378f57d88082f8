"""Export inputs from, and import results into, the MRML scene."""

import os
import shutil

import slicer

from MHubLib import contract, predictions, terminology


def dicomFilesOf(node):
    """The DICOM files a node was loaded from (empty when it did not come from DICOM)."""
    uids = (node.GetAttribute("DICOM.instanceUIDs") or "").split()
    database = getattr(slicer, "dicomDatabase", None)
    if not uids or database is None:
        return []
    files = [database.fileForInstance(uid) for uid in uids]
    return [f for f in files if f and os.path.isfile(f)]


def exportToDicom(node, folder):
    """Writes a volume as a DICOM series (Slicer's own exporter), for `mhub`-interface models."""
    import DICOMScalarVolumePlugin

    shNode = slicer.vtkMRMLSubjectHierarchyNode.GetSubjectHierarchyNode(slicer.mrmlScene)
    exporter = DICOMScalarVolumePlugin.DICOMScalarVolumePluginClass()
    exportables = exporter.examineForExport(shNode.GetItemByDataNode(node))
    if not exportables:
        raise RuntimeError("{} cannot be exported to DICOM".format(node.GetName()))
    for exportable in exportables:
        exportable.directory = folder
    error = exporter.export(exportables)
    if error:
        raise RuntimeError("DICOM export failed: {}".format(error))


def exportInput(node, modelInput, interface, folder):
    """Writes one input where the launcher expects it, without re-pointing the node's storage
    (exportNode writes a copy; saveNode would change where the scene saves the node)."""
    if interface == "mhub" or modelInput["format"] in ("dicom", "dicomseg"):
        target = os.path.join(folder, modelInput["id"])
        os.makedirs(target)
        files = dicomFilesOf(node)
        if files:
            # the original files: the model sees exactly what the scanner wrote
            for index, path in enumerate(files):
                shutil.copyfile(path, os.path.join(target, "{:05d}.dcm".format(index)))
        elif modelInput["format"] == "dicomseg":
            raise RuntimeError("{}: this model needs a DICOM SEG input; load one from the DICOM "
                               "database".format(modelInput["label"]))
        else:
            exportToDicom(node, target)
        return target
    path = os.path.join(folder, contract.input_entry_name(modelInput))
    if not slicer.util.exportNode(node, path):
        raise RuntimeError("could not write {} to {}".format(node.GetName(), path))
    return path


def placeUnderStudy(node, referenceNode):
    """Puts a result in the subject hierarchy beside its input (same study)."""
    shNode = slicer.vtkMRMLSubjectHierarchyNode.GetSubjectHierarchyNode(slicer.mrmlScene)
    parent = shNode.GetItemParent(shNode.GetItemByDataNode(referenceNode))
    if parent:
        shNode.SetItemParent(shNode.GetItemByDataNode(node), parent)


def applySegmentTerminology(segmentationNode, modelOutput):
    """Names, colours and coded terminology from the card, matched by label value."""
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
        segment.SetTag("TerminologyEntry", terminology.terminology_entry(spec))


def supportsColorTableCsv():
    """Slicer 5.10 reads colour tables with terminology columns (.csv)."""
    return (slicer.app.majorVersion, slicer.app.minorVersion) >= (5, 10)


def importLabelmap(path, modelOutput, referenceNode, segmentationNode=None, name=None, moduleDir=None):
    properties = {"show": False}
    colorTable = os.path.join(moduleDir, modelOutput["colorTable"]) if moduleDir else None
    if colorTable and supportsColorTableCsv() and os.path.isfile(colorTable):
        # names, colours and terminology come from the module's colour table; older Slicer
        # gets the same from applySegmentTerminology below
        properties["colorNodeID"] = slicer.util.loadColorTable(colorTable).GetID()
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
    applySegmentTerminology(segmentationNode, modelOutput)
    return segmentationNode


def importDicomSeg(path, segmentationNodeName):
    """Loads a DICOM SEG (QuantitativeReporting's plugin); its segments carry their own codes."""
    plugin = slicer.modules.dicomPlugins["DICOMSegmentationPlugin"]()
    loadables = plugin.examineFiles([path])
    if not loadables:
        raise RuntimeError("{} is not a DICOM SEG Slicer can load".format(path))
    before = set(n.GetID() for n in slicer.util.getNodesByClass("vtkMRMLSegmentationNode"))
    plugin.load(loadables[0])
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


def importOutputs(spec, outputs, referenceNode, segmentationNode=None, moduleDir=None):
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
                node = importDicomSeg(paths[0], name)
            else:
                node = importLabelmap(paths[0], modelOutput, referenceNode, segmentationNode, name, moduleDir)
                segmentationNode = None  # the chosen node receives the first segmentation only
        else:
            node = importTable(paths[0], name)
        placeUnderStudy(node, referenceNode)
        nodes.append(node)
    return nodes
