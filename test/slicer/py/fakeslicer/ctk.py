"""FAKE ctk for tests."""

import qt


class ctkCollapsibleButton(qt.QWidget):
    def __init__(self):
        qt.QWidget.__init__(self)
        self.text = ""
        self.collapsed = False


class ctkSearchBox(qt.QWidget):
    def __init__(self):
        qt.QWidget.__init__(self)
        self.text = ""

    def setText(self, text):
        self.text = text
        self.emit("textChanged(QString)", text)


class ctkDICOMDatabase(object):
    """FAKE CTK DICOM database (Libs/DICOM/Core/ctkDICOMDatabase.cpp, CTK 868d56c72d28): an
    index of SOP instance UID -> file, filled by insert() (the indexer calls it)."""

    def __init__(self, files=None):
        self.images = dict(files or {})  # the Images table: SOPInstanceUID -> Filename
        self.seriesStudy = {}
        self.isOpen = True

    def insert(self, path, storeFile=False, generateThumbnail=False):
        import pydicom

        dataset = pydicom.dcmread(path, stop_before_pixels=True)
        self.images[str(dataset.SOPInstanceUID)] = path
        self.seriesStudy[str(dataset.SeriesInstanceUID)] = str(dataset.StudyInstanceUID)

    def fileForInstance(self, sopInstanceUID):
        # ctkDICOMDatabase.cpp:2335-2352: SELECT Filename FROM Images WHERE SOPInstanceUID=?;
        # an empty string when the instance was never indexed
        return self.images.get(sopInstanceUID, "")

    def fileValue(self, fileName, tag):
        # ctkDICOMDatabase.cpp:2654-2700: "" for no file name; otherwise the cached value, or the
        # file's own header when it is not in the database
        if not fileName:
            return ""
        import pydicom

        group, element = (int(part, 16) for part in tag.split(","))
        dataset = pydicom.dcmread(fileName, stop_before_pixels=True)
        value = dataset.get((group, element))
        return "" if value is None or value.value is None else str(value.value)

    def studyForSeries(self, seriesUID):
        # ctkDICOMDatabase.cpp:1849: the study of an indexed series, else ""
        return self.seriesStudy.get(seriesUID, "")

    def patients(self):
        return []

    def initializeDatabase(self):
        self.images, self.seriesStudy = {}, {}

    def closeDatabase(self):
        self.isOpen = False


class ctkDICOMIndexer(object):
    """FAKE ctkDICOMIndexer: addDirectory indexes every DICOM file under a folder (synchronously
    here, so waitForImportFinished has nothing to wait for)."""

    def addDirectory(self, database, directory, copyFiles=False):
        import os

        import pydicom

        if copyFiles:
            raise NotImplementedError("FAKE ctkDICOMIndexer: copyFiles is not faked")
        for folder, _dirs, names in os.walk(directory):
            for name in sorted(names):
                path = os.path.join(folder, name)
                try:
                    pydicom.dcmread(path, stop_before_pixels=True)
                except Exception:  # noqa: BLE001 - not DICOM: the indexer skips it
                    continue
                database.insert(path)

    def waitForImportFinished(self, msecTimeout=-1):
        return True
