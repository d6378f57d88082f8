"""The run contract shared with the Node runner (`mhub run`).

Two interfaces, declared per runtime in the model card:

* ``files``: the model gets an input folder with one entry per declared input
  (``<input-id>.nii.gz``, ``<input-id>.nrrd`` or a DICOM folder ``<input-id>/``) and an output
  folder where it writes ``<output-id>.nii.gz`` (label map) or ``<output-id>.json``
  (prediction, classification). It may print progress as JSON lines on stdout.
* ``mhub``: the MHub.ai container contract: DICOM input mounted read-only at
  ``/app/data/input_data``, output at ``/app/data/output_data``, ``--workflow <name>``.

Success is "exit status 0 AND every expected output exists" (MHub containers can exit 0 after
a failed case).
"""

import json
import os

INPUT_MOUNT = "/app/data/input_data"
OUTPUT_MOUNT = "/app/data/output_data"

INPUT_SUFFIX = {"nifti": ".nii.gz", "nrrd": ".nrrd", "dicom": "", "dicomseg": ""}


def input_entry_name(model_input):
    """Name of an input's entry in the input folder for the ``files`` interface."""
    return model_input["id"] + INPUT_SUFFIX[model_input["format"]]


def output_file_name(model_output):
    """Name of an output's file in the output folder for the ``files`` interface."""
    suffix = ".nii.gz" if model_output["type"] == "segmentation" else ".json"
    return model_output["id"] + suffix


def _find_files(folder, suffixes):
    found = []
    for root, _dirs, files in os.walk(folder):
        for name in sorted(files):
            if name.lower().endswith(suffixes):
                found.append(os.path.join(root, name))
    return sorted(found)


def collect_outputs(spec, interface, output_dir):
    """Maps each declared output id to the file(s) the model wrote; raises on a missing output."""
    outputs = {}
    missing = []
    if interface == "files":
        for model_output in spec["outputs"]:
            path = os.path.join(output_dir, output_file_name(model_output))
            if os.path.isfile(path):
                outputs[model_output["id"]] = path
            else:
                missing.append(output_file_name(model_output))
    else:
        segs = _find_files(output_dir, (".seg.dcm", ".dcm"))
        jsons = _find_files(output_dir, (".json",))
        niftis = _find_files(output_dir, (".nii.gz", ".nii", ".nrrd"))
        for model_output in spec["outputs"]:
            if model_output["type"] == "segmentation":
                files = segs or niftis
            else:
                files = jsons
            if files:
                outputs[model_output["id"]] = files[0] if len(files) == 1 else files
            else:
                missing.append(model_output["id"])
    if missing:
        raise ValueError("the model finished but did not write: " + ", ".join(missing))
    return outputs


def parse_progress(line):
    """A progress event from a JSON line, or None for other output.

    Accepts ``{"done": 2, "total": 5, "message": ...}`` (what the Node runner and the reference
    models print) and ``{"progress": 0.4}`` (a fraction, or a percentage above 1).
    """
    text = line.strip()
    if not text.startswith("{"):
        return None
    try:
        event = json.loads(text)
    except ValueError:
        return None
    if not isinstance(event, dict):
        return None
    done, total, value = event.get("done"), event.get("total"), event.get("progress")
    if _number(done) and _number(total) and total > 0:
        event["progress"] = min(1.0, max(0.0, float(done) / float(total)))
        return event
    if _number(value):
        value = float(value)
        event["progress"] = min(1.0, max(0.0, value / 100.0 if value > 1.0 else value))
        return event
    if "message" in event or "phase" in event:
        event["progress"] = None
        return event
    return None


def _number(value):
    return isinstance(value, (int, float)) and not isinstance(value, bool)
