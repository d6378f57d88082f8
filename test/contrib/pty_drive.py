"""Drives a command through a real pseudo-terminal, like a person at a keyboard.

Usage: python3 pty_drive.py SCRIPT.json -- COMMAND ARGS...
SCRIPT.json is a list of steps {"expect": regex, "send": text}: wait until the screen output
(ANSI codes removed) since the previous step matches `expect`, then type `send`.
Prints the transcript on stdout and exits with the command's exit code (or 98 on a timeout).
"""

import fcntl
import json
import os
import pty
import re
import select
import struct
import sys
import termios
import time

ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]|\x1b\][^\x07]*\x07|\x1b[=>78]")


def main() -> int:
    script = json.load(open(sys.argv[1]))
    argv = sys.argv[sys.argv.index("--") + 1 :]
    pid, fd = pty.fork()
    if pid == 0:
        os.environ["TERM"] = "xterm-256color"
        os.environ["COLUMNS"] = "120"
        os.execvp(argv[0], argv)
    # A fresh pty is 0x0; prompts wrap to the terminal width, so give it a real size.
    fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 120, 0, 0))
    transcript = ""
    pending = ""
    timeout = float(os.environ.get("PTY_STEP_TIMEOUT", "20"))

    def read(wait: float) -> str:
        nonlocal transcript, pending
        ready, _, _ = select.select([fd], [], [], wait)
        if not ready:
            return "idle"
        try:
            data = os.read(fd, 65536).decode("utf-8", "replace")
        except OSError:
            return "eof"
        if not data:
            return "eof"
        clean = ANSI.sub("", data)
        transcript += clean
        pending += clean
        return "data"

    for step in script:
        deadline = time.time() + timeout
        pattern = re.compile(step["expect"])
        match = pattern.search(pending)
        while not match:
            if time.time() > deadline or read(0.2) == "eof":
                sys.stdout.write(transcript)
                sys.stdout.write(f"\n[pty_drive] timed out waiting for {step['expect']!r}\n")
                os.kill(pid, 9)
                return 98
            match = pattern.search(pending)
        # Only what was matched is used up: the next prompt may have come in the same read.
        pending = pending[match.end() :]
        time.sleep(0.05)
        for ch in step["send"]:
            os.write(fd, ch.encode())
            time.sleep(0.005)
    # The script is done: the command should now finish without further input.
    state = "data"
    while state == "data":
        state = read(timeout)
    if state == "idle":
        sys.stdout.write(transcript)
        sys.stdout.write("\n[pty_drive] the command still waits for input after the last step\n")
        os.kill(pid, 9)
        return 97
    _, status = os.waitpid(pid, 0)
    sys.stdout.write(transcript)
    return os.waitstatus_to_exitcode(status)


if __name__ == "__main__":
    sys.exit(main())
