"""MHubLib with plain python3: unit tests, then the reference model through the launcher with
Docker and with a venv (MHUB_BACKENDS=docker,venv), including cancel and failed runs.

Environment: MHUB_REPO (this repository), MHUB_LIB (folder holding MHubLib), MHUB_BACKENDS,
MHUB_REFERENCE_SPEC (the generator's module spec of classical_ct, a JSON file).
"""

import json
import os
import stat
import subprocess
import sys
import tempfile
import textwrap
import time
import unittest

REPO = os.environ["MHUB_REPO"]
sys.path[:0] = [os.environ.get("MHUB_LIB", os.path.join(REPO, "templates", "slicer")),
                os.path.join(REPO, "models", "classical_ct")]
BACKENDS = [b for b in os.environ.get("MHUB_BACKENDS", "").split(",") if b]

from MHubLib import catalog, contract, docker, gpu, launcher, predictions, terminology, venv  # noqa: E402
from MHubLib.process import BackgroundProcess  # noqa: E402

for name in ("slicer", "qt", "ctk", "vtk"):
    assert name not in sys.modules, "MHubLib imported " + name

with open(os.environ["MHUB_REFERENCE_SPEC"]) as _handle:
    REFERENCE = json.load(_handle)  # what a generated module carries: the contract's values included


class Completed(object):
    def __init__(self, returncode, stdout):
        self.returncode, self.stdout = returncode, stdout


def alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # a zombie (exited, not yet reaped by its parent) counts as gone
    with open("/proc/{}/stat".format(pid)) as handle:
        return handle.read().split(")")[1].split()[0] != "Z"


class ContractTest(unittest.TestCase):
    def test_names_and_outputs(self):
        self.assertEqual(contract.input_entry_name({"id": "ct", "format": "nifti"}), "ct.nii.gz")
        self.assertEqual(contract.input_entry_name({"id": "t2", "format": "dicom"}), "t2")
        files = REFERENCE["runtimes"]["venv"]["expectedOutputs"]
        mhub = [{"description": "[i:sid]/lungmask.seg.dcm", "format": "dicomseg",
                 "pattern": "^[^/]+/lungmask\\.seg\\.dcm$"}]
        with tempfile.TemporaryDirectory() as out:
            with self.assertRaisesRegex(ValueError, "did not write: segmentation.nii.gz"):
                contract.collect_outputs(REFERENCE["outputs"], files, out)
            open(os.path.join(out, "segmentation.nrrd"), "w").close()
            self.assertEqual(contract.collect_outputs(REFERENCE["outputs"], files, out),
                             {"segmentation": os.path.join(out, "segmentation.nrrd")})
            with self.assertRaisesRegex(ValueError, "lungmask.seg.dcm .it wrote: segmentation.nrrd"):
                contract.collect_outputs(REFERENCE["outputs"], mhub, out)
            os.makedirs(os.path.join(out, "1.2.3"))
            open(os.path.join(out, "1.2.3", "lungmask.seg.dcm"), "w").close()
            found = contract.collect_outputs(REFERENCE["outputs"], mhub, out)
            self.assertEqual(found, {"segmentation": os.path.join(out, "1.2.3", "lungmask.seg.dcm")})

    # progress lines, expected outputs: test/contract/test_vectors.py (the shared table)


class VenvTest(unittest.TestCase):
    # version ranges, container flags, cache layout: test/contract/test_vectors.py (shared table)

    def test_find_python_takes_the_first_in_range(self):
        versions = {"/a/python3.13": "3.13.1", "/b/python3.11": "3.11.4", "/c/python3": "3.11.9",
                    "/m/python": "3.11.8"}
        run = lambda args, **kw: Completed(0, versions[args[0]].encode())  # noqa: E731
        candidates = ["/a/python3.13", "/b/python3.11", "/c/python3"]
        self.assertEqual(venv.find_python(">=3.11,<3.12", candidates=candidates, run=run, environ={}),
                         ("/b/python3.11", "3.11.4"))
        self.assertEqual(venv.find_python(">=3.11,<3.12", candidates=candidates, run=run,
                                          environ={"MHUB_PYTHON": "/m/python"}), ("/m/python", "3.11.8"))
        self.assertIsNone(venv.find_python(">=3.14", candidates=candidates, run=run, environ={}))

    def test_stamp_and_lock_are_the_ones_mhub_run_uses(self):
        runtime = REFERENCE["runtimes"]["venv"]
        with tempfile.TemporaryDirectory() as cache:
            root = venv.environment_dir(cache, "classical_ct", "1.0.0")
            building = root + ".tmp-x"
            os.makedirs(building)
            self.assertFalse(venv.is_ready(building, runtime))
            venv.write_stamp(building, runtime, "/usr/bin/python3.11", "3.11.4")
            self.assertTrue(venv.is_ready(building, runtime))
            other = dict(runtime, envKey="0" * 64)
            self.assertFalse(venv.is_ready(building, other))
            self.assertFalse(venv.is_ready(building, dict(runtime, python=">=3.12")))
            # a dead owner's lock is taken over; the environment goes into place, the lock goes
            dead = subprocess.Popen(["true"])
            dead.wait()
            with open(venv.lock_path(root), "w") as handle:
                handle.write(str(dead.pid))
            venv.publish(building, root, runtime)
            self.assertTrue(venv.is_ready(root, runtime))
            self.assertEqual(sorted(os.listdir(os.path.dirname(root))), ["1.0.0"])
            # a live owner's lock is waited for
            with open(venv.lock_path(root), "w") as handle:
                handle.write(str(os.getpid()))
            with self.assertRaisesRegex(RuntimeError, "cancelled while waiting"):
                venv.acquire_lock(venv.lock_path(root), cancelled=lambda: True)

    def test_model_environment(self):
        env = venv.model_environment({"PYTHONHOME": "/slicer", "PYTHONPATH": "/slicer/lib", "HOME": "/h"},
                                     "/src", "/w", use_gpu=False)
        self.assertEqual((env["PYTHONPATH"], env["HOME"], env["CUDA_VISIBLE_DEVICES"]), ("/src", "/h", ""))
        self.assertNotIn("PYTHONHOME", env)

    def test_weights_are_checked(self):
        import hashlib
        import io

        payload = b"weights"
        good = {"path": "m/w.bin", "url": "http://x/w.bin", "sha256": hashlib.sha256(payload).hexdigest()}
        bad = dict(good, path="m/bad.bin", sha256="0" * 64)
        with tempfile.TemporaryDirectory() as folder:
            venv.fetch_weights([good], folder, lambda t: None, lambda: False, opener=lambda url: io.BytesIO(payload))
            self.assertTrue(os.path.isfile(os.path.join(folder, "m", "w.bin")))
            # no url: the copy the model's source folder ships
            shipped = dict(good, path="s/w.bin", url="")
            source = os.path.join(folder, "src")
            os.makedirs(os.path.join(source, "weights", "s"))
            with open(os.path.join(source, "weights", "s", "w.bin"), "wb") as handle:
                handle.write(payload)
            venv.fetch_weights([shipped], folder, lambda t: None, lambda: False, source_dir=source)
            self.assertTrue(os.path.isfile(os.path.join(folder, "s", "w.bin")))
            with self.assertRaisesRegex(RuntimeError, "expected"):
                venv.fetch_weights([bad], folder, lambda t: None, lambda: False,
                                   opener=lambda url: io.BytesIO(payload))
            self.assertEqual(sorted(os.listdir(os.path.join(folder, "m"))), ["w.bin"])


class DockerTest(unittest.TestCase):
    def make_exe(self, path):
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w") as handle:
            handle.write("#!/bin/sh\n")
        os.chmod(path, os.stat(path).st_mode | stat.S_IEXEC)

    def test_discovery_order(self):
        with tempfile.TemporaryDirectory() as home:
            setting = os.path.join(home, "custom", "docker")
            self.make_exe(setting)
            nowhere = lambda name: None  # noqa: E731
            self.assertEqual(docker.find_docker(setting, which=nowhere), setting)
            self.assertIsNone(docker.find_docker(os.path.join(home, "missing"), which=nowhere))
            self.assertEqual(docker.find_docker(which=lambda n: "/on/path/docker"), "/on/path/docker")
            mac = os.path.join(home, ".docker", "bin", "docker")
            self.assertEqual(docker.find_docker(platform="darwin", home=home, which=nowhere,
                                                is_executable=lambda p: p == mac), mac)
            self.assertIsNone(docker.find_docker(platform="darwin", home=home, which=nowhere,
                                                 is_executable=lambda p: False))
        win = docker.candidate_paths("win32", {"ProgramFiles": "C:\\PF", "LOCALAPPDATA": "C:\\L"}, "C:\\U")
        self.assertTrue(win[0].startswith("C:\\PF") and win[0].endswith("docker.exe"))
        self.assertTrue(any("Rancher Desktop" in p for p in win))
        self.assertIn("/usr/bin/docker", docker.candidate_paths("linux", {}, "/h"))

    def test_create_arguments_have_the_safety_defaults(self):
        runtime = REFERENCE["runtimes"]["docker"]
        values = {"name": "mhub-classical_ct-1", "input": "/in", "output": "/out", "run": "1",
                  "model": "classical_ct", "version": "1.0.0", "user": "1000:1000", "owner": "h:42"}
        args = docker.create_arguments("docker", runtime["reference"], runtime["command"], values)
        text = " ".join(args)
        for flag in ("docker create --name mhub-classical_ct-1", "--network none",
                     "--security-opt no-new-privileges", "--cap-drop ALL", "--pids-limit", "--user 1000:1000",
                     "--label org.mhub-registry.run=1", "--label org.mhub-registry.owner=h:42", "/in:/app/data/input_data:ro",
                     "/out:/app/data/output_data:rw"):
            self.assertIn(flag, text)
        self.assertNotIn("--rm", args)
        self.assertEqual(args[-1], "mhub-registry/classical_ct:1.0.0")


class GpuTest(unittest.TestCase):
    def test_detection(self):
        smi = lambda args, **kw: Completed(0, b"NVIDIA H100 80GB HBM3, 81559\n")  # noqa: E731
        found = gpu.detect_gpus(smi="/usr/bin/nvidia-smi", run=smi)
        self.assertEqual(found, {"kind": "cuda", "gpus": [{"name": "NVIDIA H100 80GB HBM3", "memoryGb": 79}]})
        failing = lambda args, **kw: Completed(9, b"")  # noqa: E731
        self.assertIsNone(gpu.detect_gpus(smi="/x", run=failing, platform="linux")["kind"])
        self.assertEqual(gpu.detect_gpus(smi="", platform="darwin", machine="arm64")["kind"], "mps")
        info = lambda args, **kw: Completed(0, b'{"nvidia": {}, "runc": {}}')  # noqa: E731
        self.assertTrue(gpu.docker_supports_gpu("docker", run=info))
        self.assertFalse(gpu.docker_supports_gpu("docker", run=lambda a, **k: Completed(0, b'{"runc": {}}')))
        self.assertFalse(gpu.use_gpu("required", True, {"kind": "cuda"}))
        self.assertFalse(gpu.use_gpu("unsupported", False, {"kind": "cuda"}))
        self.assertTrue(gpu.use_gpu("optional", False, {"kind": "cuda"}))


class ProcessTest(unittest.TestCase):
    def test_poll_never_blocks_and_cancel_kills_the_tree(self):
        job = BackgroundProcess(["sh", "-c", "sleep 60 & echo child $!; wait"]).start()
        started = time.monotonic()
        lines, status = job.poll()
        self.assertLess(time.monotonic() - started, 0.2)
        self.assertIsNone(status)
        while not lines:
            time.sleep(0.02)
            lines, _status = job.poll()
        child = int(lines[0].split()[1])
        self.assertTrue(alive(child))
        job.cancel()
        deadline = time.monotonic() + 10
        while (alive(child) or job.process.poll() is None) and time.monotonic() < deadline:
            time.sleep(0.05)
        self.assertFalse(alive(child), "the grandchild survived cancel")
        self.assertIsNotNone(job.process.poll())


class DataTest(unittest.TestCase):
    def test_terminology_entry_is_sanitised(self):
        segment = {"category": {"scheme": "SCT", "value": "123037004", "meaning": "Body ~ structure"},
                   "type": {"scheme": "SCT", "value": "39607008", "meaning": "Lung^x"},
                   "modifier": {"scheme": "SCT", "value": "24028007", "meaning": "Right"}}
        entry = terminology.terminology_entry(segment)
        self.assertEqual(entry.split("~")[1:4], ["SCT^123037004^Body - structure", "SCT^39607008^Lung-x",
                                                  "SCT^24028007^Right"])
        self.assertEqual(entry.split("~")[5:], ["^^", "^^"])

    def test_catalog_search_and_refresh(self):
        index = {"models": [
            {"name": "lungmask", "title": "LungMask", "description": "lungs", "tags": [],
             "inputs": [{"modality": ["CT"], "bodyPart": "CHEST"}],
             "outputs": [{"type": "segmentation", "segments": ["LEFT_LUNG"]}], "runtimes": {"docker": {}}},
            {"name": "prostate", "title": "Prostate", "description": "zones", "tags": [],
             "inputs": [{"modality": ["MR"]}], "outputs": [{"type": "segmentation", "segments": []}],
             "runtimes": {"docker": {}, "venv": {}}},
        ], "segments": {"LEFT_LUNG": {"name": "Left lung", "type": {"value": "39607008", "meaning": "Lung"}}}}
        self.assertEqual([m["name"] for m in catalog.search(index, "39607008")], ["lungmask"])
        self.assertEqual([m["name"] for m in catalog.search(index, "left lung")], ["lungmask"])
        self.assertEqual([m["name"] for m in catalog.search(index, "", modality="MR")], ["prostate"])
        self.assertEqual([m["name"] for m in catalog.search(index, "", backend="venv")], ["prostate"])
        html = catalog.details_html(dict(index["models"][0], title="<b>x</b>"), index["segments"], True)
        self.assertIn("&lt;b&gt;x&lt;/b&gt;", html)
        self.assertIn("Left lung", html)
        with tempfile.TemporaryDirectory() as folder:
            cache = os.path.join(folder, "registry")

            def offline(url, timeout=None):
                raise OSError("offline")

            self.assertFalse(catalog.refresh_index("http://catalog", cache, opener=offline))
            self.assertFalse(os.path.exists(cache))

            class Answer(object):
                def __init__(self, data):
                    self.data = data

                def read(self):
                    return json.dumps(self.data).encode()

                def __enter__(self):
                    return self

                def __exit__(self, *a):
                    return False

            def online(url, timeout=None):
                return Answer({"version": 1, "models": index["models"]} if url.endswith("models.json")
                              else {"segments": index["segments"]})

            self.assertTrue(catalog.refresh_index("http://catalog/", cache, opener=online))
            self.assertEqual(len(catalog.load_index(cache)["models"]), 2)

    def test_prediction_rows(self):
        self.assertEqual(predictions.flatten({"a": {"b": 1}, "c": [True, None]}),
                         [("a.b", "1"), ("c[0]", "True"), ("c[1]", "")])


class LauncherStartTest(unittest.TestCase):
    def test_refusals_leave_nothing_behind(self):
        with tempfile.TemporaryDirectory() as folder:
            ct = os.path.join(folder, "ct.nii.gz")
            open(ct, "w").close()
            cache = os.path.join(folder, "cache")
            missing = launcher.Launcher(REFERENCE, cache_dir=cache, docker_path=os.path.join(folder, "nope"))
            with self.assertRaisesRegex(launcher.RunError, "Docker was not found"):
                missing.start("docker", {"ct": ct}, os.path.join(folder, "out"))
            no_mhub = dict(REFERENCE, runtimes={"venv": REFERENCE["runtimes"]["venv"]})
            with self.assertRaisesRegex(launcher.RunError, "has no docker runtime; choose one of: venv"):
                launcher.Launcher(no_mhub, cache_dir=cache).start("docker", {"ct": ct}, os.path.join(folder, "o"))
            with self.assertRaisesRegex(launcher.RunError, "input 'ct'"):
                missing.start("docker", {}, os.path.join(folder, "out"))
            self.assertEqual(os.listdir(cache), [])
            self.assertFalse(os.path.exists(os.path.join(folder, "out")))


def phantom_input(folder):
    from classical_ct import phantom

    phantom.main([folder])
    return os.path.join(folder, "ct.nii.gz"), os.path.join(folder, "expected.nii.gz")


def read_labels(path):
    from classical_ct import nifti

    return nifti.read(path).data


@unittest.skipUnless(BACKENDS, "MHUB_BACKENDS not set")
class LauncherRunTest(unittest.TestCase):
    def setUp(self):
        self.folder = tempfile.mkdtemp(prefix="mhublib-")
        self.ct, self.expected = phantom_input(os.path.join(self.folder, "data"))
        self.source = os.path.join(REPO, "models", "classical_ct")

    def tearDown(self):
        import shutil

        shutil.rmtree(self.folder, ignore_errors=True)

    def launcher(self, spec=REFERENCE, source=None):
        return launcher.Launcher(spec, source_dir=source or self.source, gpu_info={"kind": None})

    def test_reference_model_on_each_backend(self):
        import numpy as np

        results = {}
        for backend in BACKENDS:
            with self.subTest(backend=backend):
                out = os.path.join(self.folder, "out-" + backend)
                events = []
                job = self.launcher().start(backend, {"ct": self.ct}, out, force_cpu=True)
                self.assertEqual(job.wait(timeout=600, on_event=events.append), launcher.SUCCEEDED, job.error)
                self.assertEqual(job.outputs, {"segmentation": os.path.join(out, "segmentation.nii.gz")})
                values = [e["value"] for e in events if e["type"] == "progress"]
                self.assertEqual(values[-1], 1.0)
                self.assertEqual(values, sorted(values))
                results[backend] = read_labels(job.outputs["segmentation"])
                np.testing.assert_array_equal(results[backend], read_labels(self.expected))
                self.assertFalse(os.path.exists(job.work_dir))
        if len(results) == 2:
            np.testing.assert_array_equal(results["docker"], results["venv"])

    def test_wrong_input_format_is_refused_before_anything_runs(self):
        with self.assertRaisesRegex(launcher.RunError, "must be a nifti file"):
            self.launcher().start(BACKENDS[0], {"ct": __file__}, os.path.join(self.folder, "o"))
        self.assertFalse(os.path.exists(os.path.join(self.folder, "o")))

    def slow_model(self):
        source = os.path.join(self.folder, "slow")
        os.makedirs(os.path.join(source, "slowmodel"))
        with open(os.path.join(source, "slowmodel", "__main__.py"), "w") as handle:
            handle.write(textwrap.dedent("""\
                import os, subprocess, sys, time
                child = subprocess.Popen(["sleep", "60"])
                print("child", child.pid, flush=True)
                open(os.path.join(sys.argv[2], "segmentation.nii.gz"), "w").write("partial")
                time.sleep(60)
                """))
        spec = json.loads(json.dumps(REFERENCE))
        spec["runtimes"]["venv"]["entrypoint"] = "slowmodel"
        return spec, source

    @unittest.skipUnless("venv" in BACKENDS, "venv backend not requested")
    def test_cancel_kills_the_model_tree_and_leaves_no_output(self):
        spec, source = self.slow_model()
        out = os.path.join(self.folder, "cancelled")
        job = self.launcher(spec, source).start("venv", {"ct": self.ct}, out)
        child = None
        deadline = time.monotonic() + 300
        while child is None and time.monotonic() < deadline:
            for event in job.poll():
                if event["type"] == "log" and event["text"].startswith("child "):
                    child = int(event["text"].split()[1])
            time.sleep(0.05)
        self.assertIsNotNone(child)
        job.cancel()
        self.assertEqual(job.wait(timeout=30), launcher.CANCELLED)
        time.sleep(0.2)
        self.assertFalse(alive(child))
        self.assertFalse(os.path.exists(out))
        self.assertFalse(os.path.exists(job.work_dir))

    @unittest.skipUnless("venv" in BACKENDS, "venv backend not requested")
    def test_exit_zero_without_outputs_is_a_failure(self):
        spec = json.loads(json.dumps(REFERENCE))
        spec["runtimes"]["venv"]["entrypoint"] = "this"  # prints the Zen of Python, exits 0
        out = os.path.join(self.folder, "failed")
        job = self.launcher(spec).start("venv", {"ct": self.ct}, out)
        self.assertEqual(job.wait(timeout=300), launcher.FAILED)
        self.assertIn("did not write: segmentation.nii.gz", job.error)
        self.assertFalse(os.path.exists(out))

    def sleeper(self):
        tag = "mhub-slicer-test/sleeper:1"
        build = subprocess.run(["docker", "build", "-q", "-t", tag, "-"], input=(
            "FROM mhub-registry/classical_ct:1.0.0\n"
            'ENTRYPOINT ["python3", "-c", "import time; print(\\"started\\", flush=True); time.sleep(120)"]\n'
        ).encode(), stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        self.assertEqual(build.returncode, 0, build.stderr)
        spec = json.loads(json.dumps(REFERENCE))
        spec["runtimes"]["docker"].update(image="mhub-slicer-test/sleeper", tag="1", reference=tag)
        return spec

    def events(self, name, since, action):
        listed = subprocess.run(["docker", "events", "--since", str(since), "--until", str(int(time.time()) + 1),
                                 "--filter", "container=" + name, "--filter", "event=" + action,
                                 "--format", "{{.Action}}"], stdout=subprocess.PIPE, check=True)
        return listed.stdout.decode().split()

    def containers(self, name):
        listed = subprocess.run(["docker", "ps", "-a", "--filter", "name=^/{}$".format(name), "--format",
                                 "{{.Names}} {{.State}}"], stdout=subprocess.PIPE, check=True)
        return listed.stdout.decode().split()

    @unittest.skipUnless("docker" in BACKENDS, "docker backend not requested")
    def test_docker_cancel_at_every_phase_leaves_no_container(self):
        spec = self.sleeper()

        def create_in_flight(job, step):
            self.assertEqual(step.phase, "create")
            self.assertIsNone(step._create.process.poll(), "docker create had already returned")

        def created_not_started(job, step):
            step._create.process.wait(timeout=60)  # the step is not polled: it stays before start
            self.assertEqual(self.containers(step_name(step)), [step_name(step), "created"])

        def start_in_flight(job, step):
            step._create.process.wait(timeout=60)
            job.poll()  # create has returned: this poll launches `docker start`
            self.assertEqual(step.phase, "start")

        def running(job, step):
            deadline = time.monotonic() + 120
            while time.monotonic() < deadline:
                if any(e.get("text") == "started" for e in job.poll()):
                    break
                time.sleep(0.05)
            else:
                self.fail("the container never started")
            self.assertEqual(self.containers(step_name(step)), [step_name(step), "running"])

        def step_name(step):
            return step._start.args[-1]

        for phase in (create_in_flight, created_not_started, start_in_flight, running):
            with self.subTest(phase=phase.__name__):
                out = os.path.join(self.folder, "cancel-" + phase.__name__)
                name = "mhub-slicer-test-cancel-" + phase.__name__.replace("_", "-")
                since = int(time.time()) - 1
                job = self.launcher(spec).start("docker", {"ct": self.ct}, out, name=name)
                step = job.steps[job._index]
                self.assertEqual(step.label, "run " + spec["title"])
                phase(job, step)
                job.cancel()
                self.assertEqual(job.wait(timeout=60), launcher.CANCELLED, job.error)
                self.assertEqual(self.containers(name), [])
                self.assertFalse(os.path.exists(out))
                self.assertFalse(os.path.exists(job.work_dir))
                self.assertEqual(self.events(name, since, "create"), ["create"])
                if phase in (create_in_flight, created_not_started):
                    self.assertEqual(self.events(name, since, "start"), [], "cancelled before start, yet started")

    @unittest.skipUnless("docker" in BACKENDS, "docker backend not requested")
    def test_docker_failure_removes_the_container(self):
        spec = json.loads(json.dumps(REFERENCE))
        spec["runtimes"]["docker"]["command"] = ["/no/such/input", "/tmp/out"]  # exits 2: no ct.nii.gz
        out = os.path.join(self.folder, "docker-failed")
        job = self.launcher(spec).start("docker", {"ct": self.ct}, out, name="mhub-slicer-test-failed")
        self.assertEqual(job.wait(timeout=120), launcher.FAILED)
        self.assertIn("exit status", job.error)
        self.assertEqual(self.containers("mhub-slicer-test-failed"), [])
        self.assertFalse(os.path.exists(out))


if __name__ == "__main__":
    unittest.main(verbosity=2)
