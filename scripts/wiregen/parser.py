"""Parser for the message-definition DSL (Definitions/README.md)."""

from __future__ import annotations

import re
from typing import Optional

from .model import DefinitionError, FieldDecl, FileDecl, MessageDecl, StructDecl, Versions

HEADER = re.compile(
    r"^(request|response) ([A-Z][A-Za-z0-9]*) key (\d+) versions (\d+)-(\d+) flexible (none|(\d+)\+)$"
)
STRUCT = re.compile(r"^struct ([A-Z][A-Za-z0-9]*)$")
FIELD = re.compile(r"^([A-Z][A-Za-z0-9]*): (\S+)(.*)$")
VERSIONS = re.compile(r"^v(\d+)(\+|-(\d+))$")


def parse_versions(text: str, path: str, line: int) -> Versions:
    match = VERSIONS.match(text)
    if not match:
        raise DefinitionError(path, line, f"bad version range {text!r} (expected vA+ or vA-B)")
    low = int(match.group(1))
    high = None if match.group(2) == "+" else int(match.group(3))
    if high is not None and high < low:
        raise DefinitionError(path, line, f"empty version range {text!r}")
    return Versions(low, high)


def tokenize_attributes(text: str, path: str, line: int) -> list[str]:
    """Splits the attribute tail on spaces, keeping a quoted default string as one token."""
    tokens: list[str] = []
    rest = text.strip()
    while rest:
        if rest.startswith('"'):
            end = 1
            while end < len(rest) and rest[end] != '"':
                end += 2 if rest[end] == "\\" else 1
            if end >= len(rest):
                raise DefinitionError(path, line, "unterminated string literal")
            tokens.append(rest[: end + 1])
            rest = rest[end + 1 :].strip()
        else:
            token, _, rest = rest.partition(" ")
            tokens.append(token)
            rest = rest.strip()
    return tokens


def parse_field(text: str, doc: list[str], path: str, line: int) -> FieldDecl:
    match = FIELD.match(text)
    if not match:
        raise DefinitionError(path, line, f"cannot parse field line {text!r}")
    name, type_text, tail = match.group(1), match.group(2), match.group(3)
    tokens = tokenize_attributes(tail, path, line)
    versions: Optional[Versions] = None
    nullable = False
    nullable_versions: Optional[Versions] = None
    tag: Optional[int] = None
    default: Optional[str] = None
    index = 0
    while index < len(tokens):
        token = tokens[index]
        following = tokens[index + 1] if index + 1 < len(tokens) else None
        if VERSIONS.match(token):
            if versions is not None:
                raise DefinitionError(path, line, f"{name}: versions given twice")
            versions = parse_versions(token, path, line)
            index += 1
        elif token == "nullable":
            nullable = True
            index += 1
            if following is not None and VERSIONS.match(following):
                nullable_versions = parse_versions(following, path, line)
                index += 1
        elif token == "tag":
            if following is None or not following.isdigit():
                raise DefinitionError(path, line, f"{name}: 'tag' needs a number")
            tag = int(following)
            index += 2
        elif token == "default":
            if following is None:
                raise DefinitionError(path, line, f"{name}: 'default' needs a value")
            default = following
            index += 2
        else:
            raise DefinitionError(path, line, f"{name}: unexpected {token!r}")
    return FieldDecl(name, type_text, versions, nullable, nullable_versions, tag, default, doc, line)


def parse_file(path: str) -> FileDecl:
    """Parses one .def file into declarations (no semantic checks yet)."""
    with open(path, encoding="utf-8") as handle:
        lines = handle.read().split("\n")
    messages: list[MessageDecl] = []
    structs: dict[str, StructDecl] = {}
    doc: list[str] = []
    # stack[d] = the field list that receives lines indented by 2*(d+1) spaces.
    stack: list[list[FieldDecl]] = []
    for number, raw in enumerate(lines, start=1):
        text = raw.rstrip()
        stripped = text.lstrip(" ")
        if not stripped:
            continue
        if "\t" in text[: len(text) - len(stripped) + 1]:
            raise DefinitionError(path, number, "indent with spaces, not tabs")
        if stripped.startswith("///"):
            comment = stripped[3:]
            doc.append(comment[1:] if comment.startswith(" ") else comment)
            continue
        if stripped.startswith("#"):
            continue
        indent = len(text) - len(stripped)
        if indent == 0:
            header = HEADER.match(text)
            struct = STRUCT.match(text)
            if header:
                flexible = None if header.group(6) == "none" else int(header.group(7))
                versions = Versions(int(header.group(4)), int(header.group(5)))
                if versions.high < versions.low:
                    raise DefinitionError(path, number, "empty message version range")
                message = MessageDecl(
                    header.group(1), header.group(2), int(header.group(3)), versions, flexible, doc, number
                )
                messages.append(message)
                stack = [message.fields]
            elif struct:
                name = struct.group(1)
                if name in structs:
                    raise DefinitionError(path, number, f"struct {name} declared twice")
                structs[name] = StructDecl(name, doc, number)
                stack = [structs[name].fields]
            else:
                raise DefinitionError(path, number, f"expected request/response/struct, got {text!r}")
            doc = []
            continue
        if indent % 2 != 0:
            raise DefinitionError(path, number, "indentation must be a multiple of two spaces")
        depth = indent // 2
        if not stack or depth > len(stack):
            raise DefinitionError(path, number, "field indented deeper than its parent allows")
        del stack[depth:]
        field = parse_field(stripped, doc, path, number)
        doc = []
        stack[depth - 1].append(field)
        stack.append(field.children)
    if doc:
        raise DefinitionError(path, len(lines), "doc comment at end of file documents nothing")
    return FileDecl(messages, structs)
