"""Rewrites text attributes of every DICOM file in a folder with pydicom, which encodes them in
the character set given (so the inputs are made independently of our writer).
Usage: set_text.py DIR '{"charset": ["", "ISO 2022 IR 87"], "text": {"PatientName": "..."},
                        "raw": {"PatientName": "4dfc6c6c6572"}}'
"text" values are encoded by pydicom in "charset"; "raw" values are hex bytes stored as they are
(for values that are not valid in the declared character set).
"""
import json
import os
import sys

import pydicom
from pydicom.charset import convert_encodings, encode_string

folder = sys.argv[1]
opts = json.loads(sys.argv[2])
charset = opts.get("charset")
for name in sorted(os.listdir(folder)):
    path = os.path.join(folder, name)
    ds = pydicom.dcmread(path)
    if charset is not None:
        ds.SpecificCharacterSet = charset
    for keyword, value in opts.get("text", {}).items():
        setattr(ds, keyword, value)
    encodings = convert_encodings(charset if charset is not None else ["ISO_IR 6"])
    for keyword, hexbytes in opts.get("raw", {}).items():
        setattr(ds, keyword, "x")
        ds[keyword].value = bytes.fromhex(hexbytes)
    # Check pydicom can encode what we asked for in that set (it raises otherwise).
    for keyword, value in opts.get("text", {}).items():
        encode_string(value, encodings)
    ds.save_as(path, write_like_original=False)
