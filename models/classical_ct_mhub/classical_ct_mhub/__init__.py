"""classical_ct_mhub: the reference model behind the MHub.ai container contract (DICOM in, DICOM SEG out)."""
