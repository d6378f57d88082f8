"""The contract's shared vectors (vectors.json, next to this file) against the Slicer launcher's
Python (MHubLib): the same table vectors.test.ts runs against src/runner/contract.

Environment: MHUB_LIB, the folder holding MHubLib.
"""

import json
import os
import posixpath
import sys
import unittest
from unittest import mock

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.environ["MHUB_LIB"])

from MHubLib import contract, contract_gen, docker, launcher, venv  # noqa: E402

with open(os.path.join(HERE, "vectors.json")) as handle:
    VECTORS = json.load(handle)


class VectorsTest(unittest.TestCase):
    def test_version_ranges(self):
        for v in VECTORS["versionRanges"]:
            with self.subTest(version=v["version"], spec=v["spec"]):
                if v.get("error"):
                    with self.assertRaisesRegex(ValueError, "version specifier"):
                        venv.version_matches(v["version"], v["spec"])
                else:
                    self.assertEqual(venv.version_matches(v["version"], v["spec"]), v["matches"], v["why"])

    def test_container_user(self):
        for v in VECTORS["containerUser"]:
            if v["uid"] is None:
                continue  # "no uid" is a platform without os.getuid, not an argument
            # the contract's uid rule, which applies on Linux hosts (test/platform covers the others)
            self.assertEqual(docker.container_user(v["uid"], v["gid"], platform="linux"), v["user"])

    def test_container_arguments(self):
        for v in VECTORS["containers"]:
            s = v["spec"]
            with self.subTest(why=v["why"]):
                values = {"name": s["name"], "input": s["inputDir"], "output": s["outputDir"], "run": s["run"],
                          "model": s["model"], "version": s["version"], "user": s["user"],
                          "owner": s["owner"]}
                argv = docker.container_arguments(s["image"], s["cmd"], values, use_gpu=s["gpu"])
                self.assertEqual(argv, v["argv"])
                self.assertEqual(docker.create_arguments("docker", s["image"], s["cmd"], values, s["gpu"])[:2],
                                 ["docker", "create"])
        self.assertEqual(docker.container_name("classical_ct", "abc"), "mhub-classical_ct-abc")

    def test_package_indexes(self):
        for v in VECTORS["packageIndexes"]:
            with self.subTest(why=v["why"]):
                self.assertEqual(venv.package_indexes(v["requirements"], v["mirror"]), v["indexes"])
                environ = {} if v["mirror"] is None else {contract_gen.ENV_TORCH_INDEX: v["mirror"]}
                argv = venv.install_arguments("/e", "/e/requirements.txt", v["requirements"], environ)
                flags = [argv[i + 1] for i, a in enumerate(argv) if a == "--extra-index-url"]
                self.assertEqual(flags, v["indexes"])

    # The vectors are POSIX paths: os.path is posixpath here, so they hold on Windows too.
    @mock.patch.object(launcher.os, "path", posixpath)
    def test_cache_layout(self):
        for v in VECTORS["cacheLayout"]:
            self.assertEqual(launcher.default_cache_dir(v["env"], v["homedir"]), v["home"])
        for v in VECTORS["envPaths"]:
            root = venv.environment_dir(v["home"], v["name"], v["version"])
            self.assertEqual((root, venv.lock_path(root), venv.weights_dir(root)), (v["root"], v["lock"], v["weights"]))
        for v in VECTORS["envHash"]:
            self.assertEqual(venv.environment_hash(v["key"], v["pythonVersion"]), v["hash"])

    def test_progress_lines(self):
        for v in VECTORS["progressLines"]:
            with self.subTest(line=v["line"]):
                event = contract.parse_progress(v["line"])
                if v["event"] is None:
                    self.assertIsNone(event, v["why"])
                else:
                    fraction = event.pop("progress")
                    self.assertEqual(event, v["event"], v["why"])
                    total = v["event"].get("total")
                    self.assertEqual(fraction, v["event"]["done"] / total if total else None)

    def test_expected_outputs(self):
        for v in VECTORS["expectedOutputs"]:
            for case in v["cases"]:
                with self.subTest(why=v["why"], files=case["files"]):
                    missing = contract.missing_outputs(v["expected"], case["files"])
                    self.assertEqual([e["description"] for e in missing], case["missing"])


if __name__ == "__main__":
    unittest.main()
