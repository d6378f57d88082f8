"""Prediction and classification outputs (JSON) as table rows."""

import json


def flatten(value, prefix=""):
    """[(key, text)] rows: nested objects become dotted keys, lists indexed keys."""
    rows = []
    if isinstance(value, dict):
        for key in value:
            rows += flatten(value[key], "{}.{}".format(prefix, key) if prefix else str(key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            rows += flatten(item, "{}[{}]".format(prefix, index))
    else:
        rows.append((prefix or "value", "" if value is None else str(value)))
    return rows


def read_rows(path):
    with open(path, encoding="utf-8") as handle:
        return flatten(json.load(handle))
