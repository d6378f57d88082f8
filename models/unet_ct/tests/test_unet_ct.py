"""Unit tests of unet_ct (run with the model's venv: python -m unittest discover models/unet_ct/tests).

Driven from vitest by test/dl/unet-ct.test.ts, so `npm test` runs them.
"""

import json
import os
import shutil
import subprocess
import sys
import tempfile
import unittest

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
MODEL_DIR = os.path.dirname(HERE)
sys.path.insert(0, MODEL_DIR)

import unet_ct  # noqa: E402,F401
from classical_ct import nifti, phantom  # noqa: E402
from unet_ct import geometry, infer, net  # noqa: E402


class WeightsTest(unittest.TestCase):
    def test_shipped_weights_are_small_and_match_their_manifest(self):
        with open(infer.MANIFEST) as f:
            manifest = json.load(f)
        self.assertEqual(infer.sha256_of(infer.WEIGHTS), manifest["sha256"])
        self.assertLess(os.path.getsize(infer.WEIGHTS), 5 * 1024 * 1024)
        model = infer.load_model()
        self.assertEqual(net.parameter_count(model), manifest["parameters"])
        self.assertLess(manifest["parameters"], 400_000)

    def test_altered_weights_are_refused(self):
        with tempfile.TemporaryDirectory() as tmp:
            path = os.path.join(tmp, "unet_ct.pt")
            shutil.copy(infer.WEIGHTS, path)
            with open(path, "ab") as f:
                f.write(b"\0")
            with self.assertRaisesRegex(infer.WeightsError, "sha256"):
                infer.load_model(path)


class OrientationTest(unittest.TestCase):
    def test_ras_round_trip_for_a_permuted_flipped_affine(self):
        affine = np.array([[0, 0, -3.0, 10], [2.0, 0, 0, -5], [0, -1.5, 0, 7], [0, 0, 0, 1]])
        orient = geometry.Orientation(affine)
        self.assertEqual(orient.perm, (2, 0, 1))
        self.assertEqual(orient.flip, (True, False, True))
        self.assertEqual(orient.spacing, (3.0, 2.0, 1.5))
        data = np.arange(4 * 5 * 6).reshape(4, 5, 6)
        ras = orient.to_ras(data)
        self.assertEqual(ras.shape, (6, 4, 5))
        np.testing.assert_array_equal(orient.from_ras(ras), data)

    def test_labels_follow_the_anatomy_when_the_file_layout_changes(self):
        ct, _, affine = phantom.make((48, 40, 32))
        model = infer.load_model()
        labels = infer.segment(model, ct, affine)
        # The same volume stored with axes (y, z, x) and x reversed, with the matching affine.
        moved = np.ascontiguousarray(np.transpose(ct[::-1], (1, 2, 0)))
        moved_affine = np.eye(4)
        moved_affine[:3, 0] = affine[:3, 1]
        moved_affine[:3, 1] = affine[:3, 2]
        moved_affine[:3, 2] = -affine[:3, 0]
        moved_affine[:3, 3] = affine[:3, 3] + affine[:3, 0] * (ct.shape[0] - 1)
        moved_labels = infer.segment(model, moved, moved_affine)
        back = np.transpose(moved_labels, (2, 0, 1))[::-1]
        agreement = float((back == labels).mean())
        self.assertGreater(agreement, 0.995)
        self.assertEqual(set(np.unique(labels)), {0, 1, 2, 3, 4})


class FilesInterfaceTest(unittest.TestCase):
    def run_model(self, input_dir, output_dir):
        env = dict(os.environ, PYTHONPATH=MODEL_DIR)
        return subprocess.run(
            [sys.executable, "-m", "unet_ct", input_dir, output_dir], env=env, capture_output=True, text=True
        )

    def test_missing_input_is_a_clear_error_with_exit_code_2(self):
        with tempfile.TemporaryDirectory() as tmp:
            result = self.run_model(tmp, os.path.join(tmp, "out"))
            self.assertEqual(result.returncode, 2)
            self.assertIn("no ct.nii.gz or ct.nii", result.stderr)
            self.assertNotIn("Traceback", result.stderr)
            self.assertFalse(os.path.exists(os.path.join(tmp, "out", "segmentation.nii.gz")))

    def test_a_file_that_is_not_nifti_is_refused(self):
        with tempfile.TemporaryDirectory() as tmp:
            with open(os.path.join(tmp, "ct.nii.gz"), "wb") as f:
                f.write(b"not an image" * 40)
            result = self.run_model(tmp, os.path.join(tmp, "out"))
            self.assertEqual(result.returncode, 2, result.stderr)
            self.assertIn("NIfTI", result.stderr)
            self.assertNotIn("Traceback", result.stderr)


if __name__ == "__main__":
    unittest.main()


class DeviceTest(unittest.TestCase):
    """The network runs where torch sees a device the runner granted, else on the CPU."""

    @staticmethod
    def fake_torch(cuda, mps):
        from types import SimpleNamespace

        return SimpleNamespace(
            cuda=SimpleNamespace(is_available=lambda: cuda),
            backends=SimpleNamespace(mps=SimpleNamespace(is_available=lambda: mps)),
            device=lambda kind: SimpleNamespace(type=kind),
        )

    def test_device_follows_what_torch_sees_and_the_runner_asked_for(self):
        saved = os.environ.pop("PYTORCH_ENABLE_MPS_FALLBACK", None)
        try:
            self.assertEqual(infer.choose_device(self.fake_torch(cuda=True, mps=False)).type, "cuda")
            self.assertEqual(infer.choose_device(self.fake_torch(cuda=False, mps=True)).type, "cpu")
            os.environ["PYTORCH_ENABLE_MPS_FALLBACK"] = "1"
            self.assertEqual(infer.choose_device(self.fake_torch(cuda=False, mps=True)).type, "mps")
            self.assertEqual(infer.choose_device(self.fake_torch(cuda=False, mps=False)).type, "cpu")
            # This machine: the CPU wheels see no GPU.
            self.assertEqual(infer.choose_device().type, "cpu")
        finally:
            os.environ.pop("PYTORCH_ENABLE_MPS_FALLBACK", None)
            if saved is not None:
                os.environ["PYTORCH_ENABLE_MPS_FALLBACK"] = saved
