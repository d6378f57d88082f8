"""MHubLib: run registry models (MHub.ai compatible) from 3D Slicer or plain Python.

This package imports nothing from Slicer, Qt, CTK or VTK, so it is tested with plain python3.
The Slicer-facing code lives in MHubSlicer and in the thin generated module files.
"""

__version__ = "0.1.0"

from .launcher import Launcher, Run, RunError  # noqa: F401
