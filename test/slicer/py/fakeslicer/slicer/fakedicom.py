"""FAKE DICOM pieces of Slicer (3D Slicer cannot be installed here). Each behaviour a test relies
on mirrors the upstream source named beside it: Slicer 583e9b37d50e and CTK 868d56c72d28 (copies
of the Python files in ../shared/reference/slicer/upstream/)."""

import os
import threading

import numpy as np

import slicer

SEG_TAGS = {"instanceUID": "0008,0018", "seriesDescription": "0008,103E", "modality": "0008,0060"}


class FakeDICOMSegmentationPlugin(object):
    """Slicer's DICOMSegmentationPlugin (Modules/Scripted/DICOMPlugins/DICOMSegmentationPlugin.py),
    reading the SEG with pydicom instead of dcmqi's segimage2itkimage."""

    class Loadable(object):
        pass

    def examineFiles(self, files):
        # DICOMSegmentationPlugin.py:24-57: tags through slicer.dicomDatabase.fileValue, which
        # reads the file when it is not indexed (CTK ctkDICOMDatabase.cpp:2654)
        found = []
        for path in files:
            uid = slicer.dicomDatabase.fileValue(path, SEG_TAGS["instanceUID"])
            if uid == "":
                return []
            if slicer.dicomDatabase.fileValue(path, SEG_TAGS["modality"]) == "SEG":
                loadable = FakeDICOMSegmentationPlugin.Loadable()
                loadable.files, loadable.uid = [path], uid
                loadable.name = slicer.dicomDatabase.fileValue(path, SEG_TAGS["seriesDescription"]) or "Unknown"
                found.append(loadable)
        return found

    def load(self, loadable):
        import pydicom

        # DICOMSegmentationPlugin.py:90: the file is found through the database, never through
        # loadable.files; ctkDICOMDatabase::fileForInstance (ctkDICOMDatabase.cpp:2335-2352)
        # returns "" for an instance that was never indexed, "" is not None, and
        # segimage2itkimage then fails on it: load() returns False (lines 97-105)
        segFileName = slicer.dicomDatabase.fileForInstance(loadable.uid)
        if segFileName is None or not os.path.isfile(segFileName):
            return False
        dataset = pydicom.dcmread(segFileName)
        node = slicer.mrmlScene.AddNewNodeByClass("vtkMRMLSegmentationNode", loadable.name)
        node.loadedFrom = dataset
        for item in dataset.SegmentSequence:
            segment = slicer.vtkSegment(int(item.SegmentNumber), None)
            segment.SetName(str(item.SegmentLabel))
            node.GetSegmentation().AddSegment(segment)
        return True


class qSlicerDICOMExportable(object):
    """A DICOM exportable: name, directory, subject hierarchy item and tags (setTag/tag)."""

    def __init__(self):
        self.directory = ""
        self.subjectHierarchyItemID = 0
        self._tags = {}

    def setTag(self, name, value):
        self._tags[name] = value

    def tag(self, name):
        return self._tags.get(name, "")


class vtkMRMLSubjectHierarchyConstants(object):
    """DICOM tag names Slicer stores on subject hierarchy items (the exporter reads them)."""

    @staticmethod
    def GetDICOMPatientNameTagName():
        return "PatientName"

    @staticmethod
    def GetDICOMPatientIDTagName():
        return "PatientID"

    @staticmethod
    def GetDICOMPatientBirthDateTagName():
        return "PatientBirthDate"

    @staticmethod
    def GetDICOMPatientSexTagName():
        return "PatientSex"

    @staticmethod
    def GetDICOMPatientCommentsTagName():
        return "PatientComments"

    @staticmethod
    def GetDICOMStudyIDTagName():
        return "StudyID"

    @staticmethod
    def GetDICOMStudyDateTagName():
        return "StudyDate"

    @staticmethod
    def GetDICOMStudyTimeTagName():
        return "StudyTime"

    @staticmethod
    def GetDICOMStudyDescriptionTagName():
        return "StudyDescription"


class vtkMRMLCommandLineModuleNode(slicer.vtkMRMLNode):
    """A CLI run. Status values and IsBusy as in Libs/MRML/CLI/vtkMRMLCommandLineModuleNode.h:79-101."""

    Idle, Scheduled, Running, Cancelling, Cancelled, Completing, Completed = 0x00, 0x01, 0x02, 0x04, 0x08, 0x10, 0x20
    ErrorsMask = 0x40
    CompletedWithErrors = Completed | ErrorsMask
    BusyMask = Scheduled | Running | Cancelling | Completing

    def __init__(self, name=""):
        slicer.vtkMRMLNode.__init__(self, name)
        self.parameters = {}
        self.status = self.Idle
        self.progress = 0
        self.errorText = ""
        self._cancel = threading.Event()

    def SetParameterAsString(self, key, value):
        self.parameters[key] = value

    def GetParameterAsString(self, key):
        return self.parameters.get(key, "")

    def GetStatus(self):
        return self.status

    def IsBusy(self):
        return bool(self.status & self.BusyMask)

    def GetProgress(self):
        # vtkMRMLCommandLineModuleNode.cxx:550-553: the CLI's progress as 0..100
        return self.progress

    def GetErrorText(self):
        return self.errorText

    def Cancel(self):
        if self.IsBusy():
            self.status = self.Cancelling
            self._cancel.set()


class FakeCreateDICOMSeries(object):
    """slicer.modules.createdicomseries: Slicer's CreateDICOMSeries CLI
    (Modules/CLI/CreateDICOMSeries/CreateDICOMSeries.xml), writing one file per slice
    (<dicomPrefix><dicomNumberFormat>.dcm, 1-based) with pydicom instead of ITK/GDCM."""

    # the CLI's parameters (CreateDICOMSeries.xml); anything else is a caller's typo
    PARAMETERS = {
        "inputVolume", "dicomDirectory", "dicomPrefix", "dicomNumberFormat", "reverseImages",
        "useCompression", "Type", "patientName", "patientID", "patientBirthDate", "patientSex",
        "patientComments", "studyID", "studyDate", "studyTime", "studyComments", "studyDescription",
        "modality", "manufacturer", "model", "seriesNumber", "seriesDescription", "seriesDate",
        "seriesTime", "patientPosition", "windowCenter", "windowWidth", "rescaleIntercept",
        "rescaleSlope", "rescaleType", "contentDate", "contentTime", "studyInstanceUID",
        "seriesInstanceUID", "frameOfReferenceUID",
    }
    DEFAULTS = {"dicomDirectory": "./", "dicomPrefix": "IMG", "dicomNumberFormat": "%04d", "modality": "CT",
                "patientName": "Anonymous", "seriesNumber": "1", "manufacturer": "3D Slicer"}

    def logic(self):
        return self

    def execute(self, node):
        unknown = set(node.parameters) - self.PARAMETERS
        if unknown:
            raise ValueError("CreateDICOMSeries has no parameter {}".format(sorted(unknown)))
        p = dict(self.DEFAULTS)
        p.update({k: v for k, v in node.parameters.items() if v != ""})
        volume = slicer.mrmlScene.GetNodeByID(p["inputVolume"])
        if volume is None:
            raise ValueError("no input volume {}".format(p["inputVolume"]))
        write_series(volume.array, volume.affine, p, node)


def write_series(array, affine, p, node):
    from pydicom.dataset import Dataset, FileMetaDataset
    from pydicom.uid import ExplicitVRLittleEndian, generate_uid

    ct_image = "1.2.840.10008.5.1.4.1.1.2"
    folder = p["dicomDirectory"]
    os.makedirs(folder, exist_ok=True)
    lps = np.diag([-1.0, -1.0, 1.0, 1.0]) @ affine
    spacing = np.sqrt((lps[:3, :3] ** 2).sum(axis=0))
    row_dir, col_dir = lps[:3, 0] / spacing[0], lps[:3, 1] / spacing[1]
    study = p.get("studyInstanceUID") or generate_uid()
    series = p.get("seriesInstanceUID") or generate_uid()
    frame = p.get("frameOfReferenceUID") or generate_uid()
    slices = array.shape[2]
    for k in range(slices):
        if node._cancel.is_set():
            node.status = node.Cancelled
            return
        meta = FileMetaDataset()
        meta.MediaStorageSOPClassUID, meta.MediaStorageSOPInstanceUID = ct_image, generate_uid()
        meta.TransferSyntaxUID = ExplicitVRLittleEndian
        ds = Dataset()
        ds.file_meta = meta
        ds.is_little_endian, ds.is_implicit_VR = True, False
        ds.SOPClassUID, ds.SOPInstanceUID = ct_image, meta.MediaStorageSOPInstanceUID
        ds.PatientName, ds.PatientID = p["patientName"], p.get("patientID", "")
        ds.StudyInstanceUID, ds.SeriesInstanceUID, ds.FrameOfReferenceUID = study, series, frame
        ds.StudyID, ds.Modality = p.get("studyID", ""), p["modality"]
        ds.SeriesNumber, ds.InstanceNumber = int(p["seriesNumber"]), k + 1
        ds.SeriesDescription, ds.Manufacturer = p.get("seriesDescription", ""), p["manufacturer"]
        ds.ImageOrientationPatient = [float(x) for x in (*row_dir, *col_dir)]
        ds.ImagePositionPatient = [float(x) for x in lps[:3, :3] @ np.array([0.0, 0.0, k]) + lps[:3, 3]]
        ds.PixelSpacing = [float(spacing[1]), float(spacing[0])]
        ds.SliceThickness = float(spacing[2])
        ds.SamplesPerPixel, ds.PhotometricInterpretation = 1, "MONOCHROME2"
        ds.Rows, ds.Columns = array.shape[1], array.shape[0]
        ds.BitsAllocated, ds.BitsStored, ds.HighBit, ds.PixelRepresentation = 16, 16, 15, 1
        ds.RescaleIntercept, ds.RescaleSlope = 0, 1  # CreateDICOMSeries.xml defaults
        ds.PixelData = np.asarray(array[:, :, k]).T.astype("<i2").tobytes()
        name = p["dicomPrefix"] + (p["dicomNumberFormat"] % (k + 1)) + ".dcm"
        ds.save_as(os.path.join(folder, name), write_like_original=False)
        node.progress = int(100 * (k + 1) / slices)
