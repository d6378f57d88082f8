"""Background processes that never block the caller, and cancel that kills the whole tree."""

import os
import queue
import signal
import subprocess
import sys
import threading
import time


def _popen_options(platform=None):
    if (platform or sys.platform) == "win32":
        # a new process group lets taskkill /T find every child
        return {"creationflags": getattr(subprocess, "CREATE_NEW_PROCESS_GROUP", 0x200)}
    # a new session: the child and its children share a process group we can signal at once
    return {"start_new_session": True}


def kill_plan(pid, platform=None):
    """src/platform killPlan: taskkill /T /F on Windows, the process group elsewhere. afterExit:
    whether the kill still reaches leftovers once the started process has exited."""
    if (platform or sys.platform) == "win32":
        return {"kind": "taskkill", "command": "taskkill", "args": ["/PID", str(pid), "/T", "/F"],
                "afterExit": False}
    return {"kind": "group", "pid": -pid, "signals": ["SIGTERM", "SIGKILL"], "afterExit": True}


def kill_tree(pid, grace=5.0, poll=None):
    """Terminates a process and all its children: SIGTERM, then SIGKILL after `grace` seconds."""
    plan = kill_plan(pid)
    if plan["kind"] == "taskkill":
        subprocess.call([plan["command"]] + plan["args"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        return
    try:
        os.killpg(pid, signal.SIGTERM)
    except (ProcessLookupError, PermissionError):
        return
    deadline = time.monotonic() + grace
    while time.monotonic() < deadline:
        if poll is not None and poll() is not None:
            break
        time.sleep(0.05)
    try:
        os.killpg(pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass


class BackgroundProcess(object):
    """Runs a command; its output lines are read by a thread and collected with `poll`.

    `poll` returns at once, so a GUI timer can call it without freezing the interface.
    """

    def __init__(self, args, env=None, cwd=None, on_cancel=None):
        self.args = [str(a) for a in args]
        self.env = env
        self.cwd = cwd
        self.on_cancel = on_cancel
        self.process = None
        self.cancelled = False
        self._lines = queue.Queue()
        self._reader = None

    def start(self):
        self.process = subprocess.Popen(
            self.args,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            env=self.env,
            cwd=self.cwd,
            **_popen_options()
        )
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()
        return self

    def _read(self):
        stream = self.process.stdout
        for raw in iter(stream.readline, b""):
            self._lines.put(raw.decode("utf-8", "replace").rstrip("\r\n"))
        stream.close()

    def poll(self):
        """(new output lines, exit status or None while running)."""
        status = self.process.poll()
        if status is not None and self._reader is not None:
            self._reader.join(timeout=5)  # the last lines arrive after the exit
        lines = []
        while True:
            try:
                lines.append(self._lines.get_nowait())
            except queue.Empty:
                break
        return lines, status

    def cancel(self):
        self.cancelled = True
        if self.on_cancel is not None:
            try:
                self.on_cancel()
            except Exception:  # noqa: BLE001 - cancel must go on to kill the process
                pass
        if self.process is not None and self.process.poll() is None:
            kill_tree(self.process.pid, poll=self.process.poll)
