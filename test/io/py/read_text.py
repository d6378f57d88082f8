"""Prints, as JSON, every text element (SH, LO, ST, LT, UT, UC, PN) of DICOM files as pydicom
decodes them, with sequence items walked: {"file": {"SpecificCharacterSet": ..., "text":
{"(0010,0010)": "...", "(0008,1111)[0](0008,1150)": ...}}}. Multiple values are joined by a
backslash. Usage: read_text.py FILE...  (or: read_text.py --charset-dir to print the folder of
pydicom's own character set samples).
"""
import json
import os
import sys

import pydicom
import pydicom.data

TEXT_VRS = {"SH", "LO", "ST", "LT", "UT", "UC", "PN"}

if sys.argv[1] == "--charset-dir":
    print(os.path.join(os.path.dirname(pydicom.data.__file__), "charset_files"))
    sys.exit(0)


def tag(el):
    return "(%04X,%04X)" % (el.tag.group, el.tag.element)


def walk(ds, prefix, out):
    for el in ds:
        if el.VR == "SQ":
            for n, item in enumerate(el.value):
                walk(item, "%s%s[%d]" % (prefix, tag(el), n), out)
        elif el.VR in TEXT_VRS and el.value is not None:
            values = el.value if isinstance(el.value, pydicom.multival.MultiValue) else [el.value]
            out[prefix + tag(el)] = "\\".join(str(v) for v in values)


result = {}
for path in sys.argv[1:]:
    ds = pydicom.dcmread(path)
    text = {}
    walk(ds, "", text)
    cs = ds.get("SpecificCharacterSet")
    result[path] = {"SpecificCharacterSet": list(cs) if isinstance(cs, pydicom.multival.MultiValue) else cs,
                    "text": text}
print(json.dumps(result, ensure_ascii=False))
