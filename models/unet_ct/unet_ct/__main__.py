"""`python -m unet_ct <input_dir> <output_dir>`: the `files` interface (as classical_ct).

Reads <input_dir>/ct.nii.gz (or ct.nii), writes <output_dir>/segmentation.nii.gz (uint8
labels 1 BODY, 2 RIGHT_LUNG, 3 LEFT_LUNG, 4 BONE on the input's grid). Progress goes to stdout
as JSON lines {"phase", "done", "total", "message"}; errors go to stderr with exit code 2 (bad
input) or 1 (weights missing or altered).
"""

import os
import sys

import torch

from classical_ct import nifti
from classical_ct import __main__ as files_cli

from . import infer

TOTAL = 6


def _progress(done, message):
    files_cli._progress(done, message, TOTAL)


def run(input_dir, output_dir):
    # Bounded threads: the runner may run several models side by side on a small machine.
    torch.set_num_threads(int(os.environ.get("UNET_CT_THREADS", "2")))
    _progress(0, "reading input")
    volume = nifti.read(files_cli.find_input(input_dir))
    _progress(1, "loading weights")
    model = infer.load_model()
    labels = infer.segment(model, volume.data, volume.affine, _progress)
    os.makedirs(output_dir, exist_ok=True)
    _progress(5, "writing segmentation")
    nifti.write_labels(os.path.join(output_dir, "segmentation.nii.gz"), labels, volume)
    _progress(TOTAL, "done")


def main(argv):
    return files_cli.main(
        argv, "unet_ct", run, (FileNotFoundError, nifti.NiftiError, ValueError), (infer.WeightsError,)
    )


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
