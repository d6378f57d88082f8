"""FAKE DICOMLib.DICOMExportScalarVolume (Slicer's Modules/Scripted/DICOMLib/
DICOMExportScalarVolume.py, 583e9b37d50e): export() maps the tags to CreateDICOMSeries
parameters (lines 106-151) and runs the CLI with wait_for_completion=True (line 162)."""

import slicer


class DICOMExportScalarVolume(object):
    def __init__(self, studyUID, volumeNode, tags, directory, filenamePrefix=None):
        self.volumeNode, self.tags, self.directory = volumeNode, tags, directory
        self.filenamePrefix = filenamePrefix or "IMG"

    def export(self):
        t = self.tags
        parameters = {
            "patientName": t["Patient Name"], "patientID": t["Patient ID"],
            "patientBirthDate": t["Patient Birth Date"], "patientSex": t["Patient Sex"] or "[unknown]",
            "patientComments": t["Patient Comments"], "studyID": t["Study ID"], "studyDate": t["Study Date"],
            "studyTime": t["Study Time"], "studyDescription": t["Study Description"], "modality": t["Modality"],
            "manufacturer": t["Manufacturer"], "model": t["Model"], "seriesDescription": t["Series Description"],
            "seriesNumber": t["Series Number"], "seriesDate": t["Series Date"], "seriesTime": t["Series Time"],
            "contentDate": t["Content Date"], "contentTime": t["Content Time"],
            "studyInstanceUID": t["Study Instance UID"], "seriesInstanceUID": t["Series Instance UID"],
            "frameOfReferenceUID": t["Frame of Reference UID"], "inputVolume": self.volumeNode.GetID(),
            "dicomDirectory": self.directory, "dicomPrefix": self.filenamePrefix,
        }
        cliNode = slicer.cli.run(slicer.modules.createdicomseries, None, parameters, wait_for_completion=True)
        success = cliNode.GetStatus() == cliNode.Completed
        slicer.mrmlScene.RemoveNode(cliNode)
        return success
