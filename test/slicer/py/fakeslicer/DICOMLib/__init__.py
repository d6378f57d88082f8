"""FAKE DICOMLib (Slicer's Modules/Scripted/DICOMLib): DICOMUtils and DICOMExportScalarVolume."""

from .DICOMExportScalarVolume import DICOMExportScalarVolume  # noqa: F401
