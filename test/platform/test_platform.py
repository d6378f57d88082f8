"""The platform vectors (vectors.json, next to this file) against the Slicer launcher's Python
(MHubLib): the same table platform.test.ts runs against src/platform. Windows paths are checked
with ntpath, whatever OS runs this.

Environment: MHUB_LIB, the folder holding MHubLib.
"""

import json
import ntpath
import os
import posixpath
import sys
import time
import unittest
from unittest import mock

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.environ["MHUB_LIB"])

from MHubLib import docker, gpu, process, steps, venv  # noqa: E402

with open(os.path.join(HERE, "vectors.json"), encoding="utf-8") as handle:
    VECTORS = json.load(handle)


def path_module(os_name):
    return ntpath if os_name == "win32" else posixpath


class PlatformVectorsTest(unittest.TestCase):
    def test_bind_source(self):
        for v in VECTORS["bindSource"]:
            with self.subTest(os=v["os"], path=v["path"]):
                if "error" in v:
                    with self.assertRaisesRegex(docker.MountPathError, v["error"].replace("(", r"\(").replace(")", r"\)")):
                        docker.bind_source(v["path"], v["os"])
                else:
                    self.assertEqual(docker.bind_source(v["path"], v["os"]), v["source"], v["why"])

    def test_container_user(self):
        for v in VECTORS["containerUser"]:
            with self.subTest(os=v["os"]):
                self.assertEqual(docker.container_user(v["uid"], v["gid"], platform=v["os"]), v["user"])

    def test_venv_python(self):
        for v in VECTORS["venvPython"]:
            with self.subTest(os=v["os"]):
                # os.path.join is the running OS's: give the vector's OS its own path module
                with mock.patch.object(venv.os, "path", path_module(v["os"])):
                    self.assertEqual(venv.venv_python(v["root"], platform=v["os"]), v["python"])

    def test_python_commands(self):
        for v in VECTORS["pythonCommands"]:
            with self.subTest(os=v["os"]):
                self.assertEqual(venv.python_commands(v["os"], v["user"]), v["commands"])
        # candidates: what is on PATH, each with the launcher's arguments
        found = venv.python_candidates("win32", which=lambda name: "C:\\Windows\\py.exe" if name == "py" else None)
        self.assertEqual(found[0], ["C:\\Windows\\py.exe", "-3.14"])
        self.assertEqual(len(found), 7)

    def test_kill_plan(self):
        for v in VECTORS["killPlan"]:
            with self.subTest(os=v["os"]):
                self.assertEqual(process.kill_plan(v["pid"], v["os"]), v["plan"])

    def test_gpu_choice(self):
        for v in VECTORS["gpuChoice"]:
            with self.subTest(os=v["os"], arch=v["arch"], backend=v["backend"]):
                self.assertEqual(gpu.choose_device(v["os"], v["arch"], v["backend"], v["nvidia"]), v["device"])
                detected = {"kind": "cuda" if v["nvidia"] else None}
                self.assertEqual(gpu.use_gpu("optional", False, detected, v["backend"], v["os"], v["arch"]),
                                 v["device"] != "none")

    def test_gpu_environment(self):
        for v in VECTORS["gpuEnvironment"]:
            with self.subTest(device=v["device"]):
                self.assertEqual(venv.gpu_environment(v["device"], v["base"]), v["env"])
                env = venv.model_environment(v["base"], None, "/w", v["device"])
                for key, value in v["env"].items():
                    self.assertEqual(env[key], value)

    def test_emulation(self):
        for v in VECTORS["emulation"]:
            with self.subTest(engine=v["engine"], images=v["images"]):
                self.assertEqual(docker.emulation_warning(v["engine"], v["images"], v["image"]), v["warning"])

    def test_platform_id(self):
        for v in VECTORS["platformId"]:
            with self.subTest(id=v["id"]):
                self.assertEqual(docker.platform_id(v["os"], v["arch"], v["env"], v["kernel"]), v["id"])

    def test_docker_fixes(self):
        ids = {v["id"]: v for v in VECTORS["platformId"]}
        for v in VECTORS["dockerFixes"]:
            with self.subTest(platform=v["platform"], installed=v["installed"]):
                where = ids[v["platform"]]
                fix = docker.docker_fix(v["installed"], platform=where["os"], machine=where["arch"],
                                        environ=where["env"], kernel=where["kernel"])
                self.assertEqual(fix, v["fix"])


class EmulationNoteTest(unittest.TestCase):
    def test_container_step_shows_the_warning_first(self):
        """The launcher hands the emulation warning to the container step, shown before its output."""
        ok = [sys.executable, "-c", "print('model output')"]
        step = steps.ContainerStep("run x", ok, ok, [sys.executable, "-c", "pass"],
                                   notes=lambda: ["warning: " + docker.emulation_warning("aarch64", ["amd64"], "x")])
        step.start()
        lines = []
        result = None
        for _ in range(600):
            out, result = step.poll()
            lines += out
            if result is not None:
                break
            time.sleep(0.05)
        self.assertEqual(result, (True, ""))
        self.assertTrue(lines[0].startswith("warning: x is built for amd64 only"), lines)
        self.assertIn("model output", lines)


if __name__ == "__main__":
    unittest.main()
