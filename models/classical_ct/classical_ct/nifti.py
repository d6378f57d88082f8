"""A tiny NIfTI-1 reader/writer (numpy + gzip only), enough for 3D scalar volumes.

Kept dependency-free on purpose: the reference model must run in a bare Debian python3 +
numpy image and in a venv holding only numpy.
"""

import gzip
import os
import struct

import numpy as np

# NIfTI-1 datatype code -> numpy dtype character.
_DTYPES = {
    2: "u1",
    4: "i2",
    8: "i4",
    16: "f4",
    64: "f8",
    256: "i1",
    512: "u2",
    768: "u4",
    1024: "i8",
    1280: "u8",
}


class NiftiError(ValueError):
    """The file is not a NIfTI-1 volume this reader supports."""


class Volume:
    """Voxel data in NIfTI (x, y, z) index order, the raw 348-byte header and the RAS affine."""

    def __init__(self, data, header, affine):
        self.data = data
        self.header = header
        self.affine = affine


def _open(path):
    with open(path, "rb") as f:
        magic = f.read(2)
    return gzip.open(path, "rb") if magic == b"\x1f\x8b" else open(path, "rb")


def _endian(raw):
    for end in ("<", ">"):
        if struct.unpack(end + "i", raw[0:4])[0] == 348:
            return end
    raise NiftiError("not a NIfTI-1 file (header size is not 348)")


def _quatern_affine(end, raw):
    b, c, d, qx, qy, qz = struct.unpack(end + "6f", raw[256:280])
    pixdim = struct.unpack(end + "8f", raw[76:108])
    a = 1.0 - (b * b + c * c + d * d)
    a = np.sqrt(a) if a > 1e-7 else 0.0
    rot = np.array(
        [
            [a * a + b * b - c * c - d * d, 2 * (b * c - a * d), 2 * (b * d + a * c)],
            [2 * (b * c + a * d), a * a + c * c - b * b - d * d, 2 * (c * d - a * b)],
            [2 * (b * d - a * c), 2 * (c * d + a * b), a * a + d * d - c * c - b * b],
        ]
    )
    qfac = -1.0 if pixdim[0] < 0 else 1.0
    zooms = np.array([pixdim[1], pixdim[2], pixdim[3] * qfac])
    affine = np.eye(4)
    affine[:3, :3] = rot * zooms
    affine[:3, 3] = (qx, qy, qz)
    return affine


def affine_of(end, raw):
    qform_code, sform_code = struct.unpack(end + "2h", raw[252:256])
    if sform_code > 0:
        rows = struct.unpack(end + "12f", raw[280:328])
        affine = np.eye(4)
        affine[:3, :] = np.array(rows, dtype=np.float64).reshape(3, 4)
        return affine
    if qform_code > 0:
        return _quatern_affine(end, raw)
    pixdim = struct.unpack(end + "8f", raw[76:108])
    return np.diag([pixdim[1] or 1.0, pixdim[2] or 1.0, pixdim[3] or 1.0, 1.0])


def read(path):
    """Read a 3D NIfTI-1 file (.nii or .nii.gz) into a Volume with float or int data."""
    with _open(path) as f:
        blob = f.read()
    if len(blob) < 348:
        raise NiftiError("file is shorter than a NIfTI-1 header")
    raw = blob[:348]
    end = _endian(raw)
    if raw[344:347] not in (b"n+1", b"ni1"):
        raise NiftiError("missing the NIfTI-1 magic 'n+1'")
    dim = struct.unpack(end + "8h", raw[40:56])
    ndim = dim[0]
    shape = tuple(int(x) for x in dim[1 : ndim + 1])
    if ndim < 3 and ndim >= 1:
        shape = shape + (1,) * (3 - ndim)
    while len(shape) > 3 and shape[-1] == 1:
        shape = shape[:-1]
    if len(shape) != 3 or min(shape) < 1:
        raise NiftiError("only 3D volumes are supported (dims %s)" % (shape,))
    datatype = struct.unpack(end + "h", raw[70:72])[0]
    if datatype not in _DTYPES:
        raise NiftiError("unsupported NIfTI datatype code %d" % datatype)
    dtype = np.dtype(end + _DTYPES[datatype])
    offset = int(struct.unpack(end + "f", raw[108:112])[0]) or 352
    count = int(np.prod(shape))
    if len(blob) < offset + count * dtype.itemsize:
        raise NiftiError("file is truncated: expected %d voxels" % count)
    data = np.frombuffer(blob, dtype=dtype, count=count, offset=offset).reshape(shape, order="F")
    slope, inter = struct.unpack(end + "2f", raw[112:120])
    if slope not in (0.0, 1.0) or inter != 0.0:
        if np.isfinite(slope) and np.isfinite(inter):
            data = data.astype(np.float32) * np.float32(slope or 1.0) + np.float32(inter)
    header = raw if end == "<" else _swap_header(raw)
    return Volume(np.asarray(data), header, affine_of("<", header))


def _swap_header(raw):
    """Rewrite a big-endian header little-endian (field by field) so writers stay simple."""
    fmt = "i10s18sihBB8h3f4h8f3fhBB4f2i80s24s2h18f16s4s"
    fields = struct.unpack(">" + fmt, raw)
    return struct.pack("<" + fmt, *fields)


def write_labels(path, labels, like):
    """Write uint8 labels with the geometry (qform/sform, pixdim) of `like`; atomic rename."""
    hdr = bytearray(like.header)
    shape = labels.shape
    struct.pack_into("<8h", hdr, 40, 3, shape[0], shape[1], shape[2], 1, 1, 1, 1)
    struct.pack_into("<hh", hdr, 70, 2, 8)  # datatype uint8, bitpix 8
    struct.pack_into("<f", hdr, 108, 352.0)  # vox_offset
    struct.pack_into("<2f", hdr, 112, 1.0, 0.0)  # scl_slope, scl_inter
    struct.pack_into("<2f", hdr, 124, float(labels.max(initial=0)), 0.0)  # cal_max, cal_min
    hdr[344:348] = b"n+1\x00"
    body = bytes(hdr) + b"\x00" * 4 + np.asarray(labels, dtype=np.uint8).tobytes(order="F")
    tmp = path + ".partial"
    if path.endswith(".gz"):
        with gzip.open(tmp, "wb", compresslevel=1) as f:
            f.write(body)
    else:
        with open(tmp, "wb") as f:
            f.write(body)
    os.replace(tmp, path)


def new_header(shape, affine, datatype=4):
    """A fresh little-endian NIfTI-1 header (sform and qform both scanner) for test phantoms."""
    hdr = bytearray(348)
    struct.pack_into("<i", hdr, 0, 348)
    struct.pack_into("<8h", hdr, 40, 3, shape[0], shape[1], shape[2], 1, 1, 1, 1)
    bitpix = np.dtype(_DTYPES[datatype]).itemsize * 8
    struct.pack_into("<hh", hdr, 70, datatype, bitpix)
    zooms = np.sqrt((np.asarray(affine)[:3, :3] ** 2).sum(axis=0))
    struct.pack_into("<8f", hdr, 76, 1.0, *zooms, 1.0, 1.0, 1.0, 1.0)
    struct.pack_into("<f", hdr, 108, 352.0)
    struct.pack_into("<2f", hdr, 112, 1.0, 0.0)
    hdr[123] = 10  # xyzt_units: mm, s
    struct.pack_into("<2h", hdr, 252, 0, 1)  # qform_code unknown, sform_code scanner
    struct.pack_into("<12f", hdr, 280, *np.asarray(affine, dtype=np.float64)[:3, :].ravel())
    hdr[344:348] = b"n+1\x00"
    return bytes(hdr)


def write_volume(path, data, affine):
    """Write any supported array as NIfTI-1 (used to make synthetic phantoms)."""
    codes = {v: k for k, v in _DTYPES.items()}
    arr = np.asarray(data)
    code = codes.get(arr.dtype.str[1:])
    if code is None:
        raise NiftiError("cannot write dtype %s" % arr.dtype)
    like = Volume(arr, new_header(arr.shape, affine, code), affine)
    hdr = bytearray(like.header)
    body = bytes(hdr) + b"\x00" * 4 + arr.astype("<" + _DTYPES[code]).tobytes(order="F")
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "wb") as f:
        f.write(body)
