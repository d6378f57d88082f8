"""Train unet_ct on synthetic CT phantoms; writes weights/unet_ct.pt and weights/unet_ct.json.

    V=$(bash models/unet_ct/ensure-venv.sh) && $V/bin/python models/unet_ct/train.py

Data: the classical reference model's phantom generator (classical_ct.phantom.make) at random
grid sizes (so random voxel spacings), then stretched (patient size), shifted inside a larger
field of view (position), cropped at the top or bottom, with extra noise and a small intensity
shift. Targets: the classical model's own labels (classical_ct.segment) on each final volume.
Deterministic: fixed seeds, one thread, deterministic algorithms; on the same CPU type the
weights come out bit for bit the same. About five minutes on one core of this machine.
"""

import argparse
import json
import os
import platform
import re
import sys
import time

import numpy as np
import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import unet_ct  # noqa: E402  (adds models/classical_ct to the path when needed)
from classical_ct import phantom, segment  # noqa: E402
from unet_ct import geometry, infer, net  # noqa: E402
from unet_ct.dice import dice_per_label  # noqa: E402

SEED = 20261127
CROP_Z = 16  # working-grid slices per training crop (48 mm): the whole axial plane is kept


def make_case(rng):
    """One augmented phantom in RAS order: (hu, labels from classical_ct, spacing in mm)."""
    shape = (int(rng.integers(40, 100)), int(rng.integers(30, 80)), int(rng.integers(16, 64)))
    ct, _, affine = phantom.make(shape)
    stretch = rng.uniform(0.8, 1.25) * rng.uniform(0.92, 1.08, size=3)
    affine = affine @ np.diag([*stretch, 1.0])
    orient = geometry.Orientation(affine)
    hu = orient.to_ras(ct).astype(np.float32)
    # Position: air margins of random width on every side; in z, sometimes a cut instead.
    pads = []
    for axis, n in enumerate(hu.shape):
        lo, hi = (int(x) for x in rng.integers(0, int(0.35 * n) + 1, size=2))
        pads.append((lo, hi))
    hu = np.pad(hu, pads, constant_values=-1000.0)
    cut = int(rng.integers(0, hu.shape[2] // 4 + 1))
    hu = hu[:, :, cut:] if rng.random() < 0.5 else hu[:, :, : hu.shape[2] - cut]
    hu = hu * rng.uniform(0.95, 1.05) + rng.uniform(-30, 30)
    hu = hu + rng.normal(0.0, rng.uniform(0, 40), size=hu.shape).astype(np.float32)
    hu = np.round(hu).astype(np.int16)
    labels = segment.segment(hu, np.diag([*orient.spacing, 1.0]))
    return hu, labels, orient.spacing


def to_tensors(hu, labels, spacing):
    """Working-grid input (2, X, Y, Z) and soft one-hot targets (5, X, Y, Z)."""
    work = geometry.to_work_grid(hu, spacing)
    onehot = F.one_hot(torch.from_numpy(labels.astype(np.int64)), net.CLASSES).permute(3, 0, 1, 2).float()
    return work, geometry.resample(onehot, work.shape[1:])


def crop_batch(work, target, rng):
    """A z-crop padded to the network's multiple: background (air) beyond the volume."""
    z = work.shape[3]
    start = int(rng.integers(0, max(1, z - CROP_Z + 1)))
    work, target = work[..., start : start + CROP_Z], target[..., start : start + CROP_Z]
    x = geometry.pad_to_multiple(work, net.MULTIPLE, geometry.AIR)
    t = geometry.pad_to_multiple(target, net.MULTIPLE, (1.0,) + (0.0,) * (net.CLASSES - 1))
    return x[None], t[None]


def loss_fn(logits, target):
    """Soft cross-entropy plus soft Dice over the four segments (bone is small)."""
    logp = F.log_softmax(logits, dim=1)
    ce = -(target * logp).sum(dim=1).mean()
    p = logp.exp()[:, 1:]
    t = target[:, 1:]
    dims = (0, 2, 3, 4)
    dice = (2 * (p * t).sum(dims) + 1.0) / (p.sum(dims) + t.sum(dims) + 1.0)
    return ce + (1 - dice).mean()


def evaluate(model, cases):
    results = []
    for name, ct, affine in cases:
        reference = segment.segment(ct, affine)
        predicted = infer.segment(model, ct, affine)
        results.append({"case": name, "shape": list(ct.shape), "dice": dice_per_label(predicted, reference)})
        print(json.dumps(results[-1]), flush=True)
    return results


def validation_cases():
    """Held out: the phantom as classical_ct ships it (small and large), and a reoriented one."""
    cases = []
    for size in ("small", "large"):
        ct, _, affine = phantom.make(phantom.SIZES[size])
        cases.append((size, ct, affine))
    ct, _, affine = phantom.make((70, 52, 36))
    # Axes stored as (z, x, y) with z flipped: same anatomy, a different file layout.
    perm = np.transpose(ct, (2, 0, 1))[::-1]
    swap = np.zeros((4, 4))
    swap[:3, :3] = affine[:3, :3][:, [2, 0, 1]] * np.array([-1, 1, 1])
    swap[:3, 3] = affine[:3, 3] + affine[:3, 2] * (ct.shape[2] - 1)
    swap[3, 3] = 1
    cases.append(("reoriented", np.ascontiguousarray(perm), swap))
    return cases


def write_manifest(path, manifest):
    """JSON as Biome formats it (lists of numbers on one line), so `npm test`'s lint stays clean."""
    text = json.dumps(manifest, indent=2)
    text = re.sub(r"\[\s+([^\[\]{}]*?)\s+\]", lambda m: "[" + ", ".join(x.strip() for x in m.group(1).split(",")) + "]", text)
    with open(path + ".partial", "w") as f:
        f.write(text + "\n")
    os.replace(path + ".partial", path)


def reevaluate(out):
    """Recompute the validation figures of existing weights (after an inference change)."""
    torch.set_num_threads(1)
    manifest_path = os.path.join(out, "unet_ct.json")
    with open(manifest_path) as f:
        manifest = json.load(f)
    model = infer.load_model(os.path.join(out, "unet_ct.pt"), manifest["sha256"])
    manifest["validation"] = evaluate(model, validation_cases())
    write_manifest(manifest_path, manifest)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=48)
    parser.add_argument("--steps", type=int, default=400)
    parser.add_argument("--out", default=os.path.dirname(infer.WEIGHTS))
    parser.add_argument("--evaluate", action="store_true", help="only recompute the manifest's validation Dice")
    args = parser.parse_args()
    if args.evaluate:
        return reevaluate(args.out)
    torch.manual_seed(SEED)
    torch.set_num_threads(1)  # deterministic, and kind to a shared machine
    torch.use_deterministic_algorithms(True)
    rng = np.random.default_rng(SEED)
    started = time.time()
    data = [to_tensors(*make_case(rng)) for _ in range(args.cases)]
    made = time.time()
    print("made %d phantoms in %.0fs" % (len(data), made - started), flush=True)
    model = net.UNet3D()
    optimiser = torch.optim.Adam(model.parameters(), lr=5e-3)
    schedule = torch.optim.lr_scheduler.OneCycleLR(optimiser, max_lr=5e-3, total_steps=args.steps, pct_start=0.1)
    model.train()
    for step in range(args.steps):
        x, t = crop_batch(*data[int(rng.integers(0, len(data)))], rng)
        optimiser.zero_grad()
        loss = loss_fn(model(x), t)
        loss.backward()
        optimiser.step()
        schedule.step()
        if step % 20 == 0 or step == args.steps - 1:
            print("step %d/%d loss %.4f (%.0fs)" % (step + 1, args.steps, loss.item(), time.time() - made), flush=True)
    trained = time.time()
    model.eval()
    os.makedirs(args.out, exist_ok=True)
    path = os.path.join(args.out, "unet_ct.pt")
    torch.save(model.state_dict(), path + ".partial")
    os.replace(path + ".partial", path)
    sha = infer.sha256_of(path)
    results = evaluate(model, validation_cases())
    manifest = {
        "file": "unet_ct.pt",
        "sha256": sha,
        "bytes": os.path.getsize(path),
        "parameters": net.parameter_count(model),
        "architecture": {"channels": list(net.CHANNELS), "classes": net.CLASSES, "workSpacingMm": geometry.WORK_SPACING,
                         "inferenceMarginVoxels": geometry.MARGIN},
        "training": {
            "seed": SEED,
            "cases": args.cases,
            "steps": args.steps,
            "cropSlices": CROP_Z,
            "dataSeconds": round(made - started, 1),
            "trainSeconds": round(trained - made, 1),
            "processCpuSeconds": round(time.process_time(), 1),
            "torch": torch.__version__,
            "machine": platform.processor() or platform.machine(),
            "threads": 1,
        },
        "validation": results,
    }
    write_manifest(os.path.join(args.out, "unet_ct.json"), manifest)
    print("weights %s sha256 %s, %d parameters, trained in %.0fs" % (path, sha, manifest["parameters"], trained - made))


if __name__ == "__main__":
    main()
