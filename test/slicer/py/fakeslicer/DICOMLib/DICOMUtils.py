"""FAKE DICOMLib.DICOMUtils: the two recipes the extension uses, as in Slicer's
Modules/Scripted/DICOMLib/DICOMUtils.py (583e9b37d50e)."""

import logging

import ctk

import slicer


class TemporaryDICOMDatabase(object):
    """DICOMUtils.py:471-487: a new, empty database is the application's (slicer.dicomDatabase)
    inside the block; the original one is back afterwards."""

    def __init__(self, directory=None):
        self.temporaryDatabaseDir = directory
        self.original = None

    def __enter__(self):
        self.original = slicer.dicomDatabase
        slicer.dicomDatabase = ctk.ctkDICOMDatabase()
        return slicer.dicomDatabase

    def __exit__(self, type, value, traceback):
        slicer.dicomDatabase.initializeDatabase()
        slicer.dicomDatabase.closeDatabase()
        slicer.dicomDatabase = self.original


def importDicom(dicomDataDir, dicomDatabase=None, copyFiles=False):
    """DICOMUtils.py:490-505: index a folder into a database (the application's by default)."""
    try:
        indexer = ctk.ctkDICOMIndexer()
        if dicomDatabase is None:
            dicomDatabase = slicer.dicomDatabase
        indexer.addDirectory(dicomDatabase, dicomDataDir, copyFiles)
        indexer.waitForImportFinished()
    except Exception:
        logging.error("Failed to import DICOM folder " + dicomDataDir)
        return False
    return True
