"""MHubSlicer: the Slicer-facing helpers shared by the generated model modules.

Everything that can be tested without Slicer is in MHubLib; this package only moves data
between the MRML scene and files, and polls runs from a Qt timer.
"""

from .runner import ModelRunner, settings  # noqa: F401
from .panel import ModelWidget  # noqa: F401
from .widgets import BackgroundCall, BoundWidgets  # noqa: F401
