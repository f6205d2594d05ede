"""An .xlsx file opened the way Excel opens it (Open Packaging Conventions, ECMA-376 part 2):
parts found through the relationships, their names compared without regard to case, ``\\``
taken as ``/`` and percent-escapes decoded; each XML part parsed by lxml, which honours the
encoding its declaration or byte-order mark names (UTF-8, UTF-16…) and CDATA sections.

Every part is parsed by one safe parser: no DTD is loaded, no entity resolved, nothing fetched
from the network; a part that declares a DTD (the entity attacks: a billion laughs, an external
file) is refused. Limits on the file and on each part are checked before anything is parsed.

Raises ``PackageError`` (its ``code`` a ``problems.CODES`` code, its message Vietnamese) for
anything that cannot be opened safely and completely.
"""
from __future__ import annotations

import posixpath
import threading
import zipfile
from pathlib import Path

from lxml import etree

from ..problems import text

MAX_UNZIPPED_BYTES = 200 * 2**20     # total uncompressed size: above this, a zip bomb
MAX_PART_BYTES = 10 * 2**20          # one XML part (a 5.000-row sheet is well under 2 MB)

NS_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
NS_STRICT = "http://purl.oclc.org/ooxml/spreadsheetml/main"
NS_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
REL_OFFICE_DOCUMENT = ("http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument",
                       "http://purl.oclc.org/ooxml/officeDocument/relationships/officeDocument")

# «<!DOCTYPE» in every encoding an XML declaration or byte-order mark may name
_DOCTYPE_MARKS = tuple("<!DOCTYPE".encode(enc) for enc in ("ascii", "utf-16-le", "utf-16-be", "utf-32-le",
                                                          "utf-32-be"))

class PackageError(Exception):
    """The file cannot be opened as a workbook safely and completely: the problem message
    ``key`` of ``problems.TABLE`` with its ``fields``, at ``where`` (``sheet``, ``part``)."""

    def __init__(self, key: str, where: dict | None = None, /, **fields):
        self.key, self.fields = key, fields
        self.code, self.message = key.partition(":")[0], text(key, **fields)
        super().__init__(self.message)
        self.part, self.sheet = (where or {}).get("part", ""), (where or {}).get("sheet", "")


def _mb(n: int) -> str:
    return f"{n / 2**20:.0f} MB"


_local = threading.local()


def _parser() -> etree.XMLParser:
    """The one safe parser (one per thread: an lxml parser is not shared between threads)."""
    parser = getattr(_local, "parser", None)
    if parser is None:
        parser = _local.parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False,
                                                 dtd_validation=False, huge_tree=False, remove_comments=True,
                                                 remove_pis=True)
    return parser


def canonical(name: str) -> str:
    """A part name as compared: ``/`` separators, no leading ``/``, escapes decoded, lower case."""
    name = name.replace("\\", "/")
    if "%" in name:   # (urllib loaded only for the rare escaped name: a command starts faster)
        # deferred on purpose: urllib loads only for a part name with %-escapes
        from urllib.parse import unquote  # noqa: PLC0415
        name = unquote(name)
    name = name.lstrip("/")
    return posixpath.normpath(name).lower() if name else ""


class Package:
    """The parts of an .xlsx file, found and parsed as Excel does."""

    def __init__(self, path: Path):
        self.path = Path(path)
        try:
            self._zip = zipfile.ZipFile(self.path)
        except (zipfile.BadZipFile, OSError) as e:
            raise PackageError("not-a-workbook:truncated") from e
        infos = self._zip.infolist()
        total = sum(i.file_size for i in infos)
        if total > MAX_UNZIPPED_BYTES:
            raise PackageError("zip-bomb", None, total=_mb(total), max_unzipped_bytes=_mb(MAX_UNZIPPED_BYTES))
        self._infos: dict[str, zipfile.ZipInfo] = {}
        for info in infos:
            if info.is_dir():
                continue
            key = canonical(info.filename)
            if key in self._infos:
                raise PackageError("not-a-workbook:twin_parts", None, filename=info.filename)
            self._infos[key] = info
        self.parsed: set[str] = set()
        self.big = next((i.filename.replace("\\", "/") for i in infos if i.file_size > MAX_PART_BYTES), None)

    def declares_dtd(self) -> str | None:
        """The first XML part whose prolog declares a DTD (entities: a billion laughs, an external
        file) among those not parsed yet (a parsed part was refused if it had one: ``xml``),
        parts no relationship reaches included; None when there is none. ``PackageError`` when a
        part cannot be decompressed."""
        for key, info in self._infos.items():
            if not key.endswith((".xml", ".rels", ".vml")) or info.file_size > MAX_PART_BYTES \
                    or key in self.parsed:
                continue
            try:
                data = self._zip.read(info)   # all of it: a prolog may put comments before the DTD
            except (zipfile.BadZipFile, OSError, EOFError, ValueError) as e:
                raise PackageError("not-a-workbook:part_corrupt", None, filename=info.filename) from e
            if any(mark in data for mark in _DOCTYPE_MARKS):
                return info.filename
        return None

    def close(self) -> None:
        """Close the zip file."""
        self._zip.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    @property
    def names(self) -> list[str]:
        """Every part's canonical name (lower case, ``/``)."""
        return list(self._infos)

    def has(self, name: str) -> bool:
        """True when the package has a part of that name (compared canonically: case, ``\\``)."""
        return canonical(name) in self._infos

    def size(self, name: str) -> int:
        """The uncompressed size in bytes of a part; 0 when there is no such part."""
        info = self._infos.get(canonical(name))
        return info.file_size if info else 0

    def read(self, name: str) -> bytes:
        """A part's bytes; ``KeyError`` when there is no such part, ``PackageError`` when it is larger
        than ``MAX_PART_BYTES`` or cannot be decompressed."""
        info = self._infos[canonical(name)]
        if info.file_size > MAX_PART_BYTES:
            raise PackageError("part-too-large", dict(part=canonical(name)), filename=info.filename, file_size=_mb(info.file_size),
                               max_part_bytes=_mb(MAX_PART_BYTES))
        try:
            return self._zip.read(info)
        except (zipfile.BadZipFile, OSError, EOFError, ValueError) as e:   # a bad CRC, a cut stream
            raise PackageError("not-a-workbook:part_corrupt", None, filename=info.filename) from e

    def examined(self, name: str) -> bytes:
        """A part's bytes, looked at without parsing: ``PackageError`` when it declares a DTD
        (as ``declares_dtd`` would say), and taken as examined (``declares_dtd`` skips it)."""
        data = self.read(name)
        if any(mark in data for mark in _DOCTYPE_MARKS):
            raise PackageError("not-a-workbook:dtd", dict(part=canonical(name)), name=name)
        self.parsed.add(canonical(name))
        return data

    def xml(self, name: str) -> etree._Element:
        """A part parsed safely; ``KeyError`` when absent, ``PackageError`` when it is not XML
        or declares a DTD."""
        data = self.read(name)
        self.parsed.add(canonical(name))
        try:
            root = etree.fromstring(data, _parser())
        except etree.XMLSyntaxError as e:
            raise PackageError("not-a-workbook:bad_xml", dict(part=canonical(name)), name=name, reason=str(e)[:80]) from e
        if root.getroottree().docinfo.doctype:
            raise PackageError("not-a-workbook:dtd", dict(part=canonical(name)), name=name)
        return root

    def rels(self, source: str) -> dict[str, tuple[str, str, bool]]:
        """{Id: (type, target part's canonical name or the external target, external?)} of
        ``source``'s relationships part (``""``: the package's own)."""
        folder, base = posixpath.split(canonical(source)) if source else ("", "")
        rels_name = posixpath.join(folder, "_rels", base + ".rels")
        if not self.has(rels_name):
            return {}
        out = {}
        for rel in self.xml(rels_name):
            if not isinstance(rel.tag, str) or etree.QName(rel).localname != "Relationship":
                continue
            target = rel.get("Target", "")
            external = rel.get("TargetMode", "") == "External"
            if not external:
                target = target.replace("\\", "/")
                target = canonical(target if target.startswith("/") else posixpath.join(folder, target))
            out[rel.get("Id", "")] = (rel.get("Type", ""), target, external)
        return out

    def workbook_part(self) -> str:
        """The canonical name of the workbook part (the package's officeDocument);
        ``PackageError`` when the package has none (a zip that is no workbook)."""
        for kind, target, external in self.rels("").values():
            if kind in REL_OFFICE_DOCUMENT and not external and target in self._infos:
                return target
        if "xl/workbook.xml" in self._infos:
            return "xl/workbook.xml"
        raise PackageError("not-a-workbook:no_workbook_part")


def local(el) -> str:
    """An element's name without its namespace (transitional and strict files alike)."""
    return etree.QName(el).localname if isinstance(el.tag, str) else ""
