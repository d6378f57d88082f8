"""FAKE DICOMScalarVolumePlugin (Slicer's Modules/Scripted/DICOMPlugins/
DICOMScalarVolumePlugin.py, 583e9b37d50e): the export path, with its refusals."""

import os

import slicer
from DICOMLib import DICOMExportScalarVolume


class DICOMScalarVolumePluginClass(object):
    loadType = "Scalar Volume"
    defaultStudyID = "SLICER10001"

    def examineForExport(self, subjectHierarchyItemID):
        # lines 640-643: only a scalar volume's item
        shn = slicer.vtkMRMLSubjectHierarchyNode.GetSubjectHierarchyNode(slicer.mrmlScene)
        dataNode = shn.GetItemDataNode(subjectHierarchyItemID)
        if dataNode is None or not dataNode.IsA("vtkMRMLScalarVolumeNode"):
            return []
        exportable = slicer.qSlicerDICOMExportable()
        exportable.subjectHierarchyItemID = subjectHierarchyItemID
        # lines 654-667: the default tags; Modality is preset to CT whatever the volume is
        for name, value in (("SeriesDescription", "No series description"), ("Modality", "CT"),
                            ("Manufacturer", "Unknown manufacturer"), ("Model", "Unknown model"),
                            ("StudyDate", ""), ("StudyTime", ""), ("StudyInstanceUID", ""),
                            ("SeriesDate", ""), ("SeriesTime", ""), ("ContentDate", ""),
                            ("ContentTime", ""), ("SeriesNumber", "301"), ("SeriesInstanceUID", ""),
                            ("FrameOfReferenceUID", "")):
            exportable.setTag(name, value)
        return [exportable]

    def export(self, exportables):
        import pydicom

        for exportable in exportables:
            shNode = slicer.vtkMRMLSubjectHierarchyNode.GetSubjectHierarchyNode(slicer.mrmlScene)
            volumeNode = shNode.GetItemDataNode(exportable.subjectHierarchyItemID)
            if volumeNode is None or not volumeNode.IsA("vtkMRMLScalarVolumeNode"):
                return "Series '{}' cannot be exported".format(shNode.GetItemName(exportable.subjectHierarchyItemID))
            # lines 688-692: files go to a subfolder per exportable
            directory = os.path.join(exportable.directory, "ScalarVolume_" + str(exportable.subjectHierarchyItemID))
            os.makedirs(directory, exist_ok=True)
            # lines 695-705: the volume must sit under a study, under a patient. A volume loaded
            # from NRRD/NIfTI/Sample Data sits under the scene item, whose parent is no item.
            studyItemID = shNode.GetItemParent(exportable.subjectHierarchyItemID)
            if not studyItemID:
                return "Unable to get study for series '{}'".format(volumeNode.GetName())
            patientItemID = shNode.GetItemParent(studyItemID)
            if not patientItemID:
                return "Unable to get patient for series '{}'".format(volumeNode.GetName())
            c = slicer.vtkMRMLSubjectHierarchyConstants
            tags = {
                "Patient Name": exportable.tag(c.GetDICOMPatientNameTagName()),
                "Patient ID": exportable.tag(c.GetDICOMPatientIDTagName()),
                "Patient Birth Date": exportable.tag(c.GetDICOMPatientBirthDateTagName()),
                "Patient Sex": exportable.tag(c.GetDICOMPatientSexTagName()),
                "Patient Comments": exportable.tag(c.GetDICOMPatientCommentsTagName()),
                "Study ID": exportable.tag(c.GetDICOMStudyIDTagName()) or self.defaultStudyID,
                "Study Date": exportable.tag(c.GetDICOMStudyDateTagName()),
                "Study Time": exportable.tag(c.GetDICOMStudyTimeTagName()),
                "Study Description": exportable.tag(c.GetDICOMStudyDescriptionTagName()),
                "Modality": exportable.tag("Modality"), "Manufacturer": exportable.tag("Manufacturer"),
                "Model": exportable.tag("Model"), "Series Description": exportable.tag("SeriesDescription"),
                "Series Number": exportable.tag("SeriesNumber"), "Series Date": exportable.tag("SeriesDate"),
                "Series Time": exportable.tag("SeriesTime"), "Content Date": exportable.tag("ContentDate"),
                "Content Time": exportable.tag("ContentTime"),
                # lines 732-744: missing UIDs are generated
                "Study Instance UID": exportable.tag("StudyInstanceUID") or pydicom.uid.generate_uid(),
                "Series Instance UID": exportable.tag("SeriesInstanceUID") or pydicom.uid.generate_uid(),
                "Frame of Reference UID": exportable.tag("FrameOfReferenceUID") or pydicom.uid.generate_uid(),
            }
            # lines 751-754
            if tags["Modality"] == "":
                return "Empty modality for series '{}'".format(volumeNode.GetName())
            # lines 760-768: a series UID already in the application's database is refused
            if slicer.dicomDatabase.studyForSeries(tags["Series Instance UID"]):
                return "A series already exists in the database by SeriesInstanceUID"
            # lines 773-775
            exporter = DICOMExportScalarVolume(tags["Study ID"], volumeNode, tags, directory)
            if not exporter.export():
                return "Creating DICOM files from scalar volume failed. See the application log for details."
        return ""
