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


class ScriptedLoadableModuleTest(unittest.TestCase):
    def delayDisplay(self, message, msec=1000):
        self.displayed = getattr(self, "displayed", []) + [message]

    def setUp(self):
        pass

    def tearDown(self):
        pass

    def runTest(self):
        pass
