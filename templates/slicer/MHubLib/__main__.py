"""`python -m MHubLib run <spec.json> --backend docker|venv --input id=path --output dir`.

The same launcher the Slicer modules use, from a terminal: for scripts and the contract test.
"""

import argparse
import json
import sys

from .launcher import Launcher, RunError


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m MHubLib")
    sub = parser.add_subparsers(dest="command")
    run = sub.add_parser("run", help="run a model")
    run.add_argument("spec", help="the model spec JSON (a generated module's MODEL)")
    run.add_argument("--backend", choices=["docker", "venv"], required=True)
    run.add_argument("--input", action="append", default=[], help="input-id=path (repeatable)")
    run.add_argument("--output", required=True)
    run.add_argument("--cpu", action="store_true", help="force CPU")
    run.add_argument("--source", help="folder with the model's code (venv)")
    run.add_argument("--cache", help="cache folder (venvs, weights, temporary runs)")
    args = parser.parse_args(argv)
    if args.command != "run":
        parser.print_help()
        return 2
    with open(args.spec) as handle:
        spec = json.load(handle)
    inputs = dict(item.split("=", 1) for item in args.input)
    launcher = Launcher(spec, cache_dir=args.cache, source_dir=args.source)
    try:
        job = launcher.start(args.backend, inputs, args.output, force_cpu=args.cpu)
    except RunError as error:
        sys.stderr.write("error: {}\n".format(error))
        return 2

    def show(event):
        if event["type"] == "log":
            sys.stderr.write(event["text"] + "\n")
        elif event["type"] == "progress" and event["value"] is not None:
            sys.stderr.write("progress {:.0%} {}\n".format(event["value"], event["message"]))

    try:
        state = job.wait(on_event=show)
    except KeyboardInterrupt:
        job.cancel()
        state = job.wait()
    if state != "succeeded":
        sys.stderr.write("{}: {}\n".format(state, job.error))
        return 130 if state == "cancelled" else 1
    sys.stdout.write(json.dumps(job.outputs) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
