"""FAKE slicer.ScriptedLoadableModule: the four base classes, distinct and minimal."""

import os
import unittest

import qt


class ScriptedLoadableModule(object):
    def __init__(self, parent):
        self.parent = parent

    def resourcePath(self, filename):
        return os.path.join("Resources", filename)


class ScriptedLoadableModuleWidget(object):
    def __init__(self, parent=None):
        self.parent = parent
        self.layout = qt.QVBoxLayout()

    def setup(self):
        self.setupDone = True

    def cleanup(self):
        pass

    def resourcePath(self, filename):
        return os.path.join("Resources", filename)


class ScriptedLoadableModuleLogic(object):
    def __init__(self, parent=None):
        self.parent = parent
        self.moduleName = type(self).__name__
        if self.moduleName.endswith("Logic"):
            self.moduleName = self.moduleName[:-5]
        self.isSingletonParameterNode = True

    def getParameterNode(self):
        """ScriptedLoadableModule.py:310-330 (singleton case): the scene's node tagged with the
        module name, created when missing; the ModuleName attribute restored after a scene close."""
        import slicer

        parameterNode = slicer.mrmlScene.GetSingletonNode(self.moduleName, "vtkMRMLScriptedModuleNode")
        if parameterNode:
            if parameterNode.GetAttribute("ModuleName") != self.moduleName:
                parameterNode.SetAttribute("ModuleName", self.moduleName)
            return parameterNode
        return slicer.mrmlScene.AddNode(self.createParameterNode())

    def createParameterNode(self):
        import slicer

        node = slicer.vtkMRMLScriptedModuleNode()
        node.SetSingletonTag(self.moduleName)
        node.SetAttribute("ModuleName", self.moduleName)
        return node


class ScriptedLoadableModuleTest(unittest.TestCase):
    def delayDisplay(self, message, msec=1000):
        self.displayed = getattr(self, "displayed", []) + [message]

    def setUp(self):
        pass

    def tearDown(self):
        pass

    def runTest(self):
        pass
