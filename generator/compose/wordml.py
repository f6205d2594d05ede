"""WordprocessingML in one place, as python-docx's ``oxml`` keeps it: the namespace table and
the child-order tables of the elements the composer inserts into (a Word file whose children
are out of schema order is a file Word calls damaged). Footnotes, emphasis, the package's
properties, the template checks and the annex section all take their names from here."""
from __future__ import annotations

W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
R_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PR_NS = "http://schemas.openxmlformats.org/package/2006/relationships"
CT_NS = "http://schemas.openxmlformats.org/package/2006/content-types"
XML_SPACE = "{http://www.w3.org/XML/1998/namespace}space"
W = "{%s}" % W_NS


def w(tag: str) -> str:
    """``w("p")`` -> the Clark name ``{…/wordprocessingml/2006/main}p``."""
    return W + tag


# CT_TblPr's children in schema order
TBLPR_ORDER = ["tblStyle", "tblpPr", "tblOverlap", "bidiVisual", "tblStyleRowBandSize", "tblStyleColBandSize",
               "tblW", "jc", "tblCellSpacing", "tblInd", "tblBorders", "shd", "tblLayout", "tblCellMar", "tblLook",
               "tblCaption", "tblDescription", "tblPrChange"]
# CT_RPr's first children in schema order: w:b and w:i go after these
RPR_ORDER = ["rStyle", "rFonts", "b", "bCs", "i", "iCs"]
# CT_Settings: w:footnotePr goes before the first of these present (most layout settings precede it)
FOOTNOTEPR_BEFORE = ["endnotePr", "compat"]
