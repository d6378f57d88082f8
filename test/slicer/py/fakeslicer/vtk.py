"""FAKE vtk for tests: vtkObject with IsA and VTK's observer API (AddObserver returns a tag,
Modified() calls ModifiedEvent observers with (caller, event)), as the generated code uses them."""

import itertools

_tags = itertools.count(1)


class vtkCommand(object):
    ModifiedEvent = "ModifiedEvent"


class vtkObject(object):
    def IsA(self, name):
        return any(cls.__name__ == name for cls in type(self).__mro__)

    def AddObserver(self, event, callback, priority=0.0):
        tag = next(_tags)
        self.__dict__.setdefault("_observers", {})[tag] = (event, callback)
        return tag

    def RemoveObserver(self, tag):
        self.__dict__.setdefault("_observers", {}).pop(tag, None)

    def InvokeEvent(self, event, data=None):
        for observed, callback in list(self.__dict__.get("_observers", {}).values()):
            if observed == event:
                callback(self, event)

    def Modified(self):
        self.InvokeEvent(vtkCommand.ModifiedEvent)
