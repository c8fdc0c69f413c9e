"""The XMP packet every rendered image carries, and reading one back.

It states the IPTC digital source type (the machine-readable "made by AI"), a description,
and a credit line naming the twin and the real person it is of. Readers accept both ways XMP
may write a simple property: as an element or as an attribute of ``rdf:Description``.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from xml.sax.saxutils import escape

from influencer import __version__

IPTC_EXT = "http://iptc.org/std/Iptc4xmpExt/2008-02-29/"
DC = "http://purl.org/dc/elements/1.1/"
PHOTOSHOP = "http://ns.adobe.com/photoshop/1.0/"
XMP = "http://ns.adobe.com/xap/1.0/"
RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
XML_NS = "http://www.w3.org/XML/1998/namespace"
PNG_XMP_KEY = "XML:com.adobe.xmp"  # the iTXt keyword XMP uses in PNG files
PACKET = re.compile(r"<([\w-]+:)?xmpmeta\b.*?</([\w-]+:)?xmpmeta>", re.DOTALL)
RDF_ONLY = re.compile(r"<([\w-]+:)?RDF\b.*?</([\w-]+:)?RDF>", re.DOTALL)


@dataclass(frozen=True)
class XmpFacts:
    """The provenance fields found in one XMP packet (None where absent)."""

    digital_source_type: str | None
    description: str | None
    credit: str | None
    rights: str | None


def build_xmp(digital_source_type: str, description: str, credit: str, rights: str) -> bytes:
    """A complete XMP packet (with its xpacket wrapper), UTF-8 encoded."""
    return f"""<?xpacket begin="\ufeff" id="W5M0MpCehiHzreSzNTczkc9d"?>
<x:xmpmeta xmlns:x="adobe:ns:meta/">
 <rdf:RDF xmlns:rdf="{RDF}">
  <rdf:Description rdf:about=""
    xmlns:Iptc4xmpExt="{IPTC_EXT}"
    xmlns:dc="{DC}"
    xmlns:photoshop="{PHOTOSHOP}"
    xmlns:xmp="{XMP}">
   <Iptc4xmpExt:DigitalSourceType>{escape(digital_source_type)}</Iptc4xmpExt:DigitalSourceType>
   <dc:description>
    <rdf:Alt><rdf:li xml:lang="x-default">{escape(description)}</rdf:li></rdf:Alt>
   </dc:description>
   <dc:rights>
    <rdf:Alt><rdf:li xml:lang="x-default">{escape(rights)}</rdf:li></rdf:Alt>
   </dc:rights>
   <photoshop:Credit>{escape(credit)}</photoshop:Credit>
   <xmp:CreatorTool>influencer {escape(__version__)}</xmp:CreatorTool>
  </rdf:Description>
 </rdf:RDF>
</x:xmpmeta>
<?xpacket end="r"?>""".encode()


def parse_xmp(packet: bytes | str) -> XmpFacts:
    """The provenance fields of a packet; an unparsable packet yields all None."""
    text = packet.decode("utf-8", "replace") if isinstance(packet, bytes) else packet
    # Entity expansion ("billion laughs") needs a DTD; XMP never has one, so refuse any.
    if re.search(r"<!(DOCTYPE|ENTITY)", text, re.IGNORECASE):
        return XmpFacts(None, None, None, None)
    found = PACKET.search(text) or RDF_ONLY.search(text)
    if found is None:
        return XmpFacts(None, None, None, None)
    try:
        root = ET.fromstring(found.group(0))  # noqa: S314 - DTDs refused above
    except ET.ParseError:
        return XmpFacts(None, None, None, None)
    return XmpFacts(
        digital_source_type=_simple(root, IPTC_EXT, "DigitalSourceType"),
        description=_alt(root, DC, "description"),
        credit=_simple(root, PHOTOSHOP, "Credit"),
        rights=_alt(root, DC, "rights"),
    )


def _simple(root: ET.Element, namespace: str, name: str) -> str | None:
    tag = f"{{{namespace}}}{name}"
    for description in root.iter(f"{{{RDF}}}Description"):
        if tag in description.attrib:
            return description.attrib[tag].strip()
        element = description.find(tag)
        if element is not None:
            resource = element.get(f"{{{RDF}}}resource")
            return (resource or element.text or "").strip() or None
    return None


def _alt(root: ET.Element, namespace: str, name: str) -> str | None:
    """A language-alternative property: the x-default entry, else the first."""
    for element in root.iter(f"{{{namespace}}}{name}"):
        items = list(element.iter(f"{{{RDF}}}li"))
        chosen = next((i for i in items if i.get(f"{{{XML_NS}}}lang") == "x-default"),
                      items[0] if items else None)
        text = chosen.text if chosen is not None else element.text
        if text and text.strip():
            return text.strip()
    return _simple(root, namespace, name)
