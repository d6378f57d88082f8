// The unpacker for source archives, run with the Python that builds the environment (tarfile and
// zipfile are in its standard library, so mhub needs no archive dependency of its own). Every
// entry is checked before anything is written: no absolute path, no `..`, no link (symbolic or
// hard) that points outside, no device or pipe; while unpacking, each entry's folder must still
// resolve inside the target (a link chain cannot lead out). A refusal prints one JSON line
// {"entry","why"} and exits 3.
export const UNPACK_PY = String.raw`
import json, os, posixpath, sys, tarfile, zipfile

archive, target = sys.argv[1], sys.argv[2]
os.makedirs(target, exist_ok=True)
root = os.path.realpath(target)


class Refused(Exception):
    pass


def refuse(entry, why):
    raise Refused(entry, why)


def clean(name):
    n = name.replace("\\", "/")
    if n.startswith("/") or (len(n) > 1 and n[1] == ":"):
        refuse(name, "is an absolute path")
    parts = [p for p in n.split("/") if p not in ("", ".")]
    if ".." in parts:
        refuse(name, "climbs out of the archive with ..")
    return "/".join(parts)


def check_link(name, link, hard):
    if link.startswith("/") or (len(link) > 1 and link[1] == ":"):
        refuse(name, "is a link to the absolute path '%s'" % link)
    base = "" if hard else posixpath.dirname(name)
    resolved = posixpath.normpath(posixpath.join(base, link))
    if resolved == ".." or resolved.startswith("../"):
        refuse(name, "is a link pointing outside the archive ('%s')" % link)


def inside(path):
    real = os.path.realpath(path)
    return real == root or real.startswith(root + os.sep)


def check_on_disk(name, link=None):
    dest = os.path.join(root, name)
    if not inside(os.path.dirname(dest)):
        refuse(name, "passes through a link that points outside the archive")
    if link is not None and not inside(os.path.join(os.path.dirname(dest), link)):
        refuse(name, "is a link pointing outside the archive ('%s')" % link)


def untar(tar):
    members = tar.getmembers()
    for m in members:
        m.name = clean(m.name)
        if m.issym():
            check_link(m.name, m.linkname, False)
        elif m.islnk():
            m.linkname = clean(m.linkname)
            check_link(m.name, m.linkname, True)
        elif not (m.isfile() or m.isdir()):
            refuse(m.name, "is a device, pipe or other special file")
    options = {"filter": "data"} if hasattr(tarfile, "data_filter") else {"set_attrs": False}
    for m in members:
        if not m.name:
            continue
        check_on_disk(m.name, m.linkname if m.issym() else None)
        if m.islnk() and not inside(os.path.join(root, m.linkname)):
            refuse(m.name, "is a link pointing outside the archive ('%s')" % m.linkname)
        try:
            tar.extract(m, root, **options)
        except tarfile.TarError as error:
            refuse(m.name, str(error))


def is_symlink(info):
    return (info.external_attr >> 16) & 0o170000 == 0o120000


def unzip(z):
    infos = z.infolist()
    links = {}
    for info in infos:
        name = clean(info.filename)
        if is_symlink(info):
            links[info.filename] = z.read(info).decode("utf-8")
            check_link(name, links[info.filename], False)
    for info in infos:
        name = clean(info.filename)
        if not name:
            continue
        link = links.get(info.filename)
        check_on_disk(name, link)
        dest = os.path.join(root, name)
        if link is not None:
            os.makedirs(os.path.dirname(dest), exist_ok=True)
            os.symlink(link, dest)
        elif info.is_dir():
            os.makedirs(dest, exist_ok=True)
        else:
            os.makedirs(os.path.dirname(dest), exist_ok=True)
            with z.open(info) as src, open(dest, "wb") as out:
                while True:
                    chunk = src.read(1 << 20)
                    if not chunk:
                        break
                    out.write(chunk)


try:
    with open(archive, "rb") as f:
        magic = f.read(4)
    if magic == b"PK\x03\x04" or magic == b"PK\x05\x06":
        with zipfile.ZipFile(archive) as z:
            unzip(z)
    else:
        try:
            tar = tarfile.open(archive, "r:*")
        except tarfile.TarError:
            print(json.dumps({"format": "is neither a tar archive (.tar, .tar.gz, .tar.bz2, .tar.xz) nor a zip file"}))
            sys.exit(3)
        with tar:
            untar(tar)
except Refused as r:
    print(json.dumps({"entry": r.args[0], "why": r.args[1]}))
    sys.exit(3)
`;
