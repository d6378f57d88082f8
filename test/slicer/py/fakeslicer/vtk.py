"""FAKE vtk for tests: the generated code does not use VTK directly; the module must exist."""


class vtkObject(object):
    def IsA(self, name):
        return any(cls.__name__ == name for cls in type(self).__mro__)
