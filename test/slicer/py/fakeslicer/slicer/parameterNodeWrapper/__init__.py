"""FAKE slicer.parameterNodeWrapper: the part of Slicer's (Base/Python/slicer/parameterNodeWrapper/
wrapper.py, 583e9b37d50e) a generated module uses. A decorated class gets one property per
annotated member, stored in the wrapped vtkMRMLScriptedModuleNode (nodes as node references, the
rest as strings); a missing value reads as the member's default (wrapper.py:43-46).
connectGui(gui) binds every widget in gui.__dict__ that has a SlicerParameterName property
(wrapper.py:243-258): the parameter's value is written to the widget, widget changes are written
back, and any change of the node updates the widgets (wrapper.py:200-215). Widgets as in
guiConnectors.py: qMRMLNodeComboBox <-> node (currentNodeChanged), QCheckBox <-> bool (toggled)."""

import itertools
import typing

import vtk

SlicerParameterNamePropertyName = "SlicerParameterName"
_guiTags = itertools.count(1)


def _isNodeType(datatype):
    return isinstance(datatype, type) and datatype.__name__.startswith("vtkMRML")


def _makeProperty(name, datatype, default):
    def getter(self):
        node = self.parameterNode
        if _isNodeType(datatype):
            return node.GetNodeReference(name)
        text = node.GetParameter(name)
        if text == "":
            return default
        if datatype is bool:
            return text == "true"
        return datatype(text)

    def setter(self, value):
        node = self.parameterNode
        if _isNodeType(datatype):
            node.SetNodeReferenceID(name, value.GetID() if value is not None else None)
        elif datatype is bool:
            node.SetParameter(name, "true" if value else "false")
        else:
            node.SetParameter(name, str(value))

    return property(getter, setter)


def parameterNodeWrapper(classtype=None):
    def wrap(cls):
        members = typing.get_type_hints(cls)
        parameters = {}
        for name, datatype in members.items():
            default = getattr(cls, name, None)
            parameters[name] = datatype
            setattr(cls, name, _makeProperty(name, datatype, default))

        def __init__(self, parameterNode):
            assert parameterNode is not None
            self.parameterNode = parameterNode
            self._guis = {}

        def connectGui(self, gui):
            widgets = {w.property(SlicerParameterNamePropertyName): w for w in gui.__dict__.values()
                       if w.property(SlicerParameterNamePropertyName)}
            tag = next(_guiTags)
            self._guis[tag] = widgets

            def toGui(caller=None, event=None):
                for name, widget in widgets.items():
                    value = getattr(self, name)
                    if hasattr(widget, "setCurrentNode"):
                        if widget.currentNode() is not value:
                            widget.setCurrentNode(value)
                    elif widget.checked != bool(value):
                        widget.setChecked(bool(value))

            for name, widget in widgets.items():
                if name not in parameters:
                    raise RuntimeError("no parameter named {}".format(name))
                signal = "currentNodeChanged(vtkMRMLNode*)" if hasattr(widget, "setCurrentNode") else "toggled(bool)"
                widget.connect(signal, lambda *args, n=name, w=widget: self._guiChanged(tag, n, w))
            toGui()
            self._guis[tag] = (widgets, self.parameterNode.AddObserver(vtk.vtkCommand.ModifiedEvent, toGui))
            return tag

        def _guiChanged(self, tag, name, widget):
            if tag not in self._guis:
                return  # disconnected (Slicer removes the callback: wrapper.py:261-268)
            value = widget.currentNode() if hasattr(widget, "setCurrentNode") else widget.checked
            if getattr(self, name) is not value:
                setattr(self, name, value)

        def disconnectGui(self, tag):
            widgets_observer = self._guis.pop(tag, None)
            if widgets_observer:
                self.parameterNode.RemoveObserver(widgets_observer[1])

        cls.allParameters = parameters
        cls.__init__ = __init__
        cls.connectGui = connectGui
        cls._guiChanged = _guiChanged
        cls.disconnectGui = disconnectGui
        cls.AddObserver = lambda self, event, callback, priority=0.0: self.parameterNode.AddObserver(event, callback, priority)
        cls.RemoveObserver = lambda self, tag: self.parameterNode.RemoveObserver(tag)
        cls.Modified = lambda self: self.parameterNode.Modified()
        return cls

    if classtype is None:
        return wrap
    return wrap(classtype)
