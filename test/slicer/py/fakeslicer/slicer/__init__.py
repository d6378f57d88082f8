"""FAKE slicer for tests (3D Slicer cannot be installed here): an in-memory MRML scene with
volume, label map, segmentation and table nodes, a subject hierarchy, and the segmentations
logic's label map import. Images are numpy arrays with a NIfTI-style affine."""

import itertools

import numpy as np
import qt
import vtk

_ids = itertools.count(1)


class vtkMRMLNode(vtk.vtkObject):
    def __init__(self, name=""):
        self._id = "{}{}".format(type(self).__name__, next(_ids))
        self._name = name or type(self).__name__
        self._attributes = {}

    def GetID(self):
        return self._id

    def GetName(self):
        return self._name

    def SetName(self, name):
        self._name = name

    def GetAttribute(self, key):
        return self._attributes.get(key)

    def SetAttribute(self, key, value):
        self._attributes[key] = value


class vtkMRMLStorageNode(vtkMRMLNode):
    def __init__(self, fileName=""):
        vtkMRMLNode.__init__(self)
        self.fileName = fileName

    def GetFileName(self):
        return self.fileName


class vtkMRMLScalarVolumeNode(vtkMRMLNode):
    def __init__(self, name=""):
        vtkMRMLNode.__init__(self, name)
        self.array = None
        self.affine = np.eye(4)
        self.storageNode = None

    def GetStorageNode(self):
        return self.storageNode

    def GetDisplayNode(self):
        return None


class vtkMRMLLabelMapVolumeNode(vtkMRMLScalarVolumeNode):
    colorNodeID = None


class vtkMRMLColorTableNode(vtkMRMLNode):
    """Rows of a colour table CSV by label value (Slicer 5.10 reads the terminology columns)."""

    def __init__(self, name=""):
        vtkMRMLNode.__init__(self, name)
        self.rows = {}


class vtkSegment(vtk.vtkObject):
    def __init__(self, labelValue, mask):
        self.name = ""
        self.color = (0.5, 0.5, 0.5)
        self.tags = {}
        self.labelValue = labelValue
        self.mask = mask

    def GetLabelValue(self):
        return self.labelValue

    def SetName(self, name):
        self.name = name

    def GetName(self):
        return self.name

    def SetColor(self, r, g, b):
        self.color = (r, g, b)

    def GetColor(self):
        return self.color

    def SetTag(self, key, value):
        self.tags[key] = value

    def GetTag(self, key):
        return self.tags.get(key)


class vtkSegmentation(vtk.vtkObject):
    def __init__(self):
        self.segments = []

    def AddSegment(self, segment):
        self.segments.append(segment)

    def GetNumberOfSegments(self):
        return len(self.segments)

    def GetNthSegment(self, index):
        return self.segments[index]

    def RemoveAllSegments(self):
        self.segments = []


class vtkMRMLSegmentationNode(vtkMRMLNode):
    def __init__(self, name=""):
        vtkMRMLNode.__init__(self, name)
        self.segmentation = vtkSegmentation()
        self.referenceVolume = None

    def GetSegmentation(self):
        return self.segmentation

    def SetReferenceImageGeometryParameterFromVolumeNode(self, volume):
        self.referenceVolume = volume


class vtkMRMLTableNode(vtkMRMLNode):
    class Column(object):
        def __init__(self):
            self.name = ""

        def SetName(self, name):
            self.name = name

    def __init__(self, name=""):
        vtkMRMLNode.__init__(self, name)
        self.columns = []
        self.rows = []

    def AddColumn(self):
        self.columns.append(vtkMRMLTableNode.Column())
        return self.columns[-1]

    def AddEmptyRow(self):
        self.rows.append([""] * len(self.columns))
        return len(self.rows) - 1

    def SetCellText(self, row, column, text):
        self.rows[row][column] = text
        return True

    def GetCellText(self, row, column):
        return self.rows[row][column]


class vtkMRMLScriptedModuleNode(vtkMRMLNode):
    """A module's parameters: strings by name and node references by role; each change calls
    Modified() (vtkMRMLScriptedModuleNode::SetParameter, vtkMRMLNode::SetNodeReferenceID)."""

    def __init__(self, name=""):
        vtkMRMLNode.__init__(self, name)
        self.parameters = {}
        self.references = {}
        self.singletonTag = None

    def SetSingletonTag(self, tag):
        self.singletonTag = tag

    def GetSingletonTag(self):
        return self.singletonTag

    def GetParameter(self, name):
        return self.parameters.get(name, "")

    def SetParameter(self, name, value):
        if self.parameters.get(name) != value:
            self.parameters[name] = value
            self.Modified()

    def SetNodeReferenceID(self, role, nodeId):
        if self.references.get(role) != nodeId:
            self.references[role] = nodeId
            self.Modified()

    def GetNodeReference(self, role):
        nodeId = self.references.get(role)
        return mrmlScene.GetNodeByID(nodeId) if nodeId else None

    def Reset(self):
        self.parameters, self.references, self._attributes = {}, {}, {}


class vtkMRMLSubjectHierarchyNode(vtkMRMLNode):
    """Items are ints; 0 is 'no item'. As in Slicer (vtkMRMLSubjectHierarchyNode), the scene has
    its own item, and a data node added to the scene gets an item directly under it: a volume
    loaded from NRRD, NIfTI or Sample Data has no patient or study above it."""

    def __init__(self, scene):
        vtkMRMLNode.__init__(self, "SubjectHierarchy")
        self.scene = scene
        self._next = itertools.count(1)
        self.sceneItem = next(self._next)
        self.parents = {self.sceneItem: 0}
        self.byNode = {}
        self.nodes = {}
        self.names = {self.sceneItem: "Scene"}
        self.levels = {}

    @staticmethod
    def GetSubjectHierarchyNode(scene):
        return scene.subjectHierarchy

    def GetSceneItemID(self):
        return self.sceneItem

    def _create(self, parent, name, level=None):
        item = next(self._next)
        self.parents[item] = parent
        self.names[item] = name
        if level:
            self.levels[item] = level
        return item

    def CreateFolderItem(self, parent, name):
        return self._create(parent, name, "Folder")

    def CreateSubjectItem(self, parent, name):
        return self._create(parent, name, "Patient")

    def CreateStudyItem(self, parent, name):
        return self._create(parent, name, "Study")

    def itemFor(self, node):
        item = self._create(self.sceneItem, node.GetName())
        self.byNode[node.GetID()] = item
        self.nodes[item] = node
        return item

    def GetItemByDataNode(self, node):
        return self.byNode.get(node.GetID(), 0)

    def GetItemDataNode(self, item):
        return self.nodes.get(item)

    def GetItemName(self, item):
        return self.names.get(item, "")

    def GetItemLevel(self, item):
        return self.levels.get(item, "")

    def GetItemParent(self, item):
        return self.parents.get(item, 0)

    def SetItemParent(self, item, parent):
        self.parents[item] = parent

    def RemoveItem(self, item, removeDataNode=True, recursive=True):
        for child in [c for c, p in self.parents.items() if p == item]:
            self.RemoveItem(child, removeDataNode, recursive)
        self.parents.pop(item, None)
        node = self.nodes.pop(item, None)
        if node is not None:
            self.byNode.pop(node.GetID(), None)
            if removeDataNode and node in self.scene.nodes:
                self.scene.nodes.remove(node)
        return True


class vtkMRMLScene(vtk.vtkObject):
    """Nodes, a subject hierarchy and the close events. Clear() is a scene close: StartCloseEvent,
    every node removed except singletons, which are Reset() (vtkMRMLScene::Clear with
    removeSingletons false), then EndCloseEvent."""

    StartCloseEvent = "StartCloseEvent"
    EndCloseEvent = "EndCloseEvent"

    def __init__(self):
        self.nodes = []
        self.subjectHierarchy = vtkMRMLSubjectHierarchyNode(self)

    def Clear(self, removeSingletons=False):
        self.InvokeEvent(self.StartCloseEvent)
        singletons = [n for n in self.nodes if getattr(n, "singletonTag", None)] if not removeSingletons else []
        for node in singletons:
            node.Reset()
        self.nodes = list(singletons)
        self.subjectHierarchy = vtkMRMLSubjectHierarchyNode(self)
        self.InvokeEvent(self.EndCloseEvent)

    def AddNode(self, node):
        self.nodes.append(node)
        self.subjectHierarchy.itemFor(node)
        return node

    def AddNewNodeByClass(self, className, name=""):
        return self.AddNode(globals()[className](name or className))

    def GetSingletonNode(self, tag, className):
        return next((n for n in self.nodes if n.IsA(className) and getattr(n, "singletonTag", None) == tag), None)

    def GetFirstNodeByClass(self, className):
        return next((n for n in self.nodes if n.IsA(className)), None)

    def RemoveNode(self, node):
        self.nodes.remove(node)
        item = self.subjectHierarchy.byNode.pop(node.GetID(), None)
        self.subjectHierarchy.nodes.pop(item, None)
        self.subjectHierarchy.parents.pop(item, None)
        # references to a removed node go with it
        for other in self.nodes:
            for role, nodeId in list(getattr(other, "references", {}).items()):
                if nodeId == node.GetID():
                    other.SetNodeReferenceID(role, None)

    def GetNodeByID(self, nodeId):
        return next((n for n in self.nodes if n.GetID() == nodeId), None)

    def GetNodesByClass(self, className):
        return [n for n in self.nodes if n.IsA(className)]


class _Application(object):
    majorVersion = 5
    minorVersion = 8
    temporaryPath = __import__("tempfile").gettempdir()

    def processEvents(self):
        qt._process_timers()


class qMRMLNodeComboBox(qt.QWidget):
    def __init__(self):
        qt.QWidget.__init__(self)
        self.nodeTypes = []
        self.scene = None
        self._current = None

    def setMRMLScene(self, scene):
        self.scene = scene

    def currentNode(self):
        # a node removed from the scene (scene close) is no longer the current node
        if self._current is not None and self._current not in mrmlScene.nodes:
            self._current = None
        return self._current

    def setCurrentNode(self, node):
        if node is self.currentNode():
            return
        self._current = node
        self.emit("currentNodeChanged(vtkMRMLNode*)", node)


class _SegmentationsLogic(object):
    def __init__(self):
        self.colorNodesUsed = []  # what each import read names and terminology from

    def ImportLabelmapToSegmentationNode(self, labelNode, segmentationNode):
        self.colorNodesUsed.append(mrmlScene.GetNodeByID(labelNode.colorNodeID) if labelNode.colorNodeID else None)
        values = [int(v) for v in np.unique(labelNode.array) if v != 0]
        for value in values:
            segment = vtkSegment(value, labelNode.array == value)
            segment.SetName("Label_{}".format(value))
            segmentationNode.GetSegmentation().AddSegment(segment)
        return True


class _TerminologiesLogic(object):
    """FAKE vtkSlicerTerminologiesModuleLogic: LoadContextFromFile(path) loads a terminology
    context JSON (one with SegmentationCategoryTypeContextName) and returns success
    (vtkSlicerTerminologiesModuleLogic.h:82-87); loaded contexts by name."""

    def __init__(self):
        self.contexts = {}

    def LoadContextFromFile(self, filePath):
        import json

        try:
            with open(filePath, encoding="utf-8") as handle:
                context = json.load(handle)
        except (OSError, ValueError):
            return False
        name = context.get("SegmentationCategoryTypeContextName")
        if not name:
            return False
        self.contexts[name] = context
        return True


class _Module(object):
    def __init__(self, logic):
        self._logic = logic

    def logic(self):
        return self._logic


class _Modules(object):
    def __init__(self):
        self.segmentations = _Module(_SegmentationsLogic())
        self.terminologies = _Module(_TerminologiesLogic())
        self.dicomPlugins = {"DICOMSegmentationPlugin": FakeDICOMSegmentationPlugin}
        self.createdicomseries = FakeCreateDICOMSeries()


mrmlScene = vtkMRMLScene()
app = _Application()
from . import util  # noqa: E402,F401
from .fakedicom import (  # noqa: E402,F401
    FakeCreateDICOMSeries,
    FakeDICOMSegmentationPlugin,
    qSlicerDICOMExportable,
    vtkMRMLCommandLineModuleNode,
    vtkMRMLSubjectHierarchyConstants,
)
from ctk import ctkDICOMDatabase as FakeDICOMDatabase  # noqa: E402

modules = _Modules()
# Slicer opens the application's DICOM database at start-up (DICOM module)
dicomDatabase = FakeDICOMDatabase()

from . import cli  # noqa: E402,F401
