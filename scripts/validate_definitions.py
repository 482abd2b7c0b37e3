#!/usr/bin/env python3
"""Checks Definitions/*.def against Apache Kafka's JSON message schemas.

Every message definition in Definitions/ claims to follow Kafka's public schema for the versions it
declares. This script proves it, version by version: for each version a .def declares (and the
upstream schema still defines), it walks both field trees and compares which fields are on the
wire, in which order, with which type, nullability, tag and default. Anything that differs is
printed; the exit status is 1 if anything differs, 0 if all agree.

It also checks a few rules of the DSL that the generator relies on (file names, tags only in
flexible versions, nullable only on nullable types, `default null` only on nullable fields).

Usage (developers only; the schemas are not part of the repository):

    KAFKA_SCHEMAS_DIR=/path/to/kafka/message/json python3 scripts/validate_definitions.py [file.def ...]

KAFKA_SCHEMAS_DIR is a folder holding Kafka's `<Name>Request.json` / `<Name>Response.json`
(e.g. clients/src/main/resources/common/message of an apache/kafka checkout, or the copy bundled
in the kafka-python 3.x wheel under kafka/protocol/schemas/resources). Kafka's files carry `//`
comment lines; they are stripped before parsing. Versions a schema no longer defines (Kafka 4.x
removed some, KIP-896) are reported as skipped, not as mismatches.
"""

from __future__ import annotations

import json
import os
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Optional

ROOT = Path(__file__).resolve().parent.parent
DEFINITIONS = ROOT / "Definitions"

PRIMITIVES = {"bool", "int8", "int16", "int32", "int64", "uint16", "uint32", "float64", "uuid",
              "string", "bytes", "records"}
NULLABLE_CAPABLE = {"string", "bytes", "records"}
MAX_VERSION = 1000  # stands for "and every later version" in open ranges like "3+"

Range = Optional[tuple]  # (lo, hi) inclusive, or None for "no version"


def intersect(a: Range, b: Range) -> Range:
    if a is None or b is None:
        return None
    lo, hi = max(a[0], b[0]), min(a[1], b[1])
    return (lo, hi) if lo <= hi else None


def contains(r: Range, v: int) -> bool:
    return r is not None and r[0] <= v <= r[1]


# ---------------------------------------------------------------------------------------------
# The .def side
# ---------------------------------------------------------------------------------------------

class DefError(Exception):
    """A .def line that does not follow Definitions/README.md."""


@dataclass
class DefField:
    name: str
    type: str                     # "int32", "[int32]", "[Struct]", "Struct"
    versions: Range               # as written (None = whole parent), not yet intersected
    nullable: bool = False
    nullable_versions: Range = None   # None with nullable=True means "every present version"
    tag: Optional[int] = None
    default: Optional[str] = None     # normalised text, see normalise_def_default
    children: list = field(default_factory=list)
    line: int = 0

    @property
    def element(self) -> str:
        return self.type[1:-1] if self.type.startswith("[") else self.type

    @property
    def is_array(self) -> bool:
        return self.type.startswith("[")


@dataclass
class DefMessage:
    kind: str                     # "request" / "response"
    api: str
    key: int
    lo: int
    hi: int
    flexible: Optional[int]       # first flexible version, None for "none"
    fields: list
    line: int


TOKEN = re.compile(r'"(?:[^"\\]|\\.)*"|\S+')
VERSION_TOKEN = re.compile(r"^v(\d+)(\+|-(\d+))?$")


def parse_versions(tok: str) -> Range:
    m = VERSION_TOKEN.match(tok)
    if not m:
        raise DefError("bad version range %r" % tok)
    lo = int(m.group(1))
    if m.group(2) == "+":
        return (lo, MAX_VERSION)
    if m.group(3) is not None:
        return (lo, int(m.group(3)))
    raise DefError("bad version range %r (write vA+ or vA-B)" % tok)


def parse_field(text: str, line_no: int) -> DefField:
    name, sep, rest = text.partition(":")
    if not sep or not re.fullmatch(r"[A-Za-z][A-Za-z0-9]*", name.strip()):
        raise DefError("line %d: expected '<Name>: <type> ...'" % line_no)
    toks = TOKEN.findall(rest)
    if not toks:
        raise DefError("line %d: missing type" % line_no)
    f = DefField(name=name.strip(), type=toks[0], versions=None, line=line_no)
    i = 1
    if i < len(toks) and toks[i].startswith("v"):
        f.versions = parse_versions(toks[i])
        i += 1
    if i < len(toks) and toks[i] == "nullable":
        f.nullable = True
        i += 1
        if i < len(toks) and toks[i].startswith("v") and VERSION_TOKEN.match(toks[i]):
            f.nullable_versions = parse_versions(toks[i])
            i += 1
    if i < len(toks) and toks[i] == "tag":
        if i + 1 >= len(toks) or not toks[i + 1].isdigit():
            raise DefError("line %d: 'tag' needs a number" % line_no)
        f.tag = int(toks[i + 1])
        i += 2
    if i < len(toks) and toks[i] == "default":
        if i + 1 >= len(toks):
            raise DefError("line %d: 'default' needs a value" % line_no)
        f.default = normalise_def_default(toks[i + 1])
        i += 2
    if i != len(toks):
        raise DefError("line %d: unexpected %r" % (line_no, " ".join(toks[i:])))
    return f


def normalise_def_default(tok: str) -> str:
    if tok.startswith('"'):
        return "s:" + json.loads(tok)
    if tok in ("true", "false", "null"):
        return tok
    try:
        return "i:%d" % int(tok, 0)
    except ValueError:
        try:
            return "f:%r" % float(tok)
        except ValueError:
            raise DefError("bad default %r" % tok)


HEADER = re.compile(r"^(request|response) (\w+) key (\d+) versions (\d+)-(\d+) flexible (none|(\d+)\+)$")


def parse_def(path: Path):
    """Returns (messages, structs) of one .def file."""
    messages: list = []
    structs: dict = {}
    stack: list = []   # (indent, children list)
    for no, raw in enumerate(path.read_text().splitlines(), start=1):
        if not raw.strip():
            continue
        stripped = raw.lstrip(" ")
        indent = len(raw) - len(stripped)
        if stripped.startswith("///") or stripped.startswith("#"):
            continue
        if "\t" in raw:
            raise DefError("line %d: tabs are not allowed" % no)
        if indent % 2:
            raise DefError("line %d: odd indentation" % no)
        if indent == 0:
            m = HEADER.match(stripped)
            if m:
                flex = None if m.group(6) == "none" else int(m.group(7))
                msg = DefMessage(m.group(1), m.group(2), int(m.group(3)), int(m.group(4)),
                                 int(m.group(5)), flex, [], no)
                messages.append(msg)
                stack = [(0, msg.fields)]
                continue
            m = re.fullmatch(r"struct ([A-Z]\w*)", stripped)
            if m:
                structs[m.group(1)] = []
                stack = [(0, structs[m.group(1)])]
                continue
            raise DefError("line %d: expected a message header or 'struct <Name>'" % no)
        while stack and stack[-1][0] >= indent:
            stack.pop()
        if not stack or indent != stack[-1][0] + 2:
            raise DefError("line %d: indentation does not match any parent" % no)
        f = parse_field(stripped, no)
        stack[-1][1].append(f)
        stack.append((indent, f.children))
    return messages, structs


# ---------------------------------------------------------------------------------------------
# The upstream (Kafka JSON) side
# ---------------------------------------------------------------------------------------------

def kafka_range(text) -> Range:
    s = str(text).strip()
    if s == "none":
        return None
    if s.endswith("+"):
        return (int(s[:-1]), MAX_VERSION)
    if "-" in s:
        lo, hi = s.split("-")
        return (int(lo), int(hi))
    return (int(s), int(s))


def load_schema(directory: Path, name: str):
    path = directory / (name + ".json")
    if not path.exists():
        return None
    text = "\n".join(l for l in path.read_text().splitlines() if not l.strip().startswith("//"))
    return json.loads(text)


def kafka_default(f) -> Optional[str]:
    if "default" not in f:
        return None
    d = f["default"]
    if isinstance(d, bool):
        return "true" if d else "false"
    if isinstance(d, int):
        return "i:%d" % d
    d = str(d)
    t = f["type"]
    if t == "string":
        return "null" if d == "null" else "s:" + d
    if d == "null":
        return "null"
    if t == "bool":
        return d.lower()
    if t == "float64":
        return "f:%r" % float(d)
    return "i:%d" % int(d, 0)


# ---------------------------------------------------------------------------------------------
# Per-version flattening: both sides become lists of FieldView for one version
# ---------------------------------------------------------------------------------------------

@dataclass
class FieldView:
    name: str          # name with the first letter upper-cased (Kafka has a few lowerCamel names)
    type: str          # "[X]" or "X"
    nullable: bool
    tag: Optional[int]
    default: Optional[str]
    children: list     # list of FieldView for struct types, [] otherwise
    explicit_default: bool


def cap(name: str) -> str:
    return name[:1].upper() + name[1:]


def def_view(fields, version: int, parent: Range, structs, problems, where) -> list:
    out = []
    for f in fields:
        present = intersect(f.versions or parent, parent)
        if not contains(present, version):
            continue
        nullable = f.nullable and (f.nullable_versions is None or contains(f.nullable_versions, version))
        kids = f.children
        if not kids and f.element not in PRIMITIVES:
            if f.element not in structs:
                problems.append("%s.%s: struct %s is not defined" % (where, f.name, f.element))
            kids = structs.get(f.element, [])
        children = def_view(kids, version, present, structs, problems, where + "." + f.name)
        everywhere = f.nullable and (f.nullable_versions is None
                                     or intersect(f.nullable_versions, present) == present)
        default = f.default if f.default is not None else implicit_default(f.type, everywhere)
        out.append(FieldView(cap(f.name), f.type, nullable, f.tag, default, children,
                             f.default is not None))
    return out


def kafka_view(fields, version: int, parent: Range, common) -> list:
    out = []
    for f in fields:
        present = intersect(kafka_range(f["versions"]), parent)
        if not contains(present, version):
            continue
        t = f["type"]
        ts = "[%s]" % t[2:] if t.startswith("[]") else t
        element = t[2:] if t.startswith("[]") else t
        nullable = contains(kafka_range(f.get("nullableVersions", "none")), version)
        tag = f.get("tag") if contains(kafka_range(f.get("taggedVersions", "none")), version) else None
        kids = f.get("fields")
        if kids is None and element not in PRIMITIVES:
            kids = common.get(element, [])
        children = kafka_view(kids or [], version, present, common)
        default = kafka_default(f) if "default" in f else implicit_default(ts, False)
        out.append(FieldView(cap(f["name"]), ts, nullable, tag, default, children, "default" in f))
    return out


def implicit_default(type_text: str, null: bool) -> str:
    """The default of a field that declares none; `null` is the side's rule for nullable fields
    (the DSL: null when nullable in every version; Kafka: never, it uses the type's zero)."""
    if null:
        return "null"
    if type_text.startswith("[") or type_text not in PRIMITIVES:
        return "empty"
    return {"bool": "false", "string": "s:", "float64": "f:0.0", "bytes": "empty",
            "records": "empty", "uuid": "empty"}.get(type_text, "i:0")


def compare(ours: list, theirs: list, where: str, problems: list):
    """Appends a line to problems for every difference between two field lists of one version."""
    names_ours = [v.name for v in ours]
    names_theirs = [v.name for v in theirs]
    for n in names_theirs:
        if n not in names_ours:
            problems.append("%s.%s: missing from the .def" % (where, n))
    for n in names_ours:
        if n not in names_theirs:
            problems.append("%s.%s: not in the upstream schema" % (where, n))
    common_ours = [n for n in names_ours if n in names_theirs]
    common_theirs = [n for n in names_theirs if n in names_ours]
    by_name_t = {v.name: v for v in theirs}
    untagged_o = [n for n in common_ours if next(v for v in ours if v.name == n).tag is None]
    untagged_t = [n for n in common_theirs if by_name_t[n].tag is None]
    if untagged_o != untagged_t:
        problems.append("%s: wire order differs: .def %s, upstream %s" % (where, untagged_o, untagged_t))
    for o in ours:
        t = by_name_t.get(o.name)
        if t is None:
            continue
        w = "%s.%s" % (where, o.name)
        if o.type != t.type:
            problems.append("%s: type %s, upstream %s" % (w, o.type, t.type))
        if o.nullable != t.nullable:
            problems.append("%s: nullable=%s, upstream %s" % (w, o.nullable, t.nullable))
        if o.tag != t.tag:
            problems.append("%s: tag %s, upstream %s" % (w, o.tag, t.tag))
        if (t.explicit_default or o.explicit_default) and o.default != t.default:
            problems.append("%s: default %s, upstream %s" % (w, o.default, t.default))
        compare(o.children, t.children, w, problems)


# ---------------------------------------------------------------------------------------------
# DSL rules that do not need the upstream schema
# ---------------------------------------------------------------------------------------------

def check_rules(msg: DefMessage, fields, parent: Range, structs, where: str, problems: list):
    for f in fields:
        w = "%s.%s (line %d)" % (where, f.name, f.line)
        present = intersect(f.versions or parent, parent)
        if f.versions is not None and present is None:
            problems.append("%s: its versions lie outside its parent's" % w)
            continue
        if f.nullable and not (f.is_array or f.element in NULLABLE_CAPABLE or f.element not in PRIMITIVES):
            problems.append("%s: %s cannot be nullable" % (w, f.type))
        if f.nullable and f.nullable_versions is not None and intersect(f.nullable_versions, present) is None:
            problems.append("%s: nullable versions lie outside the field's versions" % w)
        if f.default == "null":
            everywhere = f.nullable and (f.nullable_versions is None
                                         or intersect(f.nullable_versions, present) == present)
            if not everywhere:
                problems.append("%s: default null but not nullable in every version" % w)
        if f.tag is not None and (msg.flexible is None or present[0] < msg.flexible):
            problems.append("%s: tagged field present in a non-flexible version" % w)
        if f.element not in PRIMITIVES and not f.children and f.element not in structs:
            problems.append("%s: struct %s has no fields and no top-level declaration" % (w, f.element))
        check_rules(msg, f.children, present, structs, where + "." + f.name, problems)


# ---------------------------------------------------------------------------------------------
# Driver
# ---------------------------------------------------------------------------------------------

def check_file(path: Path, schemas: Path, problems: list, notes: list):
    messages, structs = parse_def(path)
    m = re.fullmatch(r"(\d{2})_(\w+)\.def", path.name)
    if not m:
        problems.append("%s: file name must be NN_Name.def" % path.name)
        return
    kinds = sorted(msg.kind for msg in messages)
    if kinds != ["request", "response"]:
        problems.append("%s: must hold exactly one request and one response, has %s" % (path.name, kinds))
    for msg in messages:
        where = "%s %s" % (msg.api, msg.kind)
        if msg.api != m.group(2) or msg.key != int(m.group(1)):
            problems.append("%s: header says %s key %d, file name says %s key %s"
                            % (path.name, msg.api, msg.key, m.group(2), m.group(1)))
        if msg.lo > msg.hi:
            problems.append("%s: empty version range" % where)
            continue
        check_rules(msg, msg.fields, (msg.lo, msg.hi), structs, where, problems)
        schema = load_schema(schemas, msg.api + msg.kind.capitalize())
        if schema is None:
            problems.append("%s: no %s%s.json in KAFKA_SCHEMAS_DIR" % (where, msg.api, msg.kind.capitalize()))
            continue
        if schema.get("apiKey") != msg.key:
            problems.append("%s: key %d, upstream %s" % (where, msg.key, schema.get("apiKey")))
        if schema.get("type") != msg.kind:
            problems.append("%s: upstream file is a %s" % (where, schema.get("type")))
        valid = kafka_range(schema["validVersions"])
        flex_range = kafka_range(schema.get("flexibleVersions", "none"))
        upstream_flex = flex_range[0] if flex_range and flex_range[0] <= msg.hi else None
        if msg.flexible != upstream_flex:
            problems.append("%s: flexible %s, upstream %s" % (where, msg.flexible, upstream_flex))
        common = {s["name"]: s["fields"] for s in schema.get("commonStructs", [])}
        skipped = []
        per_version: dict = {}   # problem text with "{V}" for the version -> versions it occurs in
        for v in range(msg.lo, msg.hi + 1):
            if not contains(valid, v):
                skipped.append(v)
                continue
            found: list = []
            ours = def_view(msg.fields, v, (msg.lo, msg.hi), structs, found, where)
            theirs = kafka_view(schema["fields"], v, (v, v), common)
            compare(ours, theirs, where + " v{V}", found)
            for text in dict.fromkeys(found):
                per_version.setdefault(text, []).append(v)
        for text, versions in per_version.items():
            problems.append(text.replace("{V}", spans(versions)))
        if skipped:
            notes.append("%s: upstream schema lacks v%s (validVersions %s); not checked"
                         % (where, ",".join(map(str, skipped)), schema["validVersions"]))


def spans(versions: list) -> str:
    """[3, 4, 5, 8] -> "3-5,8": one line per problem instead of one per version."""
    out, start = [], versions[0]
    for i, v in enumerate(versions):
        last_of_run = i + 1 == len(versions) or versions[i + 1] != v + 1
        if last_of_run:
            out.append(str(start) if start == v else "%d-%d" % (start, v))
            if i + 1 < len(versions):
                start = versions[i + 1]
    return ",".join(out)


def main(argv) -> int:
    schemas = os.environ.get("KAFKA_SCHEMAS_DIR")
    if not schemas or not Path(schemas).is_dir():
        print("set KAFKA_SCHEMAS_DIR to a folder of Kafka's message JSON schemas", file=sys.stderr)
        return 2
    files = [Path(a) for a in argv[1:]] or sorted(DEFINITIONS.glob("*.def"))
    problems: list = []
    notes: list = []
    for path in files:
        try:
            check_file(path, Path(schemas), problems, notes)
        except DefError as e:
            problems.append("%s: %s" % (path.name, e))
    for n in notes:
        print("note: " + n)
    for p in problems:
        print("MISMATCH " + p)
    print("%d file(s) checked, %d mismatch(es)" % (len(files), len(problems)))
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
