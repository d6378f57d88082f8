"""FAKE slicer.cli: run() as in Slicer's Base/Python/slicer/cli.py:65-98 (583e9b37d50e): a new
command-line module node with the parameters set as strings; with wait_for_completion=False
(the default) the logic's Apply() returns at once and the CLI runs in a thread, the node's
status going Scheduled -> Running -> Completed, CompletedWithErrors or Cancelled."""

import threading

import slicer


def createNode(cliModule, parameters=None):
    node = slicer.mrmlScene.AddNewNodeByClass("vtkMRMLCommandLineModuleNode")
    for key, value in (parameters or {}).items():
        node.SetParameterAsString(key, value if isinstance(value, str) else str(value))
    return node


def _execute(cliModule, node):
    node.status = node.Running
    try:
        cliModule.logic().execute(node)
    except Exception as error:  # noqa: BLE001 - a CLI failure is reported on its node
        node.errorText = str(error)
        node.status = node.CompletedWithErrors
        return
    if node.status != node.Cancelled:
        node.status = node.Completed


def run(module, node=None, parameters=None, wait_for_completion=False, delete_temporary_files=True,
        update_display=True, hide_window=True):
    node = node or createNode(module, parameters)
    node.status = node.Scheduled
    if wait_for_completion:
        _execute(module, node)
    else:
        threading.Thread(target=_execute, args=(module, node), daemon=True).start()
    return node


def runSync(module, node=None, parameters=None, delete_temporary_files=True, update_display=True, hide_window=True):
    return run(module, node, parameters, wait_for_completion=True)
