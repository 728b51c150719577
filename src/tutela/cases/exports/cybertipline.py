"""A CyberTipline-shaped report: NCMEC's reporting XML for one case.

The element names, their order and which are required follow the structure
of NCMEC's published CyberTipline Reporting API schema (`report`, with
`incidentSummary`, `internetDetails`, `reporter`, `personOrUserReported`,
`intendedRecipient`, `victim`, `additionalInfo`; files go in separate
`fileDetails` documents). `STRUCTURE` encodes that structure for the
subset Tutela emits and `validate` checks a document against it; operators
should still validate against NCMEC's current XSD before submitting.
"""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from typing import Any

from tutela.cases.exports import Export, register
from tutela.domain.cases import CaseDetail
from tutela.domain.taxonomy import Category, is_category, report_choices

#: NCMEC incident types, and which Tutela categories / child-form choices map to each.
INCIDENT_TYPES = (
    "Child Pornography (possession, manufacture, and distribution)",
    "Child Sex Trafficking",
    "Child Sex Tourism",
    "Child Sexual Molestation",
    "Misleading Domain Name",
    "Misleading Words or Digital Images on the Internet",
    "Online Enticement of Children for Sexual Acts",
    "Unsolicited Obscene Material Sent to a Child",
)
#: The incident type of a case or report of these categories (the child's form choice's category counts).
_BY_CATEGORY = {
    Category.TRAFFICKING: "Child Sex Trafficking",
    Category.SEXUAL_CONTENT: "Unsolicited Obscene Material Sent to a Child",
}
#: A child's own choice under sexual exploitation (asked for photos, threatened, someone wants to meet: the
#: taxonomy's `report_choices`) is enticement; a case filed under the category without one keeps `_DEFAULT`.
_ENTICEMENT = "Online Enticement of Children for Sexual Acts"
_DEFAULT = "Child Pornography (possession, manufacture, and distribution)"

#: element -> ordered children (name, min, max); None max = unbounded. Leaves are absent from the map.
STRUCTURE: dict[str, list[tuple[str, int, int | None]]] = {
    "report": [
        ("incidentSummary", 1, 1),
        ("internetDetails", 0, None),
        ("reporter", 1, 1),
        ("personOrUserReported", 0, None),
        ("intendedRecipient", 0, None),
        ("victim", 0, None),
        ("additionalInfo", 0, 1),
    ],
    "incidentSummary": [
        ("incidentType", 1, 1),
        ("escalateToHighPriority", 0, 1),
        ("incidentDateTime", 1, 1),
        ("incidentDateTimeDescription", 0, 1),
    ],
    "internetDetails": [("webPageIncident", 1, 1)],
    "webPageIncident": [("url", 1, None), ("additionalInfo", 0, 1)],
    "reporter": [("reportingPerson", 1, 1), ("companyTemplate", 0, 1)],
    "reportingPerson": [("firstName", 0, 1), ("lastName", 0, 1), ("email", 1, None)],
    "personOrUserReported": [
        ("espIdentifier", 0, 1),
        ("screenName", 0, 1),
        ("displayName", 0, 1),
        ("profileUrl", 0, None),
        ("additionalInfo", 0, 1),
    ],
    "intendedRecipient": [
        ("espIdentifier", 0, 1),
        ("screenName", 0, 1),
        ("displayName", 0, 1),
        ("ageAtTimeOfIncident", 0, 1),
    ],
    "victim": [("victimPerson", 1, 1)],
    "victimPerson": [("age", 0, 1), ("location", 0, 1)],
    "location": [("country", 1, 1)],
    "fileDetails": [
        ("reportId", 1, 1),
        ("fileId", 1, 1),
        ("originalFileName", 0, 1),
        ("originalFileHash", 0, None),
        ("additionalInfo", 0, 1),
    ],
}
ENUMS = {"incidentType": INCIDENT_TYPES, "escalateToHighPriority": ("true", "false")}


def incident_type(detail: CaseDetail) -> str:
    for rep in detail.reports:
        given = rep.notice.get("incident_type")
        if given in INCIDENT_TYPES:
            return given
    choices = report_choices()
    for rep in detail.reports:
        key = rep.category_key
        if key in choices:
            category = choices[key]
            if category == Category.SEXUAL_EXPLOITATION:
                return _ENTICEMENT
        else:
            category = Category(key) if is_category(key) else None
        if category in _BY_CATEGORY:
            return _BY_CATEGORY[category]
    return _BY_CATEGORY.get(detail.category, _DEFAULT)


def _sub(parent: ET.Element, tag: str, text: Any = None) -> ET.Element:
    el = ET.SubElement(parent, tag)
    if text is not None:
        el.text = str(text)
    return el


def _person(parent: ET.Element, tag: str, p: dict, *, recipient: bool = False) -> None:
    el = _sub(parent, tag)
    if p.get("account_id"):
        _sub(el, "espIdentifier", p["account_id"])
    if p.get("username"):
        _sub(el, "screenName", p["username"])
    if p.get("display_name"):
        _sub(el, "displayName", p["display_name"])
    if recipient and p.get("age") is not None:
        _sub(el, "ageAtTimeOfIncident", p["age"])
    if not recipient and p.get("platform"):
        _sub(el, "additionalInfo", f"platform: {p['platform']}")


def build_report(detail: CaseDetail, reporter_email: str) -> ET.Element:
    root = ET.Element("report")
    summary = _sub(root, "incidentSummary")
    _sub(summary, "incidentType", incident_type(detail))
    escalate = any(r.notice.get("escalate") for r in detail.reports) or detail.priority.value == "critical"
    _sub(summary, "escalateToHighPriority", "true" if escalate else "false")
    when = next((r.notice.get("incident_at") for r in detail.reports if r.notice.get("incident_at")), None)
    _sub(summary, "incidentDateTime", when or detail.created_at.isoformat())
    if not when:
        _sub(summary, "incidentDateTimeDescription", "time the first report was received")
    urls = list(dict.fromkeys(u for r in detail.reports for u in r.urls))
    if urls:
        web = _sub(_sub(root, "internetDetails"), "webPageIncident")
        for u in urls:
            _sub(web, "url", u)
    reporter = _sub(root, "reporter")
    _sub(_sub(reporter, "reportingPerson"), "email", reporter_email)
    for key, tag in (
        ("reported_person", "personOrUserReported"),
        ("intended_recipient", "intendedRecipient"),
    ):
        for r in detail.reports:
            if r.notice.get(key):
                _person(root, tag, r.notice[key], recipient=tag == "intendedRecipient")
    for r in detail.reports:
        v = r.notice.get("victim")
        if v:
            person = _sub(_sub(root, "victim"), "victimPerson")
            if v.get("age") is not None:
                _sub(person, "age", v["age"])
            if v.get("country"):
                _sub(_sub(person, "location"), "country", v["country"])
    _sub(
        root,
        "additionalInfo",
        f"Tutela case {detail.id}; {len(detail.reports)} report(s); "
        f"category {detail.category}; priority {detail.priority.value}",
    )
    return root


def build_file_details(detail: CaseDetail, report_id: str = "PENDING") -> list[ET.Element]:
    out = []
    for ev in detail.evidence:
        if ev.deleted_at is not None:
            continue
        fd = ET.Element("fileDetails")
        _sub(fd, "reportId", report_id)
        _sub(fd, "fileId", f"tutela-evidence-{ev.id}")
        if ev.filename:
            _sub(fd, "originalFileName", ev.filename)
        for kind, value in (("MD5", ev.md5), ("SHA256", ev.sha256), ("PDQ", ev.pdq)):
            if value:
                _sub(fd, "originalFileHash", value).set("hashType", kind)
        out.append(fd)
    return out


def validate(el: ET.Element) -> list[str]:
    """Problems with a document against `STRUCTURE` (empty when it conforms)."""
    problems: list[str] = []
    spec = STRUCTURE.get(el.tag)
    if spec is None:
        if len(el):
            problems.append(f"<{el.tag}> must not have child elements")
        elif not (el.text or "").strip():
            problems.append(f"<{el.tag}> must not be empty")
        elif el.tag in ENUMS and el.text not in ENUMS[el.tag]:
            problems.append(f"<{el.tag}> has {el.text!r}, not one of the allowed values")
        return problems
    names = [c.tag for c in el]
    pos = 0
    for name, lo, hi in spec:
        n = 0
        while pos < len(names) and names[pos] == name:
            n += 1
            pos += 1
        if n < lo:
            problems.append(f"<{el.tag}> needs <{name}>")
        if hi is not None and n > hi:
            problems.append(f"<{el.tag}> has {n} <{name}>, at most {hi} allowed")
    if pos < len(names):
        problems.append(f"<{el.tag}> has <{names[pos]}> out of order or not allowed")
    for child in el:
        problems.extend(validate(child))
    return problems


def _to_json(el: ET.Element) -> Any:
    if not len(el):
        return {"#text": el.text, **{f"@{k}": v for k, v in el.attrib.items()}} if el.attrib else el.text
    out: dict[str, Any] = {}
    for child in el:
        value = _to_json(child)
        if child.tag in out:
            if not isinstance(out[child.tag], list):
                out[child.tag] = [out[child.tag]]
            out[child.tag].append(value)
        else:
            out[child.tag] = value
    return out


@register("cybertipline")
def render(detail: CaseDetail, options: dict[str, Any]) -> Export:
    email = options.get("reporter_email") or "reports@example.org"
    report = build_report(detail, email)
    files = build_file_details(detail)
    if options.get("format", "xml") == "json":
        body = {"report": _to_json(report), "fileDetails": [_to_json(f) for f in files]}
        return Export(
            json.dumps(body, indent=2, ensure_ascii=False).encode(),
            "application/json",
            f"cybertipline-case-{detail.id}.json",
        )
    ET.indent(report)
    xml = ET.tostring(report, encoding="utf-8", xml_declaration=True)
    return Export(xml, "application/xml", f"cybertipline-case-{detail.id}.xml")
