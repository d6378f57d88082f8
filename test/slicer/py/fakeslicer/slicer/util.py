"""FAKE slicer.util: only names that exist in the real slicer.util (the test checks that)."""

import contextlib
import os

import nibabel
import numpy as np

import slicer

SETTINGS = {}
MESSAGES = []
SELECTED_MODULES = []


def settingsValue(key, default, converter=lambda v: v, settings=None):
    return converter(SETTINGS.get(key, default))


def startupEnvironment():
    return dict(os.environ)


def exportNode(node, filename, properties={}, world=False):
    """Writes a copy; the node's storage node is left alone (as in Slicer)."""
    image = nibabel.Nifti1Image(np.asarray(node.array), node.affine)
    nibabel.save(image, filename)
    return True


def _load(filename, className):
    image = nibabel.load(filename)
    node = slicer.mrmlScene.AddNewNodeByClass(className, os.path.basename(filename).split(".")[0])
    node.array = np.asarray(image.dataobj)
    node.affine = image.affine
    node.storageNode = slicer.vtkMRMLStorageNode(filename)
    return node


def loadVolume(filename, properties={}, returnNode=False):
    return _load(filename, "vtkMRMLScalarVolumeNode")


def loadLabelVolume(filename, properties={}, returnNode=False):
    node = _load(filename, "vtkMRMLLabelMapVolumeNode")
    node.colorNodeID = properties.get("colorNodeID")
    return node


def loadColorTable(filename, returnNode=False):
    import csv

    node = slicer.mrmlScene.AddNewNodeByClass("vtkMRMLColorTableNode", os.path.basename(filename))
    with open(filename, newline="", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            node.rows[int(row["LabelValue"])] = row
    return node


def getNodesByClass(className, scene=None):
    return (scene or slicer.mrmlScene).GetNodesByClass(className)


def arrayFromVolume(volumeNode):
    return volumeNode.array


def errorDisplay(text, windowTitle=None, parent=None, standardButtons=None, **kwargs):
    MESSAGES.append(("error", text))


def warningDisplay(text, windowTitle=None, parent=None, standardButtons=None, **kwargs):
    MESSAGES.append(("warning", text))


@contextlib.contextmanager
def tryWithErrorDisplay(message=None, show=True, waitCursor=False):
    try:
        yield
    except Exception as error:
        if show:
            errorDisplay("{}\n{}".format(message, error))
        raise


def selectModule(module):
    SELECTED_MODULES.append(module)


class VTKObservationMixin(object):
    """Observations of VTK objects, removed together (slicer.util.VTKObservationMixin)."""

    def __init__(self):
        self.Observations = []

    def addObserver(self, obj, event, method, group="none", priority=0.0):
        tag = obj.AddObserver(event, method, priority)
        self.Observations.append((obj, event, method, group, tag, priority))

    def removeObserver(self, obj, event, method):
        for observation in list(self.Observations):
            if observation[:3] == (obj, event, method):
                obj.RemoveObserver(observation[4])
                self.Observations.remove(observation)

    def removeObservers(self, method=None):
        for observation in list(self.Observations):
            if method is None or observation[2] == method:
                observation[0].RemoveObserver(observation[4])
                self.Observations.remove(observation)
