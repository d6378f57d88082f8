"""The Python virtual environment backend: a cached, hash-pinned venv per model, in the
contract's layout ($MHUB_HOME/venvs/<name>/<version>, complete once its stamp matches), so an
environment `mhub run` built is reused here and back."""

import hashlib
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.request

from . import contract_gen

_CLAUSE = re.compile(r"^(~=|===|==|!=|<=|>=|<|>)\s*(\S+)$")
_RELEASE = re.compile(r"^[0-9]+(\.[0-9]+)*$")


def _release(text):
    return [int(p) for p in text.split(".")]


def _compare(a, b):
    for i in range(max(len(a), len(b))):
        x, y = a[i] if i < len(a) else 0, b[i] if i < len(b) else 0
        if x != y:
            return 1 if x > y else -1
    return 0


def _prefix_match(version, prefix):
    return all((version[i] if i < len(version) else 0) == p for i, p in enumerate(prefix))


def _invalid(clause, why):
    return ValueError("'{}' is not a Python version specifier this launcher understands: {}".format(clause, why))


def _clause_holds(version, v, clause):
    match = _CLAUSE.match(clause)
    if not match:
        raise _invalid(clause, "no operator (~=, ==, !=, <=, >=, <, >, ===)")
    op, target = match.group(1), match.group(2)
    if op == "===":
        return version == target
    wildcard = target.endswith(".*")
    text = target[:-2] if wildcard else target
    if not _RELEASE.match(text):
        raise _invalid(clause, "only release versions (digits and dots) are supported")
    want = _release(text)
    if wildcard:
        if op not in ("==", "!="):
            raise _invalid(clause, "a wildcard is only allowed after == and !=")
        return _prefix_match(v, want) == (op == "==")
    c = _compare(v, want)
    if op == "==":
        return c == 0
    if op == "!=":
        return c != 0
    if op == "<=":
        return c <= 0
    if op == ">=":
        return c >= 0
    if op == "<":
        return c < 0
    if op == ">":
        return c > 0
    if len(want) < 2:  # ~=
        raise _invalid(clause, "~= needs at least two release segments (e.g. ~=3.10)")
    return c >= 0 and _prefix_match(v, want[:-1])


def version_matches(version, specifier):
    """Whether a release version ("3.11.7") satisfies a PEP 440 specifier set (">=3.10,<3.13").

    The same rules as src/runner/contract/python-versions.ts, which cites the PEP 440 section
    behind each hard case (``==3.11`` is not a prefix match; ``<=3.12`` pads to 3.12.0); both
    run test/contract/vectors.json."""
    if not _RELEASE.match(version):
        raise ValueError("'{}' is not a release version".format(version))
    v = _release(version)
    return all(_clause_holds(version, v, c.strip()) for c in specifier.split(",") if c.strip())


def python_commands(platform=None, user=None):
    """src/platform pythonCommands: the interpreters to try, each as its argv prefix: the user's,
    python3.14 .. python3.8, python3, python; on Windows python, then the py launcher per version."""
    found = [[user]] if user else []
    minors = range(14, 7, -1)
    if (platform or sys.platform) == "win32":
        return found + [["python"]] + [["py", "-3.{}".format(m)] for m in minors]
    return found + [["python3.{}".format(m)] for m in minors] + [["python3"], ["python"]]


def python_candidates(platform=None, which=shutil.which):
    """python_commands found on PATH (the py launcher once per version)."""
    found = []
    for command in python_commands(platform):
        path = which(command[0])
        if path and [path] + command[1:] not in found:
            found.append([path] + command[1:])
    return found


def python_argv(python):
    """An interpreter as argv prefix: a path, or [launcher, -3.11]."""
    return list(python) if isinstance(python, (list, tuple)) else [python]


def interpreter_version(python, run=subprocess.run):
    try:
        result = run(python_argv(python) + ["-c", "import sys; print('%d.%d.%d' % sys.version_info[:3])"],
                     stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, timeout=30)
    except (OSError, subprocess.SubprocessError):
        return None
    if result.returncode != 0:
        return None
    version = result.stdout.decode().strip()
    return version if _RELEASE.match(version) else None


def find_python(specifier, setting=None, candidates=None, run=subprocess.run, environ=None):
    """(interpreter, version) of the first Python whose version satisfies the card's range: the
    user's setting, then $MHUB_PYTHON (as for `mhub run`), then what is on PATH; else None."""
    environ = os.environ if environ is None else environ
    options = [p for p in (setting, environ.get(contract_gen.ENV_PYTHON)) if p]
    options += candidates if candidates is not None else python_candidates()
    for python in options:
        version = interpreter_version(python, run)
        if version and version_matches(version, specifier):
            return python, version
    return None


def environment_dir(cache_dir, model_name, model_version):
    return os.path.join(cache_dir, contract_gen.VENVS_DIR, model_name, model_version)


def lock_path(env_dir):
    return env_dir + contract_gen.LOCK_SUFFIX


def weights_dir(env_dir):
    return os.path.join(env_dir, contract_gen.WEIGHTS_DIR)


def venv_python(env_dir, platform=None):
    """src/platform venvPython: Scripts\\python.exe on Windows, bin/python elsewhere."""
    if (platform or sys.platform) == "win32":
        return os.path.join(env_dir, "Scripts", "python.exe")
    return os.path.join(env_dir, "bin", "python")


def environment_hash(env_key, python_version):
    """The stamp's hash: the runtime's key (from the module spec) and the Python minor version."""
    minor = ".".join(python_version.split(".")[:2])
    return hashlib.sha256("{}\n{}".format(minor, env_key).encode("utf-8")).hexdigest()


def _read_stamp(env_dir):
    try:
        with open(os.path.join(env_dir, contract_gen.STAMP)) as handle:
            stamp = json.load(handle)
    except (OSError, ValueError):
        return None
    return stamp if isinstance(stamp, dict) else None


def is_ready(env_dir, runtime):
    """Complete for this very runtime: what `mhub run` checks before reusing an environment."""
    stamp = _read_stamp(env_dir) or {}
    version = stamp.get("version")
    if not isinstance(version, str) or not _RELEASE.match(version):
        return False
    try:
        in_range = version_matches(version, runtime["python"])
    except ValueError:
        return False
    return in_range and stamp.get("hash") == environment_hash(runtime["envKey"], version)


def write_stamp(env_dir, runtime, python, version):
    """Written last: a missing or different stamp means half-built or outdated."""
    with open(os.path.join(env_dir, contract_gen.STAMP), "w") as handle:
        json.dump({"hash": environment_hash(runtime["envKey"], version), "python": " ".join(python_argv(python)),
                   "version": version, "built": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())}, handle)


def _alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    except OSError:
        return False
    return True


def acquire_lock(path, cancelled=lambda: False, wait=30 * 60):
    """The lock `mhub run` takes while it builds this environment: a file holding the owner's
    pid, created exclusively; a dead owner's lock is moved aside atomically and taken over."""
    deadline = time.monotonic() + wait
    while True:
        try:
            fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
        except FileExistsError:
            pass
        else:
            with os.fdopen(fd, "w") as handle:
                handle.write(str(os.getpid()))
            return
        try:
            with open(path) as handle:
                seen = handle.read()
        except OSError:
            seen = ""
        if seen.strip().isdigit() and not _alive(int(seen)):
            aside = "{}.stale-{}-{}".format(path, socket.gethostname(), os.getpid())
            try:
                os.rename(path, aside)
            except OSError:
                continue
            with open(aside) as handle:
                if handle.read() != seen:  # replaced by a live owner since we read it: put it back
                    try:
                        os.link(aside, path)
                    except OSError:
                        pass
            os.remove(aside)
            continue
        if cancelled():
            raise RuntimeError("cancelled while waiting for " + path)
        if time.monotonic() > deadline:
            raise RuntimeError("another mhub process holds {}; wait for it or remove the file".format(path))
        time.sleep(0.2)


def publish(building, env_dir, runtime, cancelled=lambda: False):
    """Moves a freshly built environment into place under the lock; when another run (this
    launcher or `mhub run`) finished the same environment first, keeps theirs."""
    lock = lock_path(env_dir)
    os.makedirs(os.path.dirname(env_dir), exist_ok=True)
    acquire_lock(lock, cancelled)
    try:
        if is_ready(env_dir, runtime):
            shutil.rmtree(building, ignore_errors=True)
            return
        shutil.rmtree(env_dir, ignore_errors=True)  # half-built or outdated
        os.rename(building, env_dir)
    finally:
        os.remove(lock)


def write_requirements(env_dir, runtime):
    path = os.path.join(env_dir, "requirements.txt")
    with open(path, "w") as handle:
        handle.write("\n".join(runtime["requirements"]) + "\n")
    return path


def package_indexes(requirements, mirror=None):
    """The extra package indexes the requirement lines need (the contract's PACKAGE_INDEX_RULES:
    PyTorch's CPU builds are only on its own index); `mirror` ($MHUB_TORCH_INDEX where set)
    replaces them, and empty means pip's own configuration serves them."""
    needed = [rule["url"] for rule in contract_gen.PACKAGE_INDEX_RULES
              if any(re.search(rule["pattern"], line, re.IGNORECASE) for line in requirements)]
    if not needed:
        return []
    return needed if mirror is None else mirror.split()


def install_arguments(env_dir, requirements_file, requirements=(), environ=None):
    environ = os.environ if environ is None else environ
    indexes = package_indexes(requirements, environ.get(contract_gen.ENV_TORCH_INDEX))
    return [venv_python(env_dir), "-m", "pip", "install"] + list(contract_gen.PIP_INSTALL_FLAGS) + [
        flag for url in indexes for flag in ("--extra-index-url", url)] + ["-r", requirements_file]


def sha256_file(path):
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def fetch_weights(weights, weights_dir, log, cancelled, opener=urllib.request.urlopen, source_dir=None):
    """Downloads each weights file once (or copies it from the model's source folder, where a
    card without url ships it), checks its sha256, and moves it into place."""
    for item in weights:
        target = os.path.join(weights_dir, item["path"])
        if os.path.isfile(target) and sha256_file(target) == item["sha256"]:
            continue
        shipped = os.path.join(source_dir, contract_gen.WEIGHTS_DIR, item["path"]) if source_dir else None
        if not item.get("url") and shipped and os.path.isfile(shipped):
            os.makedirs(os.path.dirname(target) or weights_dir, exist_ok=True)
            shutil.copyfile(shipped, target)
            if sha256_file(target) != item["sha256"]:
                raise RuntimeError("weights file {} does not match its sha256".format(item["path"]))
            continue
        if not item.get("url"):
            raise RuntimeError("weights file {} is missing and the card gives no url".format(item["path"]))
        os.makedirs(os.path.dirname(target) or weights_dir, exist_ok=True)
        partial = target + ".part"
        log("downloading " + item["url"])
        with opener(item["url"]) as response, open(partial, "wb") as handle:
            for block in iter(lambda: response.read(1 << 20), b""):
                if cancelled():
                    raise RuntimeError("cancelled")
                handle.write(block)
        actual = sha256_file(partial)
        if actual != item["sha256"]:
            os.remove(partial)
            raise RuntimeError("weights file {} has sha256 {}, expected {}".format(
                item["path"], actual, item["sha256"]))
        os.replace(partial, target)


def gpu_environment(device, base_env):
    """src/platform gpuEnvironment: the model's GPU variables for cuda, mps or none."""
    if device == "cuda":
        return {"CUDA_VISIBLE_DEVICES": base_env.get("CUDA_VISIBLE_DEVICES", "0")}
    if device == "mps":
        return {"CUDA_VISIBLE_DEVICES": "", "PYTORCH_ENABLE_MPS_FALLBACK": "1"}
    return {"CUDA_VISIBLE_DEVICES": ""}


def model_environment(base_env, source_dir, weights_dir, use_gpu):
    """The model's environment: the caller's, minus what points at the host's Python (Slicer's).
    use_gpu: True (cuda), False (none) or a device name."""
    env = dict(base_env)
    for key in ("PYTHONHOME", "PYTHONPATH", "PYTHONSTARTUP", "PYTHONNOUSERSITE", "VIRTUAL_ENV"):
        env.pop(key, None)
    if source_dir:
        env["PYTHONPATH"] = source_dir
    env["PYTHONUNBUFFERED"] = "1"
    env[contract_gen.ENV_WEIGHTS] = weights_dir
    device = ("cuda" if use_gpu else "none") if isinstance(use_gpu, bool) else use_gpu
    env.update(gpu_environment(device, base_env))
    return env
