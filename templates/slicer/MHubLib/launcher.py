"""The launcher: runs a registry model through Docker or a venv under the run contract of the
Node runner (contract.py: generated constants, per-model values from the module spec), without
blocking the caller (poll it from a GUI timer, or `wait` in scripts).

A run works in a temporary folder and moves the outputs into place only on success: a failed
or cancelled run leaves no half-written outputs.
"""

import os
import shutil
import socket
import tempfile
import time
import uuid

from . import contract, contract_gen, docker, gpu, venv
from .steps import ContainerStep, FunctionStep, ProcessStep

RUNNING, SUCCEEDED, FAILED, CANCELLED = "running", "succeeded", "failed", "cancelled"


class RunError(Exception):
    """A run could not start (missing Docker, no suitable Python, wrong input)."""


def default_cache_dir(environ=None, homedir=None):
    """$MHUB_HOME, else $XDG_CACHE_HOME/mhub, else ~/.cache/mhub: the cache `mhub run` uses."""
    environ = os.environ if environ is None else environ
    root = environ.get(contract_gen.ENV_HOME)
    if root:
        return os.path.abspath(root)
    base = environ.get("XDG_CACHE_HOME") or os.path.join(homedir or os.path.expanduser("~"), ".cache")
    return os.path.join(base, contract_gen.CACHE_SUBDIR)


def stage_inputs(spec, interface, inputs, input_dir):
    """Places each declared input in the input folder the way the interface expects."""
    for model_input in spec["inputs"]:
        source = inputs.get(model_input["id"])
        if not source or not os.path.exists(source):
            raise RunError("input '{}' ({}) was not given or does not exist".format(
                model_input["id"], model_input["label"]))
        if interface == "mhub" or model_input["format"] in ("dicom", "dicomseg"):
            if not os.path.isdir(source):
                raise RunError("input '{}' must be a folder of DICOM files".format(model_input["id"]))
            # MHub images scan their input folder recursively; one sub-folder per input
            target = os.path.join(input_dir, model_input["id"])
            shutil.copytree(source, target)
            continue
        expected = contract.input_entry_name(model_input)
        suffix = contract.INPUT_SUFFIX[model_input["format"]]
        if not source.lower().endswith(suffix):
            raise RunError("input '{}' must be a {} file ({}), got {}".format(
                model_input["id"], model_input["format"], suffix, os.path.basename(source)))
        shutil.copyfile(source, os.path.join(input_dir, expected))


def move_outputs(outputs, temp_dir, output_dir):
    """Moves collected outputs from the temporary folder into output_dir; returns the new paths."""
    os.makedirs(output_dir, exist_ok=True)
    moved = {}
    for output_id, paths in outputs.items():
        single = not isinstance(paths, list)
        new_paths = []
        for path in [paths] if single else paths:
            relative = os.path.relpath(path, temp_dir)
            target = os.path.join(output_dir, relative)
            os.makedirs(os.path.dirname(target), exist_ok=True)
            os.replace(path, target) if _same_device(path, output_dir) else shutil.move(path, target)
            new_paths.append(target)
        moved[output_id] = new_paths[0] if single else new_paths
    return moved


def _same_device(a, b):
    try:
        return os.stat(a).st_dev == os.stat(b).st_dev
    except OSError:
        return False


class Run(object):
    """One model run: a sequence of steps. Call `poll()` often; it never blocks."""

    def __init__(self, spec, expected, steps, work_dir, temp_output, output_dir, leftovers=()):
        self.spec = spec
        self.expected = expected
        self.steps = list(steps)
        self.work_dir = work_dir
        self.temp_output = temp_output
        self.output_dir = output_dir
        self.leftovers = list(leftovers)  # removed at the end whatever happens
        self.state = RUNNING
        self.error = ""
        self.outputs = {}
        self.log = []
        self._index = -1
        self._cancel_requested = False
        self._next_step()

    @property
    def finished(self):
        return self.state != RUNNING

    def _next_step(self):
        self._index += 1
        if self._index < len(self.steps):
            step = self.steps[self._index]
            try:
                step.start()
            except OSError as error:  # e.g. the program vanished since the launcher looked
                self.state, self.error = FAILED, "{}: {}".format(step.label, error)
                self._cleanup()
                return [{"type": "state", "state": FAILED, "error": self.error}]
            return [{"type": "log", "text": "== " + step.label}]
        return self._finish()

    def _finish(self):
        try:
            found = contract.collect_outputs(self.spec["outputs"], self.expected, self.temp_output)
            self.outputs = move_outputs(found, self.temp_output, self.output_dir)
            self.state = SUCCEEDED
        except (ValueError, OSError) as error:
            self.state, self.error = FAILED, str(error)
        self._cleanup()
        return [{"type": "state", "state": self.state, "error": self.error}]

    def _cleanup(self):
        for path in [self.work_dir] + self.leftovers:
            shutil.rmtree(path, ignore_errors=True)

    def poll(self):
        """New events: {"type": "log", "text"}, {"type": "progress", "value", "message"},
        {"type": "state", "state", "error"} (once, at the end)."""
        if self.finished:
            return []
        step = self.steps[self._index]
        lines, result = step.poll()
        events = []
        for line in lines:
            self.log.append(line)
            progress = contract.parse_progress(line) if step.reports_progress else None
            if progress is not None:
                events.append({"type": "progress", "value": progress.get("progress"),
                               "message": progress.get("message", "")})
            else:
                events.append({"type": "log", "text": line})
        if result is None:
            return events
        ok, message = result
        if self._cancel_requested:
            self.state, self.error = CANCELLED, "cancelled"
            self._cleanup()
            return events + [{"type": "state", "state": CANCELLED, "error": self.error}]
        if not ok:
            self.state, self.error = FAILED, message
            self._cleanup()
            return events + [{"type": "state", "state": FAILED, "error": message}]
        return events + self._next_step()

    def cancel(self):
        """Stops the current step (the whole process tree, or the container)."""
        if self.finished:
            return
        self._cancel_requested = True
        self.steps[self._index].cancel()

    def wait(self, timeout=None, interval=0.1, on_event=None):
        """Blocks until the run ends (scripts and tests; a GUI polls instead)."""
        deadline = None if timeout is None else time.monotonic() + timeout
        while not self.finished:
            for event in self.poll():
                if on_event:
                    on_event(event)
            if deadline is not None and time.monotonic() > deadline:
                self.cancel()
                deadline = None
            time.sleep(interval)
        return self.state


class Launcher(object):
    """Starts runs of one model (its spec: the MODEL dict of a generated module)."""

    def __init__(self, spec, cache_dir=None, docker_path=None, python=None, source_dir=None,
                 environ=None, gpu_info=None):
        self.spec = spec
        self.cache_dir = cache_dir or default_cache_dir()
        self.docker_setting = docker_path
        self.python_setting = python
        self.source_dir = source_dir
        self.environ = dict(os.environ if environ is None else environ)
        self._gpu_info = gpu_info

    def backends(self):
        return [b for b in ("docker", "venv") if b in self.spec["runtimes"]]

    def gpu_info(self):
        if self._gpu_info is None:
            self._gpu_info = gpu.detect_gpus()
        return self._gpu_info

    def start(self, backend, inputs, output_dir, force_cpu=False, name=None):
        if backend not in self.spec["runtimes"]:
            raise RunError("{} has no {} runtime; choose one of: {}".format(
                self.spec["title"], backend, ", ".join(self.backends()) or "none"))
        runtime = self.spec["runtimes"][backend]
        os.makedirs(self.cache_dir, exist_ok=True)
        work_dir = tempfile.mkdtemp(prefix="mhub-run-", dir=os.path.join(self.cache_dir))
        try:
            input_dir = os.path.join(work_dir, "input")
            temp_output = os.path.join(work_dir, "output")
            os.makedirs(input_dir)
            os.makedirs(temp_output)
            stage_inputs(self.spec, runtime["interface"], inputs, input_dir)
            leftovers = []
            if backend == "docker":
                steps = self._docker_steps(runtime, input_dir, temp_output, force_cpu, name)
            else:
                steps = self._venv_steps(runtime, input_dir, temp_output, force_cpu, leftovers)
            return Run(self.spec, runtime["expectedOutputs"], steps, work_dir, temp_output, output_dir,
                       leftovers)
        except Exception:
            shutil.rmtree(work_dir, ignore_errors=True)
            raise

    def _docker_steps(self, runtime, input_dir, output_dir, force_cpu, name):
        client = docker.find_docker(self.docker_setting)
        if not client:
            raise RunError("Docker was not found on PATH or in its usual install locations: {}; or "
                           "set its path in the module's settings, or choose the Python environment backend".format(
                               docker.docker_fix(False)))
        if not docker.engine_running(client):
            raise RunError("Docker is installed but its engine is not running: {}; or choose the "
                           "Python environment backend".format(docker.docker_fix(True)))
        run_id = uuid.uuid4().hex[:12]
        name = name or docker.container_name(self.spec["name"], run_id)
        user = docker.container_user()
        if user == contract_gen.UNPRIVILEGED_USER:
            # a root caller's container runs as nobody: the output folder is its alone (and
            # root's), the staged copies of the inputs are opened to it
            uid, gid = (int(part) for part in user.split(":"))
            os.chown(output_dir, uid, gid)
            _readable(input_dir)
        else:
            # the caller's uid, which Docker Desktop may map to another: let it in
            os.chmod(output_dir, 0o777)
        wants_gpu = gpu.use_gpu(self.spec.get("gpu"), force_cpu, self.gpu_info(), backend="docker")
        wants_gpu = wants_gpu and gpu.docker_supports_gpu(client)
        steps = []
        reference = runtime["reference"]
        if not docker.image_present(client, reference):
            steps.append(ProcessStep("pull " + reference, docker.pull_arguments(client, reference),
                                     env=self.environ))
        try:
            mounts = docker.bind_source(os.path.abspath(input_dir)), docker.bind_source(os.path.abspath(output_dir))
        except docker.MountPathError as error:
            raise RunError("{}: {}".format(error, error.fix))
        values = {"name": name, "input": mounts[0], "output": mounts[1],
                  "run": run_id, "model": self.spec["name"], "version": self.spec["version"], "user": user,
                  # host:pid, as the Node runner labels its containers: `mhub doctor --clean` removes
                  # the container of a Slicer that died mid-run.
                  "owner": "{}:{}".format(socket.gethostname(), os.getpid())}

        def platform_notes():
            # src/platform's emulation rule: an amd64-only image on Apple Silicon runs emulated
            engine, image = docker.architectures(client, reference)
            warning = docker.emulation_warning(engine, [image], reference)
            return ["warning: " + warning] if warning else []

        steps.append(ContainerStep(
            "run " + self.spec["title"],
            docker.create_arguments(client, reference, runtime["command"], values, use_gpu=wants_gpu),
            docker.start_arguments(client, name), docker.remove_arguments(client, name), env=self.environ,
            notes=platform_notes))
        if user == contract_gen.UNPRIVILEGED_USER and hasattr(os, "lchown"):
            steps.append(FunctionStep("take over the results", lambda log, c: _reclaim(output_dir)))
        return steps

    def _venv_steps(self, runtime, input_dir, output_dir, force_cpu, leftovers):
        env_dir = venv.environment_dir(self.cache_dir, self.spec["name"], self.spec["version"])
        source_dir = self._source_dir(runtime)
        steps = []
        if not venv.is_ready(env_dir, runtime):
            found = venv.find_python(runtime["python"], self.python_setting, environ=self.environ)
            if not found:
                raise RunError("no Python {} found for {}; install one or set its path in the "
                               "module's settings".format(runtime["python"], self.spec["title"]))
            base, version = found
            # built in a private folder and renamed into place under the lock `mhub run` uses: two
            # runs (two Slicer modules, Slicer and the CLI) can build the same environment at once
            building = "{}.tmp-{}".format(env_dir, uuid.uuid4().hex[:8])
            leftovers.append(building)
            os.makedirs(os.path.dirname(env_dir), exist_ok=True)
            setup_env = venv.model_environment(self.environ, None, venv.weights_dir(building), False)
            steps.append(ProcessStep("create the Python environment", venv.python_argv(base) + ["-m", "venv", building],
                                     env=setup_env))
            steps.append(FunctionStep("write requirements", lambda log, c: venv.write_requirements(
                building, runtime)))
            steps.append(ProcessStep("install requirements", venv.install_arguments(
                building, os.path.join(building, "requirements.txt"), runtime["requirements"], self.environ),
                env=setup_env))
            if runtime.get("weights"):
                steps.append(FunctionStep("fetch weights", lambda log, cancelled: venv.fetch_weights(
                    runtime["weights"], venv.weights_dir(building), log, cancelled, source_dir=source_dir)))

            def finish(log, cancelled):
                venv.write_stamp(building, runtime, base, version)
                venv.publish(building, env_dir, runtime, cancelled)

            steps.append(FunctionStep("finish the environment", finish))
        wants_gpu = gpu.use_gpu(self.spec.get("gpu"), force_cpu, self.gpu_info(), backend="venv")
        device = (self.gpu_info().get("kind") or "none") if wants_gpu else "none"
        env = venv.model_environment(self.environ, source_dir, venv.weights_dir(env_dir), device)
        args = [venv.venv_python(env_dir), "-m", runtime["entrypoint"], input_dir, output_dir]
        steps.append(ProcessStep("run " + self.spec["title"], args, env=env, cwd=output_dir,
                                 reports_progress=True))
        return steps

    def _source_dir(self, runtime):
        """Where the model's code is (it goes on PYTHONPATH): the folder the caller gives (the
        generated module bundles a card's `source.path` in its Resources), else none (the code
        comes with the requirements)."""
        if self.source_dir:
            return os.path.abspath(self.source_dir)
        if (runtime.get("source") or {}).get("url"):
            raise RunError("{}: downloading model code archives is not supported yet; give the "
                           "source folder".format(self.spec["title"]))
        return None


def _readable(folder):
    """The staged inputs are this launcher's copies: open them to the container's other uid."""
    for root, dirs, files in os.walk(folder):
        os.chmod(root, 0o755)
        for name in files:
            os.chmod(os.path.join(root, name), 0o644)


def _reclaim(folder):
    """The folder and what the unprivileged container user wrote go back to the caller (root)."""
    uid, gid = os.getuid(), os.getgid()
    os.lchown(folder, uid, gid)
    for root, dirs, files in os.walk(folder):
        for name in dirs + files:
            os.lchown(os.path.join(root, name), uid, gid)
