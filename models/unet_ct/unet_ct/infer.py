"""Load the shipped weights (checked against their sha256) and segment a CT volume."""

import hashlib
import json
import os

import numpy as np
import torch
import torch.nn.functional as F

from . import geometry, net

WEIGHTS_DIR = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "weights")
WEIGHTS = os.path.join(WEIGHTS_DIR, "unet_ct.pt")
MANIFEST = os.path.join(WEIGHTS_DIR, "unet_ct.json")


class WeightsError(RuntimeError):
    """The weights file is missing or is not the one the model was released with."""


def sha256_of(path):
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def weights_path():
    """UNET_CT_WEIGHTS, else the runner's weights folder (MHUB_WEIGHTS_DIR) when it holds the
    file, else the copy shipped next to the package."""
    if os.environ.get("UNET_CT_WEIGHTS"):
        return os.environ["UNET_CT_WEIGHTS"]
    runner_dir = os.environ.get("MHUB_WEIGHTS_DIR")
    if runner_dir and os.path.isfile(os.path.join(runner_dir, "unet_ct.pt")):
        return os.path.join(runner_dir, "unet_ct.pt")
    return WEIGHTS


def load_model(path=None, expected_sha256=None):
    """The trained network in eval mode, from weights_path() unless given; the expected hash
    comes from weights/unet_ct.json unless given (a mismatch is refused)."""
    path = path or weights_path()
    if not os.path.isfile(path):
        raise WeightsError("weights file not found: %s (run models/unet_ct/train.py)" % path)
    if expected_sha256 is None:
        with open(MANIFEST) as f:
            expected_sha256 = json.load(f)["sha256"]
    actual = sha256_of(path)
    if actual != expected_sha256:
        raise WeightsError("weights %s have sha256 %s, expected %s" % (path, actual, expected_sha256))
    model = net.UNet3D()
    model.load_state_dict(torch.load(path, map_location="cpu", weights_only=True))
    model.eval()
    return model


def choose_device(torch_module=torch):
    """CUDA when torch sees a GPU (the runner leaves CUDA_VISIBLE_DEVICES empty unless it granted
    one: Docker DeviceRequests, or a venv run with --gpu), else Apple's MPS when the runner asked
    for it (PYTORCH_ENABLE_MPS_FALLBACK) and torch has it, else the CPU."""
    if torch_module.cuda.is_available():
        return torch_module.device("cuda")
    mps = getattr(torch_module.backends, "mps", None)
    if os.environ.get("PYTORCH_ENABLE_MPS_FALLBACK") and mps is not None and mps.is_available():
        return torch_module.device("mps")
    return torch_module.device("cpu")


def logits_on_work_grid(model, work):
    """Network logits (5, X, Y, Z) for a (2, X, Y, Z) working-grid tensor of any size.

    The volume gets an air margin of MARGIN voxels on every side first: the network was trained
    with air around the patient, and a body touching the field of view's edge (next to the
    convolutions' zero padding) otherwise comes out eroded by a voxel."""
    shape = work.shape[1:]
    m = geometry.MARGIN
    framed = torch.cat([F.pad(work[c : c + 1], (m,) * 6, value=float(v)) for c, v in enumerate(geometry.AIR)])
    padded = geometry.pad_to_multiple(framed, net.MULTIPLE, geometry.AIR)
    device = next(model.parameters()).device
    with torch.inference_mode():
        logits = model(padded[None].to(device))[0].cpu()
    return logits[:, m : m + shape[0], m : m + shape[1], m : m + shape[2]]


def segment(model, hu, affine, progress=lambda step, message: None):
    """uint8 label map (0 background, 1 body, 2 right lung, 3 left lung, 4 bone) on hu's grid."""
    orient = geometry.Orientation(affine)
    hu_ras = orient.to_ras(np.asarray(hu))
    progress(2, "resampling to %.0f mm" % geometry.WORK_SPACING)
    work = geometry.to_work_grid(hu_ras, orient.spacing)
    device = choose_device()
    progress(3, "running the network on the %s" % ("GPU (%s)" % device.type if device.type != "cpu" else "CPU"))
    logits = logits_on_work_grid(model.to(device), work)
    progress(4, "resampling to the input grid")
    # Interpolating logits, not labels, keeps boundaries smooth at the input's resolution.
    labels_ras = geometry.resample(logits, hu_ras.shape).argmax(dim=0).to(torch.uint8).numpy()
    return orient.from_ras(labels_ras)
