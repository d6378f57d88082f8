"""The MHub.ai container contract: DICOM at /app/data/input_data, results at /app/data/output_data.

`python3 -m classical_ct_mhub --workflow default` segments the CT series found under the
input folder and writes <output>/<SeriesInstanceUID>/classical_ct.seg.dcm. Like MHub images
it logs and exits 0 even when a case fails (the runner checks the outputs); a usage error
exits 2.
"""

import argparse
import os
import sys

from classical_ct import segment

from . import dicom_in, seg_out

WORKFLOWS = ("default",)


def run(input_dir, output_dir):
    series = dicom_in.find_series(input_dir)
    if not series:
        print("no DICOM image series found in %s" % input_dir, flush=True)
        return
    for uid, paths in sorted(series.items(), key=lambda kv: -len(kv[1])):
        print("segmenting series %s (%d slices)" % (uid, len(paths)), flush=True)
        try:
            hu, affine, datasets = dicom_in.read_volume(paths)
            labels = segment.segment(hu, affine)
            folder = os.path.join(output_dir, uid)
            os.makedirs(folder, exist_ok=True)
            target = os.path.join(folder, "classical_ct.seg.dcm")
            seg_out.write(target + ".partial", labels, datasets)
            os.replace(target + ".partial", target)
            print("wrote %s" % target, flush=True)
        except Exception as error:  # MHub behaviour: report the case, carry on, exit 0
            print("case %s failed: %s" % (uid, error), flush=True)


def main(argv):
    parser = argparse.ArgumentParser(prog="classical_ct_mhub")
    parser.add_argument("--workflow", default="default")
    parser.add_argument("--input", default="/app/data/input_data")
    parser.add_argument("--output", default="/app/data/output_data")
    args = parser.parse_args(argv)
    if args.workflow not in WORKFLOWS:
        sys.stderr.write("unknown workflow %r (known: %s)\n" % (args.workflow, ", ".join(WORKFLOWS)))
        return 2
    run(args.input, args.output)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
