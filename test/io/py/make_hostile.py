"""Hostile DICOM files made from a real one (argv[2]) into argv[3]:
  dims     Rows and Columns set to 65535, pixel data unchanged (absurd dimensions)
  bomb     deflated transfer syntax whose pixel data inflates to 256 MB of zeros while the
           header declares a small image (a decompression bomb, about 250 kB on disk)
 bombtail deflated, pixel data as declared, then 256 MB of zeros in trailing padding
  mosaic2  a copy of a MOSAIC with a new SOPInstanceUID (a second volume of the series)"""
import sys
import zlib

import pydicom
from pydicom.uid import generate_uid

kind, src, out = sys.argv[1:4]
ds = pydicom.dcmread(src)
if kind == "dims":
    ds.Rows = 65535
    ds.Columns = 65535
    ds.save_as(out)
elif kind == "mosaic2":
    ds.SOPInstanceUID = generate_uid()
    ds.file_meta.MediaStorageSOPInstanceUID = ds.SOPInstanceUID
    ds.save_as(out)
elif kind in ("bomb", "bombtail"):
    pixels = ds.PixelData
    del ds.PixelData
    if (0xFFFC, 0xFFFC) in ds:
        del ds[0xFFFC, 0xFFFC]  # trailing padding would come after the pixel data
    ds.file_meta.TransferSyntaxUID = pydicom.uid.DeflatedExplicitVRLittleEndian
    # The dataset without pixel data, encoded explicit VR little endian.
    from io import BytesIO

    from pydicom.filewriter import write_dataset

    buf = pydicom.filebase.DicomBytesIO()
    buf.is_little_endian = True
    buf.is_implicit_VR = False
    write_dataset(buf, ds)
    body = buf.getvalue()
    size = 256 * 1024 * 1024
    header = b"\xe0\x7f\x10\x00OW\x00\x00" + size.to_bytes(4, "little")
    if kind == "bombtail":
        header = (
            b"\xe0\x7f\x10\x00OW\x00\x00" + len(pixels).to_bytes(4, "little") + pixels
            + b"\xfc\xff\xfc\xffOB\x00\x00" + size.to_bytes(4, "little")
        )
    z = zlib.compressobj(9, zlib.DEFLATED, -15)
    parts = [z.compress(body + header)]
    chunk = bytes(1024 * 1024)
    for _ in range(size // len(chunk)):
        parts.append(z.compress(chunk))
    parts.append(z.flush())
    meta = BytesIO()
    pydicom.filewriter.write_file_meta_info(pydicom.filebase.DicomFileLike(meta), ds.file_meta)
    with open(out, "wb") as f:
        f.write(b"\0" * 128 + b"DICM" + meta.getvalue() + b"".join(parts))
else:
    sys.exit(f"unknown kind {kind}")
