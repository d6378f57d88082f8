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
            os.path.join(home, ".orbstack", "bin", "docker"),
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


def container_user(uid=None, gid=None, platform=None):
    """uid:gid the container runs as: the caller's, or the unprivileged user for root, on a Linux
    host only (src/platform containerUserFor); None on Windows and macOS, where Docker Desktop,
    Colima and the others map file ownership to the user themselves."""
    if not (platform or sys.platform).startswith("linux"):
        return None
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


def platform_id(platform=None, machine=None, environ=None, kernel=None):
    """src/platform's platformId: windows, macos-arm64, macos-x64, wsl2 or linux."""
    platform = platform or sys.platform
    if platform == "win32":
        return "windows"
    if platform == "darwin":
        return "macos-arm64" if (machine or _machine()) == "arm64" else "macos-x64"
    environ = os.environ if environ is None else environ
    if kernel is None:
        try:
            with open("/proc/version") as handle:
                kernel = handle.read()
        except OSError:
            kernel = ""
    return "wsl2" if environ.get("WSL_DISTRO_NAME") or "microsoft" in kernel.lower() else "linux"


def _machine():
    import platform as platform_module
    return platform_module.machine()


def docker_fix(installed, **where):
    """This platform's fix (generated from src/platform): install Docker, or start its engine."""
    return contract_gen.DOCKER_FIXES[platform_id(**where)]["start" if installed else "install"]


def engine_running(docker, run=subprocess.run, timeout=20):
    """Whether the Docker engine answers the client (the client can be there without it)."""
    try:
        result = run([docker, "version", "--format", "{{.Server.Version}}"], stdout=subprocess.DEVNULL,
                     stderr=subprocess.DEVNULL, timeout=timeout)
    except (OSError, subprocess.SubprocessError):
        return False
    return result.returncode == 0


class MountPathError(ValueError):
    def __init__(self, message, fix):
        ValueError.__init__(self, message)
        self.fix = fix


_DRIVE = re.compile(r"^([A-Za-z]):[\\/](.*)$")


def bind_source(host_path, platform=None):
    """src/platform bindSource: a host folder as the engine mounts it. Windows (Docker Desktop,
    WSL 2 backend): C:\\a b\\x -> /run/desktop/mnt/host/c/a b/x; UNC and \\\\wsl$ paths refused.
    Elsewhere the path itself, refused with a ':' (the bind syntax's separator)."""
    if (platform or sys.platform) == "win32":
        plain = re.sub(r"^\\\\\?\\(?=[A-Za-z]:)", "", host_path)
        drive = _DRIVE.match(plain)
        if drive:
            rest = re.sub(r"/+$", "", drive.group(2).replace("\\", "/"))
            if ":" in rest:
                raise _bad_colon(host_path)
            return "/run/desktop/mnt/host/{}{}".format(drive.group(1).lower(), "/" + rest if rest else "")
        if re.match(r"^(\\\\|//)", plain):
            wsl = re.match(r"^(\\\\|//)(wsl\$|wsl\.localhost)[\\/]", plain, re.IGNORECASE)
            raise MountPathError(
                "{} is a {} path, which Docker Desktop cannot mount".format(host_path, "WSL" if wsl else "network (UNC)"),
                "run mhub inside that WSL distro, or copy the data to a local drive" if wsl else
                "copy the data to a local drive (e.g. C:\\data), or map the share to a drive letter")
        raise MountPathError("{} is not an absolute Windows path".format(host_path), "give a path such as C:\\data\\ct")
    if ":" in host_path:
        raise _bad_colon(host_path)
    return host_path


def _bad_colon(host_path):
    return MountPathError("{} holds a ':', which a Docker bind mount cannot carry".format(host_path),
                          'rename the folder, or move the data to a path without ":"')


def docker_arch(arch):
    """Docker's names for CPU architectures (x86_64 -> amd64, aarch64 -> arm64)."""
    a = arch.lower()
    if a in ("x64", "x86_64", "amd64"):
        return "amd64"
    if a in ("arm64", "aarch64", "arm64/v8"):
        return "arm64"
    return a


def emulation_warning(engine_arch, image_archs, image):
    """src/platform emulationWarning: said when none of the image's architectures is the engine's."""
    engine = docker_arch(engine_arch)
    archs = []
    for a in image_archs:
        if a and docker_arch(a) not in archs:
            archs.append(docker_arch(a))
    if not archs or engine in archs:
        return None
    return ("{} is built for {} only; this {} machine runs it under emulation, several times slower "
            "(some models fail under it)".format(image, ", ".join(archs), engine))


def architectures(docker, reference, run=subprocess.run, timeout=30):
    """(engine architecture, image architecture) from docker info / docker image inspect."""
    def ask(args):
        try:
            result = run([docker] + args, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, timeout=timeout)
        except (OSError, subprocess.SubprocessError):
            return ""
        return result.stdout.decode("utf-8", "replace").strip() if result.returncode == 0 else ""
    return ask(["info", "--format", "{{.Architecture}}"]), ask(
        ["image", "inspect", "--format", "{{.Architecture}}", reference])
