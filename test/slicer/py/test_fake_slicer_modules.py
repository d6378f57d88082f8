"""Generated modules imported against a FAKE slicer/qt/ctk/vtk (3D Slicer cannot be installed
here), with the reference model's Logic driven end to end through the real launcher.

Environment: MHUB_EXTENSION_DIR (a generated extension), MHUB_REPO (this repository),
MHUB_BACKENDS (comma-separated: docker, venv; empty runs only the import checks).
"""

import glob
import importlib
import json
import os
import sys
import tempfile
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
EXTENSION = os.environ["MHUB_EXTENSION_DIR"]
REPO = os.environ["MHUB_REPO"]
BACKENDS = [b for b in os.environ.get("MHUB_BACKENDS", "").split(",") if b]

sys.path[:0] = [os.path.join(HERE, "fakeslicer"), os.path.join(EXTENSION, "Lib"),
                os.path.join(REPO, "models", "classical_ct"), os.path.join(REPO, "models", "classical_ct_mhub")]
MODULE_DIRS = sorted(d for d in glob.glob(os.path.join(EXTENSION, "MHub*")) if os.path.isdir(d))
sys.path[:0] = MODULE_DIRS

import numpy as np  # noqa: E402
import qt  # noqa: E402
import slicer  # noqa: E402
from classical_ct import phantom  # noqa: E402
from slicer import ScriptedLoadableModule as SLM  # noqa: E402


class Parent(object):
    """What Slicer passes to a module's __init__: an object that takes attributes."""


def load(name):
    return importlib.import_module(name)


def assertResolves(test, entry):
    """The entry's context is loaded, and its category, type and modifier are in it (what
    Slicer's terminology selector needs to show the segment's terminology)."""
    context, category, typ, modifier = entry.split("~")[:4]
    loaded = slicer.modules.terminologies.logic().contexts
    test.assertIn(context, loaded)
    code = lambda c: c.split("^")[1]  # noqa: E731
    [cat] = [c for c in loaded[context]["SegmentationCodes"]["Category"] if c["CodeValue"] == code(category)]
    types = [t for t in cat["Type"] if t["CodeValue"] == code(typ)]
    test.assertTrue(types, entry)
    if code(modifier):
        test.assertIn(code(modifier), [m["CodeValue"] for t in types for m in t.get("Modifier", [])])


class FakeSlicerModulesTest(unittest.TestCase):
    def test_every_module_imports_and_sets_up(self):
        slicer.mrmlScene.Clear()
        checked = set()
        for folder in MODULE_DIRS:
            name = os.path.basename(folder)
            module = load(name)
            parent = Parent()
            getattr(module, name)(parent)
            self.assertTrue(parent.title and parent.helpText and parent.acknowledgementText, name)
            self.assertIsInstance(getattr(module, name)(Parent()), SLM.ScriptedLoadableModule)
            widget = getattr(module, name + "Widget")()
            self.assertIsInstance(widget, SLM.ScriptedLoadableModuleWidget)
            widget.setup()
            self.assertIsInstance(widget.logic, SLM.ScriptedLoadableModuleLogic)
            self.assertTrue(issubclass(getattr(module, name + "Test"), SLM.ScriptedLoadableModuleTest))
            if hasattr(module, "MODEL"):
                # one selector per declared input, of the right node type
                self.assertEqual(sorted(widget.inputSelectors), sorted(i["id"] for i in module.MODEL["inputs"]))
                for spec in module.MODEL["inputs"]:
                    self.assertEqual(widget.inputSelectors[spec["id"]].nodeTypes, [spec["nodeClass"]])
                self.assertFalse(widget.applyButton.enabled)  # no input chosen yet
                # every segment's entry names the module's own terminology context, which holds it
                from MHubLib import terminology
                for output in terminology.segmentation_outputs(module.MODEL):
                    self.assertIn(output["terminologyContext"], widget.logic.runner.terminologyContexts)
                    for segment in output["segments"]:
                        assertResolves(self, terminology.terminology_entry(segment, output["terminologyContext"]))
                        checked.add((segment["type"]["value"], (segment.get("modifier") or {}).get("value")))
                self.assertTrue(widget.gpuLabel.text)
                getattr(module, name + "Test")("runTest").runTest()
        if len(MODULE_DIRS) > 30:
            self.assertGreater(len(checked), 129)  # every model's coded segments, not a few

    def test_parameter_node_enter_exit_and_scene_close(self):
        slicer.mrmlScene.Clear()
        module = load("MHubClassicalCt")
        volume = slicer.mrmlScene.AddNewNodeByClass("vtkMRMLScalarVolumeNode", "CT")
        volume.array, volume.affine = phantom.make()[0], np.eye(4)
        widget = module.MHubClassicalCtWidget()
        widget.setup()
        widget.enter()
        parameters = widget.logic.getParameterNode()
        # the first volume is chosen, and the choice lives in the scene's parameter node
        self.assertIs(parameters.input_ct, volume)
        self.assertIs(widget.inputSelectors["ct"].currentNode(), volume)
        self.assertTrue(widget.applyButton.enabled)
        widget.backendSelector.setCurrentIndex(widget.backendSelector.findData("venv"))
        widget.forceCpuCheckBox.setChecked(True)
        self.assertEqual((parameters.backend, parameters.forceCpu), ("venv", True))
        # a second widget (the module reloaded) shows the same parameters
        again = module.MHubClassicalCtWidget()
        again.setup()
        self.assertEqual(again.backendSelector.itemData(again.backendSelector.currentIndex), "venv")
        self.assertTrue(again.forceCpuCheckBox.checked)
        again.cleanup()
        # exit: the GUI no longer follows the parameter node
        widget.exit()
        parameters.backend = "docker"
        self.assertEqual(widget.backendSelector.itemData(widget.backendSelector.currentIndex), "venv")
        widget.enter()
        self.assertEqual(widget.backendSelector.itemData(widget.backendSelector.currentIndex), "docker")
        # a run that the scene close interrupts is cancelled, and nothing is added
        widget.logic.process({"ct": volume}, "docker", True, None, widget.onRunEvent, widget.onRunFinished)
        self.assertTrue(widget.logic.isRunning())
        slicer.mrmlScene.Clear()
        started = time.monotonic()
        while widget.logic.isRunning():
            slicer.app.processEvents()
            time.sleep(0.02)
            self.assertLess(time.monotonic() - started, 60)
        self.assertIn("Cancelled.", widget.statusLog.lines)
        self.assertEqual(slicer.util.getNodesByClass("vtkMRMLSegmentationNode"), [])
        # after the close the module starts over on the new scene
        self.assertIsNone(widget.logic.getParameterNode().input_ct)
        self.assertFalse(widget.applyButton.enabled)
        # the GPU check ran in the background and its timer stopped; cleanup leaves no timer
        while widget._gpuCheck.running:
            slicer.app.processEvents()
            time.sleep(0.02)
        self.assertNotEqual(widget.gpuLabel.text, "checking...")
        widget.cleanup()
        self.assertEqual(widget.Observations, [])
        self.assertFalse(widget._gpuCheck.running)

    def test_predictions_become_a_table(self):
        scene = importlib.import_module("MHubSlicer.scene")
        with tempfile.TemporaryDirectory() as folder:
            path = os.path.join(folder, "prediction.json")
            with open(path, "w") as handle:
                json.dump({"malignancy": {"probability": 0.25}, "classes": ["benign", "malignant"]}, handle)
            table = scene.importTable(path, "Model prediction")
        self.assertEqual([c.name for c in table.columns], ["name", "value"])
        self.assertEqual(table.rows, [["malignancy.probability", "0.25"], ["classes[0]", "benign"],
                                      ["classes[1]", "malignant"]])
        self.assertIn(table, slicer.util.getNodesByClass("vtkMRMLTableNode"))

    def test_browser_searches_the_bundled_registry(self):
        browser = load("MHubModelBrowser")
        widget = browser.MHubModelBrowserWidget()
        widget.setup()
        total = len(widget.shown)
        self.assertGreater(total, 20)
        widget.searchBox.setText("lung")
        self.assertTrue(0 < len(widget.shown) < total)
        self.assertTrue(all("lung" in json.dumps(m).lower() for m in widget.shown))
        widget.searchBox.setText("classical")
        self.assertEqual(widget.shown[0]["name"], "classical_ct")
        self.assertIn("Classical CT", widget.details.html)
        self.assertTrue(widget.openButton.enabled)
        widget.openButton.click()
        self.assertEqual(slicer.util.SELECTED_MODULES[-1], "MHubClassicalCt")

    def test_browser_refreshes_from_the_catalog_without_blocking(self):
        browser = load("MHubModelBrowser")
        bundled = os.path.join(EXTENSION, "MHubModelBrowser", "Resources", "Registry")
        previous = os.environ.get("MHUB_HOME")
        with tempfile.TemporaryDirectory() as folder:
            os.environ["MHUB_HOME"] = os.path.join(folder, "cache")
            try:
                catalog_dir = os.path.join(folder, "catalog")
                os.makedirs(catalog_dir)
                with open(os.path.join(bundled, "models.json")) as handle:
                    index = json.load(handle)
                index["models"] = [m for m in index["models"] if m["name"] == "lungmask"]
                with open(os.path.join(catalog_dir, "models.json"), "w") as handle:
                    json.dump(index, handle)
                with open(os.path.join(bundled, "terminology.json")) as handle:
                    terminology = handle.read()
                with open(os.path.join(catalog_dir, "terminology.json"), "w") as handle:
                    handle.write(terminology)
                widget = browser.MHubModelBrowserWidget()
                widget.setup()
                total = len(widget.shown)
                for url, expected in (("file://" + os.path.join(folder, "offline"), total),
                                      ("file://" + catalog_dir, 1)):
                    browser.CATALOG_URL = url
                    widget.refreshButton.click()
                    self.assertFalse(widget.refreshButton.enabled)  # returned at once
                    while not widget.refreshButton.enabled:
                        slicer.app.processEvents()
                        time.sleep(0.02)
                    self.assertEqual(len(widget.shown), expected, url)
                self.assertIn("could not be reached", slicer.util.MESSAGES[-1][1])
                self.assertEqual(widget.shown[0]["name"], "lungmask")
                # the filters offer what the refreshed index has
                for key, selector in widget.facetSelectors.items():
                    items = [selector.itemText(i) for i in range(selector.count)]
                    self.assertEqual(items, [browser.ANY] + widget.logic.facetValues(key), key)
                self.assertEqual([selector.itemText(i) for i in range(widget.facetSelectors["backend"].count)],
                                 [browser.ANY] + sorted(index["models"][0]["runtimes"]))
                # cleanup() while a refresh is in flight: no timer left, the thread is done
                widget.refreshButton.click()
                call = widget.refreshCall
                timer = call.timer
                self.assertIn(timer, qt._active_timers)
                widget.cleanup()
                self.assertFalse(call.running)
                self.assertNotIn(timer, qt._active_timers)
                self.assertFalse(call.step._thread.is_alive())
            finally:
                if previous is None:
                    del os.environ["MHUB_HOME"]
                else:
                    os.environ["MHUB_HOME"] = previous


class FakeSlicerDicomTest(unittest.TestCase):
    """DICOM export of inputs and DICOM SEG import of results, against FAKE DICOM plugins that
    refuse what Slicer's refuse (see fakeslicer/DICOMScalarVolumePlugin.py, slicer/fakedicom.py)."""

    def setUp(self):
        slicer.mrmlScene.Clear()
        self.scene = importlib.import_module("MHubSlicer.scene")
        self.module = load("MHubClassicalCtMhub")
        self.ct, _expected, affine = phantom.make()
        self.volume = slicer.mrmlScene.AddNewNodeByClass("vtkMRMLScalarVolumeNode", "CT from NRRD")
        self.volume.array, self.volume.affine = self.ct, affine
        self.sh = slicer.vtkMRMLSubjectHierarchyNode.GetSubjectHierarchyNode(slicer.mrmlScene)

    def exported(self, modelInput):
        import pydicom

        with tempfile.TemporaryDirectory() as folder:
            target = self.scene.exportInput(self.volume, modelInput, "mhub", folder)
            files = sorted(glob.glob(os.path.join(target, "**", "*.dcm"), recursive=True))
            return [pydicom.dcmread(f) for f in files]

    def test_a_volume_not_loaded_from_dicom_is_exported(self):
        # NRRD, NIfTI and Sample Data volumes sit directly under the scene item
        item = self.sh.GetItemByDataNode(self.volume)
        self.assertEqual(self.sh.GetItemParent(item), self.sh.GetSceneItemID())
        datasets = self.exported(self.module.MODEL["inputs"][0])
        self.assertEqual(len(datasets), self.ct.shape[2])
        datasets.sort(key=lambda d: int(d.InstanceNumber))
        self.assertEqual({d.Modality for d in datasets}, {"CT"})
        self.assertEqual(len({d.SeriesInstanceUID for d in datasets}), 1)
        np.testing.assert_array_equal(datasets[3].pixel_array.T, self.ct[:, :, 3])
        # the user's subject hierarchy is as it was
        self.assertEqual(self.sh.GetItemParent(item), self.sh.GetSceneItemID())
        self.assertEqual(slicer.util.getNodesByClass("vtkMRMLCommandLineModuleNode"), [])

    def test_an_mr_input_is_exported_as_mr(self):
        # placed under a patient and a study, so that Slicer's own exporter would accept it too
        patient = self.sh.CreateSubjectItem(self.sh.GetSceneItemID(), "Patient")
        self.sh.SetItemParent(self.sh.GetItemByDataNode(self.volume), self.sh.CreateStudyItem(patient, "Study"))
        modelInput = dict(self.module.MODEL["inputs"][0], modality=["MR"])
        self.assertEqual({d.Modality for d in self.exported(modelInput)}, {"MR"})

    def test_cancel_while_the_dicom_export_runs(self):
        runner = self.module.MHubClassicalCtMhubLogic().runner
        finished = []
        runner.start({"ct": self.volume}, "docker", True, onFinished=lambda *args: finished.append(args))
        workDir = runner.workDir
        self.assertEqual(runner.phase, "export")
        runner.cancel()
        started = time.monotonic()
        while runner.isRunning:
            slicer.app.processEvents()
            time.sleep(0.02)
            self.assertLess(time.monotonic() - started, 60)
        self.assertEqual([state for state, _error, _nodes in finished], ["cancelled"])
        self.assertFalse(os.path.exists(workDir))
        self.assertEqual(slicer.util.getNodesByClass("vtkMRMLCommandLineModuleNode"), [])
        self.assertEqual(slicer.util.getNodesByClass("vtkMRMLSegmentationNode"), [])

    def test_a_dicom_seg_result_loads(self):
        import pydicom
        from classical_ct_mhub import __main__ as mhub_model
        from classical_ct_mhub import phantom as dicom_phantom

        with tempfile.TemporaryDirectory() as folder:
            dicom_phantom.main([folder])
            mhub_model.run(os.path.join(folder, "ct"), os.path.join(folder, "out"))
            [segFile] = glob.glob(os.path.join(folder, "out", "*", "*.seg.dcm"))
            applicationDatabase = slicer.dicomDatabase
            nodes = self.scene.importOutputs(self.module.MODEL, {"segmentation": segFile}, self.volume)
            uid = str(pydicom.dcmread(segFile, stop_before_pixels=True).SOPInstanceUID)
        [seg] = nodes
        self.assertEqual(seg.GetSegmentation().GetNumberOfSegments(), 4)
        self.assertEqual(seg.GetSegmentation().GetNthSegment(0).GetName(), "Body")
        # the application's DICOM database is back, and the result was not added to it
        self.assertIs(slicer.dicomDatabase, applicationDatabase)
        self.assertEqual(slicer.dicomDatabase.fileForInstance(uid), "")


@unittest.skipUnless(BACKENDS, "MHUB_BACKENDS not set")
class FakeSlicerRunTest(unittest.TestCase):
    def setUp(self):
        slicer.mrmlScene.Clear()
        self.module = load("MHubClassicalCt")
        ct, self.expected, affine = phantom.make()
        self.volume = slicer.mrmlScene.AddNewNodeByClass("vtkMRMLScalarVolumeNode", "CT")
        self.volume.array, self.volume.affine = ct, affine
        self.volume.storageNode = slicer.vtkMRMLStorageNode("/data/original/ct.nrrd")
        sh = slicer.vtkMRMLSubjectHierarchyNode.GetSubjectHierarchyNode(slicer.mrmlScene)
        self.study = sh.CreateFolderItem(sh.CreateFolderItem(0, "Patient"), "Study")
        sh.SetItemParent(sh.GetItemByDataNode(self.volume), self.study)

    def runWidget(self, backend, cancelAfter=None):
        widget = self.module.MHubClassicalCtWidget()
        widget.setup()
        widget.inputSelectors["ct"].setCurrentNode(self.volume)
        widget.backendSelector.setCurrentIndex(widget.backendSelector.findData(backend))
        self.assertEqual(widget.applyButton.text, "Apply")
        started = time.monotonic()
        widget.applyButton.click()
        self.assertEqual(widget.applyButton.text, "Cancel")  # returned at once: the GUI is free
        # the click's handler is a turn of the event loop too
        self.longestEventLoopTurn = time.monotonic() - started
        started = time.monotonic()
        while widget.logic.isRunning() or qt._active_timers:
            turn = time.monotonic()
            slicer.app.processEvents()
            self.longestEventLoopTurn = max(self.longestEventLoopTurn, time.monotonic() - turn)
            if cancelAfter is not None and time.monotonic() - started > cancelAfter and widget.logic.isRunning():
                widget.applyButton.click()
                cancelAfter = None
            time.sleep(0.02)
            self.assertLess(time.monotonic() - started, 600)
        self.assertEqual(widget.applyButton.text, "Apply")
        return widget

    def checkSegmentation(self, widget):
        seg = widget.outputSelector.currentNode()
        self.assertIsNotNone(seg, widget.statusLog.toPlainText())
        segments = self.module.MODEL["outputs"][0]["segments"]
        found = seg.GetSegmentation().segments
        self.assertEqual([s.GetName() for s in found], [s["name"] for s in segments])
        for segment, spec in zip(found, segments):
            self.assertEqual(segment.GetColor(), tuple(c / 255.0 for c in spec["color"]))
            self.assertIn("SCT^{}^".format(spec["type"]["value"]), segment.GetTag("TerminologyEntry"))
            assertResolves(self, segment.GetTag("TerminologyEntry"))
            np.testing.assert_array_equal(segment.mask, self.expected == spec["label"])
        sh = slicer.vtkMRMLSubjectHierarchyNode.GetSubjectHierarchyNode(slicer.mrmlScene)
        self.assertEqual(sh.GetItemParent(sh.GetItemByDataNode(seg)), self.study)
        # exporting did not re-point the input's storage
        self.assertEqual(self.volume.GetStorageNode().GetFileName(), "/data/original/ct.nrrd")
        self.assertTrue(any("done" in line for line in widget.statusLog.lines))

    def test_run_each_backend_from_the_widget(self):
        for backend in BACKENDS:
            with self.subTest(backend=backend):
                widget = self.runWidget(backend)
                self.checkSegmentation(widget)
                self.assertEqual(slicer.util.getNodesByClass("vtkMRMLLabelMapVolumeNode"), [])

    def test_slicer_5_10_loads_the_colour_table(self):
        slicer.app.minorVersion = 10
        try:
            widget = self.runWidget(BACKENDS[0])
        finally:
            slicer.app.minorVersion = 8
        self.checkSegmentation(widget)
        table = slicer.modules.segmentations.logic().colorNodesUsed[-1]
        self.assertIsNotNone(table)
        # the run's colour table node was removed from the scene after the import
        self.assertEqual(slicer.util.getNodesByClass("vtkMRMLColorTableNode"), [])
        for spec in self.module.MODEL["outputs"][0]["segments"]:
            row = table.rows[spec["label"]]
            self.assertEqual(row["Name"], spec["name"])
            self.assertEqual([int(row["Color_" + c]) for c in "RGB"], spec["color"])
            self.assertEqual((row["Type_CodingScheme"], row["Type_CodeValue"], row["Type_CodeMeaning"]),
                             (spec["type"]["scheme"], spec["type"]["value"], spec["type"]["meaning"]))
            self.assertEqual(row["TypeModifier_CodeValue"], spec.get("modifier", {}).get("value", ""))

    @unittest.skipUnless("docker" in BACKENDS, "docker backend not requested")
    def test_the_gui_stays_free_while_docker_is_slow(self):
        # every docker call takes 2 s: the launcher's checks (docker found, GPU runtime, image
        # present) must run off the GUI thread, so no turn of the event loop waits for them
        import shutil

        with tempfile.TemporaryDirectory() as folder:
            slowDocker = os.path.join(folder, "docker")
            with open(slowDocker, "w") as handle:
                handle.write("#!/bin/sh\nsleep 2\nexec {} \"$@\"\n".format(shutil.which("docker")))
            os.chmod(slowDocker, 0o755)
            slicer.util.SETTINGS["MHub/DockerPath"] = slowDocker
            started = time.monotonic()
            try:
                widget = self.runWidget("docker")
            finally:
                del slicer.util.SETTINGS["MHub/DockerPath"]
        self.checkSegmentation(widget)
        self.assertGreater(time.monotonic() - started, 4.0)  # the slow docker was used
        self.assertLess(self.longestEventLoopTurn, 1.0)

    def test_cancel_from_the_widget(self):
        backend = BACKENDS[0]
        before = len(slicer.util.getNodesByClass("vtkMRMLSegmentationNode"))
        widget = self.runWidget(backend, cancelAfter=0.0)
        self.assertIn("Cancel", widget.statusLog.toPlainText())
        self.assertEqual(len(slicer.util.getNodesByClass("vtkMRMLSegmentationNode")), before)

    def test_module_self_test_runs_the_model(self):
        with tempfile.TemporaryDirectory() as folder:
            phantom.main([folder])
            os.environ["MHUB_TEST_BACKEND"] = BACKENDS[0]
            os.environ["MHUB_TEST_INPUTS"] = "ct=" + os.path.join(folder, "ct.nii.gz")
            try:
                self.module.MHubClassicalCtTest("runTest").runTest()
            finally:
                del os.environ["MHUB_TEST_BACKEND"]


@unittest.skipUnless("docker" in BACKENDS, "docker backend not requested")
class FakeSlicerMhubInterfaceTest(unittest.TestCase):
    """An mhub-interface model: the volume's original DICOM files go to the container, the
    DICOM SEG comes back through the (FAKE) DICOMSegmentationPlugin, under the input's study."""

    def test_original_dicom_in_dicom_seg_out(self):
        import pydicom
        from classical_ct_mhub import phantom as dicom_phantom

        slicer.mrmlScene.Clear()
        module = load("MHubClassicalCtMhub")
        with tempfile.TemporaryDirectory() as folder:
            dicom_phantom.main([folder])
            files = sorted(glob.glob(os.path.join(folder, "ct", "*.dcm")))
            datasets = [pydicom.dcmread(f, stop_before_pixels=True) for f in files]
            slicer.dicomDatabase = slicer.FakeDICOMDatabase({str(d.SOPInstanceUID): f for d, f in zip(datasets, files)})
            volume = slicer.mrmlScene.AddNewNodeByClass("vtkMRMLScalarVolumeNode", "CT")
            volume.SetAttribute("DICOM.instanceUIDs", " ".join(str(d.SOPInstanceUID) for d in datasets))
            sh = slicer.vtkMRMLSubjectHierarchyNode.GetSubjectHierarchyNode(slicer.mrmlScene)
            study = sh.CreateFolderItem(0, "Study")
            sh.SetItemParent(sh.GetItemByDataNode(volume), study)
            applicationDatabase = slicer.dicomDatabase
            try:
                result = module.MHubClassicalCtMhubLogic().processAndWait({"ct": volume}, "docker", True, timeout=300)
            finally:
                slicer.dicomDatabase = applicationDatabase
        self.assertEqual(result["state"], "succeeded", result.get("error"))
        [seg] = result["nodes"]
        self.assertEqual([s.GetName() for s in seg.GetSegmentation().segments][:1], ["Body"])
        self.assertEqual(seg.GetSegmentation().GetNumberOfSegments(), 4)
        self.assertTrue(seg.GetName().startswith(module.MODEL["title"]))
        # the SEG references the series we passed: the original files, not a re-export
        referenced = seg.loadedFrom.ReferencedSeriesSequence[0].SeriesInstanceUID
        self.assertEqual(referenced, datasets[0].SeriesInstanceUID)
        self.assertEqual(sh.GetItemParent(sh.GetItemByDataNode(seg)), study)

    def test_a_volume_loaded_from_nrrd_in_dicom_seg_out(self):
        """No DICOM behind the volume: Slicer's CreateDICOMSeries writes it (FAKE CLI), the
        model segments it, and the DICOM SEG loads through the DICOM database."""
        from classical_ct import phantom as nifti_phantom

        slicer.mrmlScene.Clear()
        module = load("MHubClassicalCtMhub")
        ct, _expected, affine = nifti_phantom.make()
        volume = slicer.mrmlScene.AddNewNodeByClass("vtkMRMLScalarVolumeNode", "CT")
        volume.array, volume.affine = ct, affine
        result = module.MHubClassicalCtMhubLogic().processAndWait({"ct": volume}, "docker", True, timeout=300)
        self.assertEqual(result["state"], "succeeded", result.get("error"))
        [seg] = result["nodes"]
        self.assertEqual(seg.GetSegmentation().GetNumberOfSegments(), 4)
        self.assertEqual(slicer.util.getNodesByClass("vtkMRMLCommandLineModuleNode"), [])


if __name__ == "__main__":
    unittest.main(verbosity=2)
