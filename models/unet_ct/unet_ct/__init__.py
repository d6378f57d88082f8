"""unet_ct: a compact 3D U-Net (PyTorch) segmenting body, lungs and bone in CT.

It reuses the classical reference model's NIfTI reader/writer and phantom (models/classical_ct):
in the Docker image both packages sit side by side on PYTHONPATH; from a checkout (venv
backend, training, tests) the sibling folder models/classical_ct is added here when needed.
"""

import os
import sys

__version__ = "1.0.0"

try:
    import classical_ct  # noqa: F401
except ImportError:
    _sibling = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))), "classical_ct")
    if os.path.isdir(os.path.join(_sibling, "classical_ct")):
        sys.path.append(_sibling)
    import classical_ct  # noqa: F401
