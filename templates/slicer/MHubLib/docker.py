"""Docker discovery per operating system and the `docker run` command with safety defaults."""

import os
import shutil
import subprocess
import sys

from . import contract


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


def image_reference(runtime):
    """image@digest when the card pins a digest (what actually runs), else image:tag."""
    if runtime.get("digest"):
        return "{}@{}".format(runtime["image"], runtime["digest"])
    return "{}:{}".format(runtime["image"], runtime.get("tag") or "latest")


def run_arguments(docker, runtime, name, input_dir, output_dir, use_gpu=False, user=None, labels=None):
    """`docker run` with the project's safety defaults: no network, read-only input, no new
    privileges, no capabilities, the caller's uid:gid, a name for cancel, always removed."""
    args = [docker, "run", "--rm", "--name", name, "--network", "none",
            "--security-opt", "no-new-privileges", "--cap-drop", "ALL"]
    if user is None and hasattr(os, "getuid"):
        user = "{}:{}".format(os.getuid(), os.getgid())
    if user:
        args += ["--user", user]
    for key, value in sorted((labels or {}).items()):
        args += ["--label", "{}={}".format(key, value)]
    if use_gpu:
        args += ["--gpus", "all"]
    args += [
        "--volume", "{}:{}:ro".format(os.path.abspath(input_dir), contract.INPUT_MOUNT),
        "--volume", "{}:{}".format(os.path.abspath(output_dir), contract.OUTPUT_MOUNT),
        image_reference(runtime),
    ]
    if runtime["interface"] == "mhub":
        # always passed: any argument replaces the image's default command
        args += ["--workflow", runtime.get("workflow") or "default"]
    return args


def kill_arguments(docker, name):
    return [docker, "kill", name]


def image_present(docker, runtime, timeout=30):
    ref = image_reference(runtime)
    result = subprocess.run([docker, "image", "inspect", ref], stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL, timeout=timeout)
    return result.returncode == 0


def pull_arguments(docker, runtime):
    return [docker, "pull", image_reference(runtime)]
