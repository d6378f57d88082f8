"""The Python virtual environment backend: a cached, hash-pinned venv per model."""

import hashlib
import os
import re
import shutil
import subprocess
import sys
import urllib.request

READY_MARKER = ".mhub-ready"

_CLAUSE_RE = re.compile(r"^\s*(~=|==|!=|<=|>=|<|>)\s*([0-9]+(?:\.[0-9]+)*)(\.\*)?\s*$")


def _version_tuple(text):
    return tuple(int(p) for p in text.split("."))


def version_matches(version, specifier):
    """PEP 440 subset for Python versions: `>=3.10,<3.14`, `==3.11.*`, `~=3.10`."""
    version = tuple(version)
    for clause in [c for c in specifier.split(",") if c.strip()]:
        match = _CLAUSE_RE.match(clause)
        if not match:
            raise ValueError("unsupported Python version specifier: " + clause)
        op, target, wildcard = match.group(1), _version_tuple(match.group(2)), match.group(3)
        head = version[:len(target)]
        padded = version + (0,) * max(0, len(target) - len(version))
        if op == "==":
            ok = head == target if wildcard else padded[:len(target)] == target and all(
                v == 0 for v in version[len(target):])
        elif op == "!=":
            ok = head != target
        elif op == ">=":
            ok = padded >= target
        elif op == "<=":
            ok = padded[:len(target)] <= target
        elif op == ">":
            ok = padded[:len(target)] > target
        elif op == "<":
            ok = padded < target
        else:  # ~=: same release series, at least target
            ok = padded >= target and version[:len(target) - 1] == target[:-1]
        if not ok:
            return False
    return True


def python_candidates(platform=None, which=shutil.which):
    """Interpreters to try, newest first: python3.X on PATH, then python3 / python / the py launcher."""
    names = ["python3.{}".format(minor) for minor in range(14, 8, -1)] + ["python3", "python"]
    found = []
    for name in names:
        path = which(name)
        if path and path not in found:
            found.append(path)
    if (platform or sys.platform) == "win32" and which("py"):
        found.append(which("py"))
    return found


def interpreter_version(python, run=subprocess.run):
    try:
        result = run([python, "-c", "import sys; print('%d.%d.%d' % sys.version_info[:3])"],
                     stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, timeout=30)
    except (OSError, subprocess.SubprocessError):
        return None
    if result.returncode != 0:
        return None
    try:
        return _version_tuple(result.stdout.decode().strip())
    except ValueError:
        return None


def find_python(specifier, setting=None, candidates=None, run=subprocess.run):
    """The first interpreter (the user's setting first) whose version satisfies the card's range."""
    options = [setting] if setting else []
    options += candidates if candidates is not None else python_candidates()
    for python in options:
        version = interpreter_version(python, run)
        if version and version_matches(version, specifier):
            return python
    return None


def environment_key(runtime):
    """Content hash of what defines the environment: change a pin, get a new venv."""
    text = "\n".join([runtime["python"]] + list(runtime["requirements"]))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def environment_dir(cache_dir, model_name, runtime):
    return os.path.join(cache_dir, "venvs", "{}-{}".format(model_name, environment_key(runtime)))


def venv_python(env_dir, platform=None):
    if (platform or sys.platform) == "win32":
        return os.path.join(env_dir, "Scripts", "python.exe")
    return os.path.join(env_dir, "bin", "python")


def is_ready(env_dir):
    return os.path.isfile(os.path.join(env_dir, READY_MARKER))


def publish(building, env_dir):
    """Marks a freshly built environment ready and renames it into place; when another run
    finished the same environment first, keeps theirs."""
    open(os.path.join(building, READY_MARKER), "w").close()
    try:
        os.rename(building, env_dir)
    except OSError:
        if not is_ready(env_dir):
            raise
        shutil.rmtree(building, ignore_errors=True)


def write_requirements(env_dir, runtime):
    path = os.path.join(env_dir, "requirements.txt")
    with open(path, "w") as handle:
        handle.write("\n".join(runtime["requirements"]) + "\n")
    return path


def install_arguments(env_dir, requirements_file):
    return [venv_python(env_dir), "-m", "pip", "install", "--disable-pip-version-check", "--no-input",
            "--require-hashes", "-r", requirements_file]


def sha256_file(path):
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def fetch_weights(weights, weights_dir, log, cancelled, opener=urllib.request.urlopen):
    """Downloads each weights file once, checks its sha256, and moves it into place."""
    for item in weights:
        target = os.path.join(weights_dir, item["path"])
        if os.path.isfile(target) and sha256_file(target) == item["sha256"]:
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


def model_environment(base_env, source_dir, weights_dir, use_gpu):
    """The model's environment: the caller's, minus what points at the host's Python (Slicer's)."""
    env = dict(base_env)
    for key in ("PYTHONHOME", "PYTHONPATH", "PYTHONSTARTUP", "PYTHONNOUSERSITE", "VIRTUAL_ENV"):
        env.pop(key, None)
    if source_dir:
        env["PYTHONPATH"] = source_dir
    env["PYTHONUNBUFFERED"] = "1"
    env["MHUB_WEIGHTS_DIR"] = weights_dir
    if not use_gpu:
        env["CUDA_VISIBLE_DEVICES"] = ""
    return env
