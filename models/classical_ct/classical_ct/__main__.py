"""`python -m classical_ct <input_dir> <output_dir>`: the `files` interface.

Reads <input_dir>/ct.nii.gz (or ct.nii), writes <output_dir>/segmentation.nii.gz (uint8
labels, the input's geometry). Progress goes to stdout as JSON lines
{"phase", "done", "total", "message"}; errors go to stderr with exit code 2 (bad input) or 1.
"""

import json
import os
import sys
import time

from . import nifti, segment

TOTAL = 5


def _progress(done, message, total=TOTAL):
    line = {"phase": "model", "done": done, "total": total, "message": message}
    sys.stdout.write(json.dumps(line) + "\n")
    sys.stdout.flush()


def find_input(input_dir):
    for name in ("ct.nii.gz", "ct.nii"):
        path = os.path.join(input_dir, name)
        if os.path.isfile(path):
            return path
    raise FileNotFoundError("no ct.nii.gz or ct.nii in %s" % input_dir)


def run(input_dir, output_dir):
    _progress(0, "reading input")
    volume = nifti.read(find_input(input_dir))
    labels = segment.segment(volume.data, volume.affine, lambda step, msg: _progress(step, msg))
    os.makedirs(output_dir, exist_ok=True)
    _progress(4, "writing segmentation")
    nifti.write_labels(os.path.join(output_dir, "segmentation.nii.gz"), labels, volume)
    _progress(TOTAL, "done")


def main(argv, name="classical_ct", run=run, bad_input=(FileNotFoundError, nifti.NiftiError), failures=()):
    """The files interface's shell, shared with models/unet_ct: usage, timing, and errors as
    one line on stderr with exit code 2 (bad input) or 1 (`failures`, e.g. missing weights)."""
    if len(argv) != 2:
        sys.stderr.write("usage: python -m %s <input_dir> <output_dir>\n" % name)
        return 2
    started = time.time()
    try:
        run(argv[0], argv[1])
    except bad_input as error:
        sys.stderr.write("%s: %s\n" % (name, error))
        return 2
    except failures as error:
        sys.stderr.write("%s: %s\n" % (name, error))
        return 1
    sys.stderr.write("%s: finished in %.2fs\n" % (name, time.time() - started))
    return 0

if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
