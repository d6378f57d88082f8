"""One-off fix of the shipped weights: swap the output channels of RIGHT_LUNG (2) and LEFT_LUNG (3).

    V=$(bash models/unet_ct/ensure-venv.sh) && $V/bin/python models/unet_ct/swap_lung_channels.py

The weights df7568b5… were trained on classical_ct labels from before its laterality fix (it
took RAS +x for the patient's left, so every case had the two lungs swapped). Swapping the two
rows of the 1x1x1 output convolution gives exactly the network those targets would have asked
for with the labels the right way round; the rest of the network is unchanged. train.py itself
needs no change (its targets come from classical_ct.segment), so a retrain gives correct
labels too, though not these exact bytes. Runs only on the old weights; then recomputes the
manifest's sha256, size and validation Dice (train.py --evaluate).
"""

import json
import os
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import train  # noqa: E402
from unet_ct import infer  # noqa: E402

OLD_SHA256 = "df7568b57ae155e27f49930ea7aebfbcff138baee9f0783b46a29f01c8bf6626"
RIGHT_LUNG, LEFT_LUNG = 2, 3


def main():
    if infer.sha256_of(infer.WEIGHTS) != OLD_SHA256:
        sys.stderr.write("%s is not the pre-fix weights (sha256 %s…): nothing to swap\n" % (infer.WEIGHTS, OLD_SHA256[:8]))
        return 1
    state = torch.load(infer.WEIGHTS, map_location="cpu", weights_only=True)
    order = list(range(state["head.weight"].shape[0]))
    order[RIGHT_LUNG], order[LEFT_LUNG] = LEFT_LUNG, RIGHT_LUNG
    for name in ("head.weight", "head.bias"):
        state[name] = state[name][order].clone()
    torch.save(state, infer.WEIGHTS + ".partial")
    os.replace(infer.WEIGHTS + ".partial", infer.WEIGHTS)
    with open(infer.MANIFEST) as f:
        manifest = json.load(f)
    manifest["sha256"] = infer.sha256_of(infer.WEIGHTS)
    manifest["bytes"] = os.path.getsize(infer.WEIGHTS)
    manifest["training"]["laterality"] = (
        "trained with RIGHT_LUNG/LEFT_LUNG swapped (weights %s...); output channels 2 and 3 swapped by "
        "swap_lung_channels.py" % OLD_SHA256[:8]
    )
    train.write_manifest(infer.MANIFEST, manifest)
    train.reevaluate(os.path.dirname(infer.WEIGHTS))
    print("weights %s sha256 %s" % (infer.WEIGHTS, manifest["sha256"]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
