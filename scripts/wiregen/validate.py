"""Semantic checks and construction of the validated model."""

from __future__ import annotations

import re
from typing import Optional

from .model import (
    INT_TYPES,
    PRIMITIVES,
    Api,
    DefinitionError,
    Field,
    FieldDecl,
    FileDecl,
    Message,
    MessageDecl,
    Struct,
    TypeRef,
    Versions,
)

SWIFT_KEYWORDS = {
    "associatedtype", "class", "deinit", "enum", "extension", "fileprivate", "func", "import", "init",
    "inout", "internal", "let", "open", "operator", "private", "precedencegroup", "protocol", "public",
    "rethrows", "static", "struct", "subscript", "typealias", "var", "break", "case", "catch",
    "continue", "default", "defer", "do", "else", "fallthrough", "for", "guard", "if", "in", "repeat",
    "return", "throw", "switch", "where", "while", "as", "false", "is", "nil", "self", "super",
    "throws", "true", "try", "any", "some", "type",
}
RESERVED_PROPERTIES = {"unknownTaggedFields", "apiKey", "versions", "firstFlexibleVersion"}
STRUCT_DEPTH_MAX = 16  # mirrors Limits.structDepthMax
TYPE_NAME = re.compile(r"^(\[)?([A-Za-z][A-Za-z0-9]*)(\])?$")
NULLABLE_BASES = {"string", "bytes", "records"}


def property_name(name: str) -> str:
    """Kafka PascalCase -> Swift lowerCamelCase (only the first letter changes)."""
    return name[0].lower() + name[1:]


def swift_string_literal(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


class Builder:
    """Validates one message and flattens its structs."""

    def __init__(self, path: str, file: FileDecl, message: MessageDecl) -> None:
        self.path = path
        self.file = file
        self.message = message
        self.type_name = message.api + ("Request" if message.kind == "request" else "Response")
        self.structs: list[Struct] = []
        self.struct_sources: dict[str, list[FieldDecl]] = {}

    def fail(self, line: int, text: str) -> DefinitionError:
        return DefinitionError(self.path, line, f"{self.type_name}: {text}")

    def build(self) -> Message:
        m = self.message
        if m.flexible is not None and m.flexible < 0:
            raise self.fail(m.line, "bad flexible version")
        body_fields = self.fields(m.fields, m.versions, depth=1, owner=self.type_name)
        body = Struct(self.type_name, self.type_name, m.doc, body_fields, is_message=True)
        return Message(m.kind, self.type_name, m.key, m.versions, m.flexible, body, self.structs)

    def is_flexible(self, version: int) -> bool:
        return self.message.flexible is not None and version >= self.message.flexible

    def fields(self, decls: list[FieldDecl], parent: Versions, depth: int, owner: str) -> list[Field]:
        if depth > STRUCT_DEPTH_MAX:
            raise self.fail(decls[0].line if decls else self.message.line, "structs nest too deeply")
        result: list[Field] = []
        names: set[str] = set()
        tags: set[int] = set()
        for decl in decls:
            field = self.field(decl, parent, depth, owner)
            if field.prop in names:
                raise self.fail(decl.line, f"field {decl.name} declared twice in {owner}")
            names.add(field.prop)
            if field.tag is not None:
                if field.tag in tags:
                    raise self.fail(decl.line, f"tag {field.tag} used twice in {owner}")
                tags.add(field.tag)
            result.append(field)
        return result

    def field(self, decl: FieldDecl, parent: Versions, depth: int, owner: str) -> Field:
        m = self.message
        declared = decl.versions or Versions(m.versions.low, None)
        if declared.low > m.versions.high or (declared.high is not None and declared.high > m.versions.high):
            raise self.fail(decl.line, f"{decl.name}: versions {declared.text()} outside message range {m.versions.text()}")
        versions = declared.clamp(max(m.versions.low, parent.low), parent.high)
        if versions is None:
            raise self.fail(decl.line, f"{decl.name}: never present (versions {declared.text()}, parent {parent.text()})")
        type_ref = self.type_ref(decl, versions, depth)
        nullable = None
        if decl.nullable:
            if not (type_ref.is_array or type_ref.is_struct or type_ref.base in NULLABLE_BASES):
                raise self.fail(decl.line, f"{decl.name}: type {decl.type_text} cannot be nullable")
            nullable = (decl.nullable_versions or versions).clamp(versions.low, versions.high)
            if nullable is None:
                raise self.fail(decl.line, f"{decl.name}: nullable versions never overlap the field's versions")
        elif decl.nullable_versions is not None:
            raise self.fail(decl.line, f"{decl.name}: nullable versions without 'nullable'")
        if decl.tag is not None:
            if m.flexible is None or versions.low < m.flexible:
                raise self.fail(decl.line, f"{decl.name}: tagged field present in non-flexible versions {versions.text()}")
        prop = property_name(decl.name)
        if prop == "unknownTaggedFields" or (depth == 1 and prop in RESERVED_PROPERTIES):
            raise self.fail(decl.line, f"{decl.name}: property name {prop} is reserved by the generator")
        default = self.default(decl, type_ref, nullable, versions)
        optional = nullable is not None
        return Field(decl.name, prop, type_ref, versions, nullable, decl.tag, default, optional, decl.doc, decl.line)

    def type_ref(self, decl: FieldDecl, versions: Versions, depth: int) -> TypeRef:
        match = TYPE_NAME.match(decl.type_text)
        if not match or bool(match.group(1)) != bool(match.group(3)):
            raise self.fail(decl.line, f"{decl.name}: bad type {decl.type_text!r}")
        is_array = bool(match.group(1))
        base = match.group(2)
        if base in PRIMITIVES:
            if decl.children:
                raise self.fail(decl.line, f"{decl.name}: primitive type {base} cannot have nested fields")
            if is_array and base == "records":
                raise self.fail(decl.line, f"{decl.name}: arrays of records are not supported")
            return TypeRef(base, is_array, False)
        if not base[0].isupper():
            raise self.fail(decl.line, f"{decl.name}: unknown type {base!r}")
        if decl.children:
            source = decl.children
        elif base in self.file.structs:
            source = self.file.structs[base].fields
        elif base in self.struct_sources:
            source = self.struct_sources[base]
        else:
            raise self.fail(decl.line, f"{decl.name}: struct {base} is not defined")
        self.add_struct(base, source, decl, versions, depth)
        return TypeRef(base, is_array, True)

    def add_struct(self, name: str, source: list[FieldDecl], decl: FieldDecl, versions: Versions, depth: int) -> None:
        if name == self.type_name:
            raise self.fail(decl.line, f"struct {name} has the message's own name")
        if name in self.struct_sources:
            if self.struct_sources[name] is not source:
                raise self.fail(decl.line, f"struct {name} defined twice in this message")
            # Used again (shared struct): rebuild over the union of both uses' versions.
            existing = next(s for s in self.structs if s.swift_name == name)
            self.structs.remove(existing)
        self.struct_sources[name] = source
        label = f"{self.type_name}.{name}"
        top = self.file.structs.get(name)
        doc = decl.doc if decl.children else (top.doc if top else [])
        # Position the struct before building children, keeping file order deterministic.
        placeholder = Struct(name, label, doc, [])
        self.structs.append(placeholder)
        struct_versions = Versions(self.message.versions.low, self.message.versions.high)
        placeholder.fields = self.fields(source, struct_versions if not decl.children else versions, depth + 1, label)

    def default(self, decl: FieldDecl, type_ref: TypeRef, nullable: Optional[Versions], versions: Versions) -> str:
        value = decl.default
        fully_nullable = nullable is not None and nullable.low == versions.low and nullable.high == versions.high
        if value is None:
            if nullable is not None and fully_nullable:
                return "nil"
            return self.zero(type_ref)
        if value == "null":
            if nullable is None:
                raise self.fail(decl.line, f"{decl.name}: default null on a non-nullable field")
            return "nil"
        if type_ref.is_array or type_ref.is_struct:
            raise self.fail(decl.line, f"{decl.name}: only null can be the default of {decl.type_text}")
        base = type_ref.base
        if base in INT_TYPES:
            _, _, low, high = INT_TYPES[base]
            if not re.match(r"^-?\d+$", value) or not low <= int(value) <= high:
                raise self.fail(decl.line, f"{decl.name}: default {value} is not a valid {base}")
            return value
        if base == "float64":
            if not re.match(r"^-?\d+(\.\d+)?$", value):
                raise self.fail(decl.line, f"{decl.name}: default {value} is not a valid float64")
            return value
        if base == "bool":
            if value not in ("true", "false"):
                raise self.fail(decl.line, f"{decl.name}: default {value} is not a bool")
            return value
        if base == "string":
            if not (value.startswith('"') and value.endswith('"') and len(value) >= 2):
                raise self.fail(decl.line, f"{decl.name}: string default must be quoted")
            return swift_string_literal(value[1:-1].replace('\\"', '"').replace("\\\\", "\\"))
        raise self.fail(decl.line, f"{decl.name}: type {base} takes no default other than null")

    @staticmethod
    def zero(type_ref: TypeRef) -> str:
        if type_ref.is_array:
            return "[]"
        if type_ref.is_struct:
            return f"{type_ref.base}()"
        return {
            "bool": "false", "string": '""', "bytes": "ByteBuffer()", "records": "ByteBuffer()",
            "uuid": "KafkaUUID.zero", "float64": "0",
        }.get(type_ref.base, "0")


def build_apis(path: str, key: int, name: str, file: FileDecl) -> Api:
    """Validates one file: exactly one request and one response for API `key` named `name`."""
    requests = [m for m in file.messages if m.kind == "request"]
    responses = [m for m in file.messages if m.kind == "response"]
    if len(requests) != 1 or len(responses) != 1:
        raise DefinitionError(path, 1, "a file must declare exactly one request and one response")
    request, response = requests[0], responses[0]
    for message in (request, response):
        if message.key != key or message.api != name:
            raise DefinitionError(path, message.line, f"header says {message.api} key {message.key}; file name says {name} key {key}")
    if request.versions != response.versions or request.flexible != response.flexible:
        raise DefinitionError(path, response.line, "request and response must share versions and flexible versions")
    return Api(key, name, Builder(path, file, request).build(), Builder(path, file, response).build())
