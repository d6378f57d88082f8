"""Docker discovery per operating system, and the contract's container as `docker` commands:
create, start, remove, each explicit so that a cancel at any moment leaves no container."""

import os
import re
import shutil
import subprocess
import sys

from . import contract_gen


def candidate_paths(platform=None, environ=None, home=None):
    """Usual install locations, for when Slicer starts with a minimal PATH (macOS Finder, Windows)."""
    platform = platform or sys.platform
    environ = os.environ if environ is None else environ
    home = home or os.path.expanduser("~")
    if platform == "win32":
        roots = [environ.get(k) for k in ("ProgramFiles", "ProgramW6432", "ProgramFiles(x86)")]
        roots = [r for r in roots if r] or ["C:\\Program Files"]
        paths = [os.path.join(r, "Docker", "Docker", "resources", "bin", "docker.exe") for r in roots]
        local = environ.get("LOCALAPPDATA")
        if local:
            paths.append(os.path.join(local, "Programs", "Rancher Desktop", "resources", "resources",
                                      "win32", "bin", "docker.exe"))
        return paths
    if platform == "darwin":
        return [
            "/usr/local/bin/docker",
            "/opt/homebrew/bin/docker",
            "/Applications/Docker.app/Contents/Resources/bin/docker",
            os.path.join(home, ".docker", "bin", "docker"),
            os.path.join(home, ".rd", "bin", "docker"),
            "/opt/local/bin/docker",
        ]
    return ["/usr/bin/docker", "/usr/local/bin/docker", "/snap/bin/docker",
            os.path.join(home, ".local", "bin", "docker")]


def _is_executable(path):
    return bool(path) and os.path.isfile(path) and os.access(path, os.X_OK)


def find_docker(setting=None, platform=None, environ=None, home=None, which=shutil.which,
                is_executable=_is_executable):
    """The docker client: the user's setting, then PATH, then the usual install locations."""
    if setting:
        return setting if is_executable(setting) else None
    found = which("docker")
    if found:
        return found
    for path in candidate_paths(platform, environ, home):
        if is_executable(path):
            return path
    return None


_PLACEHOLDER = re.compile(r"\{(" + "|".join(contract_gen.PLACEHOLDERS) + r")\}")


def _fill(text, values):
    # one pass: a path that contains "{output}" is not filled again
    return _PLACEHOLDER.sub(lambda m: values[m.group(1)], text)


def container_name(model, run_id):
    return _fill(contract_gen.CONTAINER_NAME, {"model": model, "run": run_id})


def container_user(uid=None, gid=None):
    """uid:gid the container runs as: the caller's, or the unprivileged user for root; None
    without uids (Windows: Docker Desktop maps the user)."""
    if uid is None:
        if not hasattr(os, "getuid"):
            return None
        uid, gid = os.getuid(), os.getgid()
    return contract_gen.UNPRIVILEGED_USER if uid == 0 else "{}:{}".format(uid, gid)


def container_arguments(reference, command, values, use_gpu=False):
    """The contract's container as CLI flags (generated from the Node runner's), filled in:
    values holds name, input, output, run, model, version and user (None: no --user)."""
    flags = list(contract_gen.CONTAINER_FLAGS)
    if use_gpu:
        flags[contract_gen.GPU_FLAGS_AT:contract_gen.GPU_FLAGS_AT] = contract_gen.GPU_FLAGS
    values = dict(values)
    if values.get("user") is None:
        at = flags.index(contract_gen.USER_FLAG)
        del flags[at:at + 2]
        values["user"] = ""
    return [_fill(flag, values) for flag in flags] + [reference] + list(command or [])


def create_arguments(docker, reference, command, values, use_gpu=False):
    return [docker, "create"] + container_arguments(reference, command, values, use_gpu)


def start_arguments(docker, name):
    """Starts the created container and streams its output; exits with the container's status."""
    return [docker, "start", "--attach", name]


def remove_arguments(docker, name):
    """Kills (if running) and removes the container; harmless when it does not exist."""
    return [docker, "rm", "--force", "--volumes", name]


def image_present(docker, reference, timeout=30):
    result = subprocess.run([docker, "image", "inspect", reference], stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL, timeout=timeout)
    return result.returncode == 0


def pull_arguments(docker, reference):
    return [docker, "pull", reference]
