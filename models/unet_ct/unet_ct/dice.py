"""Dice overlap per label, used by the training report and the end-to-end test."""

import numpy as np

NAMES = {1: "BODY", 2: "RIGHT_LUNG", 3: "LEFT_LUNG", 4: "BONE"}


def dice_per_label(predicted, reference):
    """{segment name: Dice} for labels 1..4 (1.0 when both are empty)."""
    predicted, reference = np.asarray(predicted), np.asarray(reference)
    out = {}
    for value, name in NAMES.items():
        p, r = predicted == value, reference == value
        total = int(p.sum()) + int(r.sum())
        out[name] = round(2.0 * int((p & r).sum()) / total, 4) if total else 1.0
    return out
