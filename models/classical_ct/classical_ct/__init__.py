"""classical_ct: the reference model of the mhub registry (numpy only)."""

__version__ = "1.0.0"
