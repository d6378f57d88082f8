"""Segment names, colours and coded terminology for Slicer, from a model spec (pure Python)."""

CATEGORY_CONTEXT = "Segmentation category and type - DICOM master list"
ANATOMIC_CONTEXT = "Anatomic codes - DICOM master list"


def _clean(text):
    # '~' and '^' separate the fields of Slicer's terminology entry string
    return " ".join(str(text).replace("~", "-").replace("^", "-").split())


def _code(code):
    if not code:
        return "^^"
    return "{}^{}^{}".format(_clean(code["scheme"]), _clean(code["value"]), _clean(code["meaning"]))


def terminology_entry(segment, context=CATEGORY_CONTEXT):
    """Slicer's serialized terminology entry (the segment tag "TerminologyEntry",
    vtkSlicerTerminologiesModuleLogic::SerializeTerminologyEntry): the context names the
    terminology the codes are looked up in: the module's own (its .term.json), or DICOM's."""
    return "~".join([
        _clean(context),
        _code(segment["category"]),
        _code(segment["type"]),
        _code(segment.get("modifier")),
        ANATOMIC_CONTEXT,
        _code(segment.get("region")),
        _code(segment.get("regionModifier")),
    ])


def segments_by_label(model_output):
    """{label value: segment} for a segmentation output (label k is the k-th segment)."""
    return {segment["label"]: segment for segment in model_output.get("segments", [])}


def segment_display(segment):
    """(name, (r, g, b) in 0..1) as Slicer's vtkSegment wants them."""
    r, g, b = segment["color"]
    return segment["name"], (r / 255.0, g / 255.0, b / 255.0)


def segmentation_outputs(spec):
    return [o for o in spec["outputs"] if o["type"] == "segmentation"]
