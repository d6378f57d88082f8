"""The run contract, as the Slicer launcher executes it.

The rules are written once, in TypeScript (src/runner/contract, used by ``mhub run``): the
constants come from the generated ``contract_gen`` module, the per-model values (image reference,
container command, expected-output patterns, environment key) from the module spec the generator
writes. What must be code in both languages (filling the container flags, PEP 440 ranges in
venv.py, matching outputs) runs the shared table test/contract/vectors.json in both.

Two interfaces, declared per runtime in the model card:

* ``files``: the model gets an input folder with one entry per declared input
  (``<input-id>.nii.gz``, ``<input-id>.nrrd`` or a DICOM folder ``<input-id>/``) and an output
  folder where it writes ``<output-id>.nii.gz`` (label map) or ``<output-id>.json``.
* ``mhub``: the MHub.ai container contract: DICOM input mounted read-only at
  ``INPUT_MOUNT``, output at ``OUTPUT_MOUNT``, ``--workflow <name>``.

Success is "exit status 0 AND every expected output exists" (MHub containers can exit 0 after
a failed case).
"""

import json
import os
import re

from .contract_gen import INPUT_MOUNT, OUTPUT_MOUNT  # noqa: F401 - part of this module's API

INPUT_SUFFIX = {"nifti": ".nii.gz", "nrrd": ".nrrd", "dicom": "", "dicomseg": ""}

_SUFFIX_FORMATS = ((".seg.dcm", "dicomseg"), (".dcm", "dicomseg"), (".nii.gz", "nifti"), (".nii", "nifti"),
                   (".nrrd", "nifti"), (".json", "json"))


def input_entry_name(model_input):
    """Name of an input's entry in the input folder for the ``files`` interface."""
    return model_input["id"] + INPUT_SUFFIX[model_input["format"]]


def output_matches(expected, relative_path):
    """Whether a file (path relative to the output folder) is the expected output.

    The patterns are anchored at both ends, so a full match is JavaScript's ``RegExp.test``."""
    return re.fullmatch(expected["pattern"], relative_path.replace("\\", "/")) is not None


def missing_outputs(expected, files):
    return [e for e in expected if not any(output_matches(e, f) for f in files)]


def relative_files(folder):
    found = []
    for root, _dirs, files in os.walk(folder):
        for name in files:
            found.append(os.path.relpath(os.path.join(root, name), folder).replace(os.sep, "/"))
    return sorted(found)


def _format_of(expected, relative_path):
    if expected["format"] != "other":
        return expected["format"]
    lower = relative_path.lower()
    return next((kind for suffix, kind in _SUFFIX_FORMATS if lower.endswith(suffix)), "other")


def collect_outputs(outputs, expected, output_dir):
    """Maps each declared output id to the file(s) the model wrote; raises when an expected
    output is missing. `outputs` are the card's outputs, `expected` the runtime's expected
    outputs (module spec: computed by src/runner/contract)."""
    files = relative_files(output_dir)
    missing = missing_outputs(expected, files)
    if missing:
        wrote = ", ".join(files[:5]) if files else "nothing"
        raise ValueError("the model finished but did not write: {} (it wrote: {})".format(
            ", ".join(e["description"] for e in missing), wrote))
    matched = []
    for relative in files:
        entry = next((e for e in expected if output_matches(e, relative)), None)
        if entry is not None:
            matched.append((entry, relative))
    found = {}
    for model_output in outputs:
        own = [f for e, f in matched if e.get("outputId") == model_output["id"]]
        if not own:
            # mhub workflows do not name the card output: by format, a DICOM SEG before a NIfTI
            kinds = ("dicomseg", "nifti") if model_output["type"] == "segmentation" else ("json",)
            typed = [(_format_of(e, f), f) for e, f in matched if not e.get("outputId")]
            for kind in kinds:
                own = [f for k, f in typed if k == kind]
                if own:
                    break
        paths = [os.path.join(output_dir, *f.split("/")) for f in own]
        if paths:
            found[model_output["id"]] = paths[0] if len(paths) == 1 else paths
    return found


def _no_constant(name):
    raise ValueError("not JSON: " + name)  # NaN and Infinity, which JavaScript's JSON refuses


def parse_progress(line):
    """A model's stdout line as a progress event, when it is one: a JSON object with a string
    ``phase`` and a numeric ``done`` (optional ``total``, ``message``), the rule of the Node
    runner's parseProgressLine; ``progress`` is added: done/total, or None without a total."""
    text = line.strip()
    if not text.startswith("{") or not text.endswith("}"):
        return None
    try:
        value = json.loads(text, parse_constant=_no_constant)
    except ValueError:
        return None
    if not isinstance(value.get("phase"), str) or not _number(value.get("done")):
        return None
    event = {"phase": value["phase"], "done": value["done"]}
    if _number(value.get("total")):
        event["total"] = value["total"]
    if isinstance(value.get("message"), str):
        event["message"] = value["message"]
    total = event.get("total")
    event["progress"] = min(1.0, max(0.0, float(event["done"]) / total)) if total and total > 0 else None
    return event


def _number(value):
    return isinstance(value, (int, float)) and not isinstance(value, bool)
