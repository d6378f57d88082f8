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


class vtkMRMLSubjectHierarchyNode(vtkMRMLNode):
    """Items are ints; 0 is 'no item'. Data nodes get an item when added to the scene."""

    _instances = {}

    def __init__(self, scene):
        vtkMRMLNode.__init__(self, "SubjectHierarchy")
        self.scene = scene
        self.parents = {}
        self.byNode = {}
        self.names = {}
        self._next = itertools.count(1)

    @staticmethod
    def GetSubjectHierarchyNode(scene):
        return scene.subjectHierarchy

    def CreateFolderItem(self, parent, name):
        item = next(self._next)
        self.parents[item] = parent
        self.names[item] = name
        return item

    def itemFor(self, node):
        item = next(self._next)
        self.byNode[node.GetID()] = item
        self.parents[item] = 0
        return item

    def GetItemByDataNode(self, node):
        return self.byNode.get(node.GetID(), 0)

    def GetItemParent(self, item):
        return self.parents.get(item, 0)

    def SetItemParent(self, item, parent):
        self.parents[item] = parent


class vtkMRMLScene(object):
    def __init__(self):
        self.Clear()

    def Clear(self, close=True):
        self.nodes = []
        self.subjectHierarchy = vtkMRMLSubjectHierarchyNode(self)

    def AddNode(self, node):
        self.nodes.append(node)
        self.subjectHierarchy.itemFor(node)
        return node

    def AddNewNodeByClass(self, className, name=""):
        return self.AddNode(globals()[className](name or className))

    def RemoveNode(self, node):
        self.nodes.remove(node)

    def GetNodeByID(self, nodeId):
        return next((n for n in self.nodes if n.GetID() == nodeId), None)

    def GetNodesByClass(self, className):
        return [n for n in self.nodes if n.IsA(className)]


class _Application(object):
    majorVersion = 5
    minorVersion = 8

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
        return self._current

    def setCurrentNode(self, node):
        self._current = node
        self.emit("currentNodeChanged(vtkMRMLNode*)", node)


class _SegmentationsLogic(object):
    def ImportLabelmapToSegmentationNode(self, labelNode, segmentationNode):
        values = [int(v) for v in np.unique(labelNode.array) if v != 0]
        for value in values:
            segment = vtkSegment(value, labelNode.array == value)
            segment.SetName("Label_{}".format(value))
            segmentationNode.GetSegmentation().AddSegment(segment)
        return True


class FakeDICOMDatabase(object):
    """SOP instance UID -> file, like ctkDICOMDatabase.fileForInstance."""

    def __init__(self, files):
        self.files = dict(files)

    def fileForInstance(self, uid):
        return self.files.get(uid, "")


class FakeDICOMSegmentationPlugin(object):
    """Stands in for QuantitativeReporting's DICOMSegmentationPlugin: reads a DICOM SEG with
    pydicom and adds a segmentation node with one segment per SegmentSequence item."""

    class Loadable(object):
        def __init__(self, path, dataset):
            self.files, self.dataset = [path], dataset

    def examineFiles(self, files):
        import pydicom

        found = []
        for path in files:
            dataset = pydicom.dcmread(path)
            if dataset.Modality == "SEG":
                found.append(FakeDICOMSegmentationPlugin.Loadable(path, dataset))
        return found

    def load(self, loadable):
        node = mrmlScene.AddNewNodeByClass("vtkMRMLSegmentationNode", loadable.dataset.SeriesDescription)
        node.loadedFrom = loadable.dataset
        for item in loadable.dataset.SegmentSequence:
            segment = vtkSegment(int(item.SegmentNumber), None)
            segment.SetName(str(item.SegmentLabel))
            node.GetSegmentation().AddSegment(segment)
        return True


class _Module(object):
    def __init__(self, logic):
        self._logic = logic

    def logic(self):
        return self._logic


class _Modules(object):
    def __init__(self):
        self.segmentations = _Module(_SegmentationsLogic())
        self.dicomPlugins = {"DICOMSegmentationPlugin": FakeDICOMSegmentationPlugin}


mrmlScene = vtkMRMLScene()
app = _Application()
modules = _Modules()
dicomDatabase = None

from . import util  # noqa: E402,F401
