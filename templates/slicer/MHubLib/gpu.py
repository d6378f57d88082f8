"""GPU detection for both backends, without importing torch or any GPU library."""

import json
import os
import platform as platform_module
import shutil
import subprocess
import sys


def nvidia_smi_path(platform=None, which=shutil.which):
    found = which("nvidia-smi")
    if found:
        return found
    if (platform or sys.platform) == "win32":
        for path in ("C:\\Windows\\System32\\nvidia-smi.exe",
                     "C:\\Program Files\\NVIDIA Corporation\\NVSMI\\nvidia-smi.exe"):
            if os.path.isfile(path):
                return path
    return None


def parse_nvidia_smi(text):
    """Rows of `nvidia-smi --query-gpu=name,memory.total --format=csv,noheader,nounits`."""
    gpus = []
    for line in text.splitlines():
        parts = [p.strip() for p in line.split(",")]
        if len(parts) >= 2 and parts[0]:
            try:
                memory = int(float(parts[1])) // 1024
            except ValueError:
                memory = None
            gpus.append({"name": parts[0], "memoryGb": memory})
    return gpus


def detect_gpus(smi=None, run=subprocess.run, platform=None, machine=None):
    """{"kind": "cuda"|"mps"|None, "gpus": [...]}: CUDA through nvidia-smi, Apple silicon as mps."""
    smi = smi if smi is not None else nvidia_smi_path(platform)
    if smi:
        try:
            result = run([smi, "--query-gpu=name,memory.total", "--format=csv,noheader,nounits"],
                         stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, timeout=15)
            gpus = parse_nvidia_smi(result.stdout.decode("utf-8", "replace"))
            if result.returncode == 0 and gpus:
                return {"kind": "cuda", "gpus": gpus}
        except (OSError, subprocess.SubprocessError):
            pass
    if (platform or sys.platform) == "darwin" and (machine or platform_module.machine()) == "arm64":
        return {"kind": "mps", "gpus": [{"name": "Apple silicon", "memoryGb": None}]}
    return {"kind": None, "gpus": []}


def docker_supports_gpu(docker, run=subprocess.run):
    """True when the Docker daemon has the NVIDIA runtime (what `--gpus all` needs)."""
    try:
        result = run([docker, "info", "--format", "{{json .Runtimes}}"], stdout=subprocess.PIPE,
                     stderr=subprocess.DEVNULL, timeout=15)
    except (OSError, subprocess.SubprocessError):
        return False
    if result.returncode != 0:
        return False
    try:
        runtimes = json.loads(result.stdout.decode("utf-8", "replace") or "{}")
    except ValueError:
        return False
    return isinstance(runtimes, dict) and "nvidia" in runtimes


def choose_device(platform, machine, backend, nvidia):
    """src/platform gpuChoice: cuda where nvidia-smi answers (Linux, WSL2, Windows); on macOS none
    in containers (they run in a VM) and mps for venv models on Apple Silicon."""
    if platform == "darwin":
        if backend == "docker":
            return "none"
        return "mps" if machine == "arm64" else "none"
    return "cuda" if nvidia else "none"


def use_gpu(card_gpu, force_cpu, detected, backend="docker", platform=None, machine=None):
    """Whether to ask for a GPU: never when forced to CPU or the model does not support one, nor
    where the backend gets none on this platform (Docker on macOS)."""
    if force_cpu or card_gpu == "unsupported":
        return False
    device = choose_device(platform or sys.platform, machine or platform_module.machine(), backend,
                           detected.get("kind") == "cuda")
    return device != "none"
