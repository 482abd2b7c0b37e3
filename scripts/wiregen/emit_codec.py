"""Emits one Swift file per API: the request and response types with their codecs."""

from __future__ import annotations

from .common import (
    base_swift_type,
    compact_condition,
    doc_lines,
    escape,
    flexible_condition,
    header,
    label,
    min_array_element_bytes,
    nullable_condition,
    presence,
    swift_type,
)
from .model import INT_TYPES, Api, Field, Message, Struct


def element_decode(field: Field, compact: str, lab: str) -> str:
    base = field.type.base
    if field.type.is_struct:
        return f"try {base}(from: &reader, version: version)"
    return scalar_decode(base, compact, lab)


def scalar_decode(base: str, compact: str, lab: str) -> str:
    if base in INT_TYPES:
        return f"try reader.readInteger(as: {INT_TYPES[base][0]}.self, field: {lab})"
    if base == "bool":
        return f"try reader.readBool(field: {lab})"
    if base == "float64":
        return f"try reader.readFloat64(field: {lab})"
    if base == "uuid":
        return f"try reader.readUUID(field: {lab})"
    if base == "string":
        return f"try reader.readString(compact: {compact}, field: {lab})"
    return f"try reader.readBytes(compact: {compact}, field: {lab})"


def decode_lines(field: Field, message: Message, struct: Struct, target: str, source: str = "reader") -> list[str]:
    """Statements reading `field` from the reader named `source` into `target` (the version
    is assumed to contain the field)."""
    compact = compact_condition(field, message)
    nullable = nullable_condition(field)
    lab = label(struct, field)
    kind = field.type
    if kind.is_array:
        element_type = base_swift_type(kind)
        minimum = min_array_element_bytes(field, message)
        if field.optional:
            call = "readNullableArray"
            arguments = f"compact: {compact}, nullable: {nullable}, minElementBytes: {minimum}, field: {lab}"
        else:
            call = "readArray"
            arguments = f"compact: {compact}, minElementBytes: {minimum}, field: {lab}"
        return [
            f"{target} = try {source}.{call}(",
            f"    {arguments}",
            f") {{ (reader: inout WireReader) throws(WireDecodingError) -> {element_type} in",
            f"    {element_decode(field, compact, lab)}",
            "}",
        ]
    if kind.is_struct:
        make = f"try {kind.base}(from: &{source}, version: version)"
        if not field.optional:
            return [f"{target} = {make}"]
        return [
            f"if try {source}.readStructPresence(nullable: {nullable}, field: {lab}) {{",
            f"    {target} = {make}",
            "} else {",
            f"    {target} = nil",
            "}",
        ]
    if kind.base in ("string", "bytes", "records") and field.optional:
        noun = "String" if kind.base == "string" else "Bytes"
        return [f"{target} = try {source}.readNullable{noun}(compact: {compact}, nullable: {nullable}, field: {lab})"]
    return [f"{target} = {scalar_decode(kind.base, compact, lab).replace('reader.', source + '.', 1)}"]


def scalar_encode(base: str, value: str, compact: str) -> str:
    if base in INT_TYPES:
        return f"writer.writeInteger({value})"
    if base == "bool":
        return f"writer.writeBool({value})"
    if base == "float64":
        return f"writer.writeFloat64({value})"
    if base == "uuid":
        return f"writer.writeUUID({value})"
    if base == "string":
        return f"writer.writeString({value}, compact: {compact})"
    return f"writer.writeBytes({value}, compact: {compact})"


def encode_lines(field: Field, message: Message, value: str) -> list[str]:
    """Statements writing `value` (an expression of the field's Swift type) to `writer`."""
    compact = compact_condition(field, message)
    nullable = nullable_condition(field)
    kind = field.type
    if kind.is_array:
        if kind.is_struct:
            element = "element.encode(into: &writer, version: version)"
        else:
            element = scalar_encode(kind.base, "element", compact)
        if field.optional:
            head = f"writer.writeNullableArray({value}, compact: {compact}, nullable: {nullable}) {{ writer, element in"
        else:
            head = f"writer.writeArray({value}, compact: {compact}) {{ writer, element in"
        return [head, f"    {element}", "}"]
    if kind.is_struct:
        if not field.optional:
            return [f"{value}.encode(into: &writer, version: version)"]
        return [
            f"writer.writeStructPresence({value} != nil, nullable: {nullable})",
            f"{value}?.encode(into: &writer, version: version)",
        ]
    if kind.base in ("string", "bytes", "records") and field.optional:
        noun = "String" if kind.base == "string" else "Bytes"
        return [f"writer.writeNullable{noun}({value}, compact: {compact}, nullable: {nullable})"]
    return [scalar_encode(kind.base, value, compact)]


def guarded(condition: str | None, lines: list[str], indent: str) -> list[str]:
    if condition is None:
        return [indent + line for line in lines]
    return [f"{indent}if {condition} {{"] + [f"{indent}    {line}" for line in lines] + [f"{indent}}}"]


def tag_block_condition(message: Message) -> str | None:
    """Condition for writing/reading the tagged-field block; None = always; "" = never."""
    flexible = flexible_condition(message)
    if flexible == "false":
        return ""
    return None if flexible == "true" else flexible


def emit_decode(struct: Struct, message: Message, indent: str) -> list[str]:
    lines = [
        f"{indent}/// Decodes one value as `version` lays it out.",
        f"{indent}public init(from reader: inout WireReader, version: Int16) throws(WireDecodingError) {{",
    ]
    body = indent + "    "
    if struct.is_message:
        lines += [
            f"{body}guard Self.versions.contains(version) else {{",
            f"{body}    throw WireDecodingError(",
            f"{body}        .unsupportedVersion(apiKey: Self.apiKey, version: version), field: \"{struct.label}\")",
            f"{body}}}",
        ]
    lines.append(f"{body}self.init()")
    for field in struct.fields:
        if field.tag is None:
            lines += guarded(presence(field.versions, message), decode_lines(field, message, struct, f"self.{escape(field.prop)}"), body)
    block = tag_block_condition(message)
    if block != "":
        lines += guarded(block, tag_block_decode(struct, message), body)
    lines.append(f"{indent}}}")
    return lines


def tag_block_decode(struct: Struct, message: Message) -> list[str]:
    tagged = sorted((f for f in struct.fields if f.tag is not None), key=lambda f: f.tag)
    lab = f'"{struct.label}.taggedFields"'
    if not tagged:
        return [f"self.unknownTaggedFields = try reader.readUnknownTaggedFields(field: {lab})"]
    lines = [
        f"let taggedCount = try reader.readTaggedFieldCount(field: {lab})",
        "var previousTag: UInt32?",
        "for _ in 0..<taggedCount {",
        f"    let (tag, valueReader) = try reader.readTaggedField(previousTag: &previousTag, field: {lab})",
        "    var value = valueReader",
        "    switch tag {",
    ]
    for field in tagged:
        condition = presence(field.versions, message)
        where = f" where {condition}" if condition else ""
        lines.append(f"    case {field.tag}{where}:")
        lines += ["        " + line for line in decode_lines(field, message, struct, f"self.{escape(field.prop)}", "value")]
        lines.append(f"        try value.expectEnd(field: {label(struct, field)})")
    lines += [
        "    default:",
        "        self.unknownTaggedFields.append(TaggedField(tag: tag, data: value.buffer))",
        "    }",
        "}",
    ]
    return lines


def emit_encode(struct: Struct, message: Message, indent: str) -> list[str]:
    lines = [
        f"{indent}/// Appends this value as `version` lays it out. Fields absent from `version` are skipped.",
        f"{indent}public func encode(into writer: inout WireWriter, version: Int16) {{",
    ]
    body = indent + "    "
    if struct.is_message:
        lines += [
            f"{body}precondition(",
            f"{body}    Self.versions.contains(version), \"{struct.label} v\\(version) is not implemented\")",
        ]
    for field in struct.fields:
        if field.tag is None:
            lines += guarded(presence(field.versions, message), encode_lines(field, message, f"self.{escape(field.prop)}"), body)
    block = tag_block_condition(message)
    if block != "":
        lines += guarded(block, tag_block_encode(struct, message), body)
    lines.append(f"{indent}}}")
    return lines


def tag_block_encode(struct: Struct, message: Message) -> list[str]:
    tagged = sorted((f for f in struct.fields if f.tag is not None), key=lambda f: f.tag)
    if not tagged:
        return ["writer.writeTaggedFields(known: [], unknown: self.unknownTaggedFields)"]
    lines = ["var tagged: [TaggedField] = []"]
    for field in tagged:
        value = f"self.{escape(field.prop)}"
        condition = presence(field.versions, message)
        differs = f"{value} != {field.default}"
        full = f"{condition} && {differs}" if condition else differs
        lines.append(f"if {full} {{")
        lines.append(f"    tagged.append(WireWriter.taggedField(tag: {field.tag}) {{ writer in")
        lines += ["        " + line for line in encode_lines(field, message, value)]
        lines.append("    })")
        lines.append("}")
    lines.append("writer.writeTaggedFields(known: tagged, unknown: self.unknownTaggedFields)")
    return lines


def field_doc(field: Field) -> list[str]:
    facts = [f"versions {field.versions.text()}"]
    if field.nullable_versions is not None:
        facts.append(f"nullable {field.nullable_versions.text()}")
    if field.tag is not None:
        facts.append(f"tag {field.tag}")
    doc = list(field.doc) if field.doc else [f"Kafka field `{field.name}`."]
    return doc + [f"Kafka `{field.name}`: " + ", ".join(facts) + "."]


def emit_struct_body(struct: Struct, message: Message, indent: str) -> list[str]:
    lines: list[str] = []
    for field in struct.fields:
        lines += doc_lines(field_doc(field), "", indent)
        lines.append(f"{indent}public var {escape(field.prop)}: {swift_type(field)}")
    lines += [
        f"{indent}/// Tagged fields this code does not know, kept so re-encoding preserves them.",
        f"{indent}public var unknownTaggedFields: [TaggedField]",
        "",
        f"{indent}/// Creates a value; every omitted field takes its Kafka default.",
    ]
    params = [f"{escape(f.prop)}: {swift_type(f)} = {f.default}" for f in struct.fields]
    params.append("unknownTaggedFields: [TaggedField] = []")
    lines.append(f"{indent}public init(")
    lines += [f"{indent}    {p}," for p in params[:-1]] + [f"{indent}    {params[-1]}"]
    lines.append(f"{indent}) {{")
    for field in struct.fields:
        lines.append(f"{indent}    self.{escape(field.prop)} = {escape(field.prop)}")
    lines += [f"{indent}    self.unknownTaggedFields = unknownTaggedFields", f"{indent}}}", ""]
    lines += [f"{indent}/// A value with every field at its Kafka default.", f"{indent}public init() {{"]
    for field in struct.fields:
        lines.append(f"{indent}    self.{escape(field.prop)} = {field.default}")
    lines += [f"{indent}    self.unknownTaggedFields = []", f"{indent}}}", ""]
    lines += emit_decode(struct, message, indent)
    lines.append("")
    lines += emit_encode(struct, message, indent)
    return lines


def emit_message(message: Message, partner: str) -> list[str]:
    body = message.body
    protocol = "KafkaRequestMessage" if message.kind == "request" else "KafkaResponseMessage"
    flexible = "nil" if message.flexible is None else str(message.flexible)
    lines = doc_lines(body.doc, f"The Kafka {message.type_name}.", "")
    lines.append(f"public struct {message.type_name}: {protocol} {{")
    if message.kind == "request":
        lines += ["    /// The response type this request is answered with.", f"    public typealias Response = {partner}", ""]
    lines += [
        "    /// The Kafka API key.",
        f"    public static let apiKey: Int16 = {message.key}",
        "    /// The versions TernWire implements.",
        f"    public static let versions: ClosedRange<Int16> = {message.versions.low}...{message.versions.high}",
        "    /// The first flexible version (compact encodings, tagged fields), or nil if none.",
        f"    public static let firstFlexibleVersion: Int16? = {flexible}",
        "",
    ]
    lines += emit_struct_body(body, message, "    ")
    lines.append("}")
    for struct in message.structs:
        lines += ["", f"extension {message.type_name} {{"]
        lines += doc_lines(struct.doc, f"Kafka struct `{struct.swift_name}` of {message.type_name}.", "    ")
        lines.append(f"    public struct {struct.swift_name}: KafkaStruct {{")
        lines += emit_struct_body(struct, message, "        ")
        lines += ["    }", "}"]
    return lines


def uses_bytes(message: Message) -> bool:
    structs = [message.body] + message.structs
    return any(f.type.base in ("bytes", "records") and not f.type.is_struct for s in structs for f in s.fields)


def emit_api(api: Api) -> str:
    lines = header(f"{api.key:02d}_{api.name}.def", f"{api.name} (API key {api.key}).")
    if uses_bytes(api.request) or uses_bytes(api.response):
        lines += ["public import NIOCore", ""]
    lines += emit_message(api.request, api.response.type_name)
    lines.append("")
    lines += emit_message(api.response, api.request.type_name)
    return "\n".join(wrap_long(line) for line in lines) + "\n"


LINE_MAX = 120  # .swift-format column limit (STYLE.md habit 10)


def wrap_long(line: str) -> str:
    """Breaks an over-long generated statement: a call after the `(` that follows `try` (or
    its first `(`), then before `field:` if still too long; an array-writing call with a
    trailing closure around its argument list."""
    stripped = line.lstrip(" ")
    if len(line) <= LINE_MAX or stripped.startswith("//"):
        return line
    indent = line[: len(line) - len(stripped)]
    closure = " { writer, element in"
    if stripped.endswith(closure):
        call = stripped[: -len(closure)]
        cut = call.index("(") + 1
        return f"{indent}{call[:cut]}\n{indent}    {call[cut:-1]}\n{indent}){closure}"
    if not stripped.endswith(")") or "(" not in stripped:
        if ", field: " in stripped:
            before, after = stripped.split(", field: ", 1)
            return f"{indent}{before},\n{indent}field: {after}"
        return line
    anchor = stripped.find("try ")
    cut = stripped.index("(", max(anchor, 0)) + 1
    head, rest = stripped[:cut], stripped[cut:]
    inner = indent + "    "
    if len(inner) + len(rest) > LINE_MAX and ", field: " in rest:
        before, after = rest.split(", field: ", 1)
        return f"{indent}{head}\n{inner}{before},\n{inner}field: {after}"
    return f"{indent}{head}\n{inner}{rest}"
