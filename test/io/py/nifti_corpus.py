"""The NIfTI corpus: nibabel's own test data (Debian's python3-nibabel) plus files derived from it
with nibabel (other byte order, NIfTI-2, .hdr/.img pairs, no transform, sheared sform).

  nifti_corpus.py derive OUTDIR      writes the derived files, prints [{file, kind}] as JSON
  nifti_corpus.py shipped            nibabel's own NIfTI/Analyze files, [{file, kind}] as JSON
  nifti_corpus.py compare ORIG VOL OURS
      nibabel reads volume VOL of ORIG and OURS (a 3-D NIfTI mhub wrote from it) and prints
      shapes, the largest voxel difference (scaling applied) and the largest affine difference.
      When ORIG has no transform (qform and sform codes 0) the reference affine is the NIfTI
      standard's method 1, diag(pixdim), not nibabel's Analyze-style centred affine: that is the
      documented choice (src/io/README.md)."""
import glob
import json
import os
import sys

import nibabel as nib
import numpy as np

# nibabel logs header fixes (e.g. "sizeof_hdr should be 540") it applies while loading.
nib.imageglobals.logger.setLevel(40)
DATA = os.path.join(os.path.dirname(nib.__file__), "tests", "data")


def shipped():
    names = sorted(glob.glob(os.path.join(DATA, "*.nii")) + glob.glob(os.path.join(DATA, "*.nii.gz")))
    names += sorted(glob.glob(os.path.join(DATA, "*.hdr")))
    return names


def kind(path):
    try:
        img = nib.load(path)
    except Exception as error:  # nibabel cannot read it either (e.g. a header without its .img)
        return f"nibabel refuses: {type(error).__name__}"
    hdr = img.header
    name = type(img).__name__
    order = "big-endian" if getattr(hdr, "endianness", "<") == ">" else "little-endian"
    dtype = img.get_data_dtype().name
    return f"{name} {order} {'x'.join(map(str, img.shape))} {dtype}"


def derive(out):
    os.makedirs(out, exist_ok=True)
    made = []

    def save(img, name, what):
        path = os.path.join(out, name)
        nib.save(img, path)
        made.append({"file": path, "kind": f"{kind(path)} ({what})"})

    for src in ["anatomical.nii", "functional.nii", "example4d.nii.gz", "standard.nii.gz"]:
        img = nib.load(os.path.join(DATA, src))
        base = src.split(".")[0]
        data = np.asanyarray(img.dataobj)
        swapped = ">" if img.header.endianness == "<" else "<"
        hdr = img.header.as_byteswapped(swapped)
        save(nib.Nifti1Image(data, None, hdr), f"{base}-swapped.nii", f"NIfTI-1 byte-swapped ({swapped}) from {src}")
        n2 = nib.Nifti2Image.from_image(img)
        save(n2, f"{base}-nifti2.nii.gz", f"NIfTI-2 from {src}")
        save(nib.Nifti1Pair.from_image(img), f"{base}-pair.img", f".hdr/.img pair from {src}")
        save(nib.Nifti2Pair.from_image(img), f"{base}-pair2.img.gz", f"NIfTI-2 gzipped .hdr/.img pair from {src}")

    anat = nib.load(os.path.join(DATA, "anatomical.nii"))
    data = np.asanyarray(anat.dataobj)
    none = nib.Nifti1Image(data, None, anat.header.copy())
    none.set_qform(None, code=0)
    none.set_sform(None, code=0)
    save(none, "anatomical-no-transform.nii", "NIfTI-1, qform and sform codes 0")

    # qform only (sform code 0): the reader must use the quaternion.
    qonly = nib.Nifti1Image(data, anat.affine, anat.header.copy())
    qonly.set_sform(None, code=0)
    qonly.set_qform(anat.affine, code=1)
    save(qonly, "anatomical-qform-only.nii.gz", "NIfTI-1, qform only (code 1)")

    # A gantry-tilt-like grid: the slice axis leans 15 degrees along y, so the sform is sheared.
    shear = np.diag([0.9, 0.9, 2.5, 1.0])
    shear[1, 2] = 2.5 * np.tan(np.radians(15))
    shear[:3, 3] = [-20, 30, -40]
    tilt = nib.Nifti1Image(data, shear)
    tilt.set_sform(shear, code=1)
    tilt.set_qform(None, code=0)
    save(tilt, "anatomical-sheared.nii", "NIfTI-1, sheared sform (tilted slices), qform code 0")

    mni = nib.Nifti1Image(data, anat.affine)
    mni.set_sform(anat.affine, code=4)
    mni.set_qform(anat.affine, code=4)
    save(mni, "anatomical-mni.nii", "NIfTI-1, sform and qform code 4 (MNI)")
    return made


def codes(img):
    hdr = img.header
    return int(hdr["qform_code"]), int(hdr["sform_code"])


def reference_affine(img):
    if codes(img) == (0, 0):
        zooms = img.header.get_zooms()[:3]
        return np.diag([*zooms, 1.0])
    return img.affine


def compare(orig_path, vol, ours_path):
    orig = nib.load(orig_path)
    ours = nib.load(ours_path)
    ref = np.asanyarray(orig.dataobj)
    if ref.ndim > 3:
        ref = ref.reshape(ref.shape[:3] + (-1,))[..., vol]
    ref = np.asarray(ref, dtype=np.float64)
    while ref.ndim < 3:
        ref = ref[..., None]
    mine = np.asarray(ours.get_fdata(), dtype=np.float64)
    result = {
        "shapeRef": list(ref.shape),
        "shapeOurs": list(mine.shape),
        "codesRef": codes(orig),
        "codesOurs": codes(ours),
        "method1": codes(orig) == (0, 0),
    }
    if ref.shape == mine.shape:
        result["maxValueDiff"] = float(np.nanmax(np.abs(ref - mine))) if ref.size else 0.0
        result["nanAgree"] = bool(np.array_equal(np.isnan(ref), np.isnan(mine)))
    result["maxAffineDiff"] = float(np.max(np.abs(reference_affine(orig) - reference_affine(ours))))
    # What a qform-preferring reader (ITK when the sform is not orthonormal) would see: the
    # qform must either match the sform or be absent.
    qcode, scode = codes(ours)
    if qcode > 0 and scode > 0:
        result["qformSformDiff"] = float(np.max(np.abs(ours.get_qform() - ours.get_sform())))
    print(json.dumps(result))


if __name__ == "__main__":
    mode = sys.argv[1]
    if mode == "derive":
        print(json.dumps(derive(sys.argv[2])))
    elif mode == "shipped":
        print(json.dumps([{"file": f, "kind": kind(f)} for f in shipped()]))
    elif mode == "compare":
        compare(sys.argv[2], int(sys.argv[3]), sys.argv[4])
    else:
        raise SystemExit(f"unknown mode {mode}")
