"""Data model shared by the parser, the validator and the emitters."""

from __future__ import annotations

from dataclasses import dataclass, field as dataclass_field
from typing import Optional

INT_TYPES = {
    "int8": ("Int8", 1, -(2**7), 2**7 - 1),
    "int16": ("Int16", 2, -(2**15), 2**15 - 1),
    "int32": ("Int32", 4, -(2**31), 2**31 - 1),
    "int64": ("Int64", 8, -(2**63), 2**63 - 1),
    "uint16": ("UInt16", 2, 0, 2**16 - 1),
    "uint32": ("UInt32", 4, 0, 2**32 - 1),
}
"""Kafka integer type -> (Swift type, wire bytes, minimum, maximum)."""

FIXED_TYPES = {"bool": 1, "float64": 8, "uuid": 16, **{k: v[1] for k, v in INT_TYPES.items()}}
"""Fixed-width primitive -> wire bytes."""

VARIABLE_TYPES = {"string", "bytes", "records"}
PRIMITIVES = set(FIXED_TYPES) | VARIABLE_TYPES


class DefinitionError(Exception):
    """A definition problem, reported as `path:line: message`."""

    def __init__(self, path: str, line: int, message: str) -> None:
        super().__init__(f"{path}:{line}: {message}")


@dataclass
class Versions:
    """An inclusive version range; `high` None means open-ended (`vA+`)."""

    low: int
    high: Optional[int]

    def clamp(self, low: int, high: int) -> Optional["Versions"]:
        """The intersection with [low, high], or None when empty."""
        new_low = max(self.low, low)
        new_high = high if self.high is None else min(self.high, high)
        if new_low > new_high:
            return None
        return Versions(new_low, new_high)

    def contains(self, version: int) -> bool:
        return self.low <= version and (self.high is None or version <= self.high)

    def text(self) -> str:
        if self.high is None:
            return f"{self.low}+"
        if self.low == self.high:
            return f"{self.low}"
        return f"{self.low}-{self.high}"


@dataclass
class FieldDecl:
    """One field line as written (before validation)."""

    name: str
    type_text: str
    versions: Optional[Versions]
    nullable: bool
    nullable_versions: Optional[Versions]
    tag: Optional[int]
    default: Optional[str]
    doc: list[str]
    line: int
    children: list["FieldDecl"] = dataclass_field(default_factory=list)


@dataclass
class MessageDecl:
    """A `request`/`response` header line with its fields."""

    kind: str
    api: str
    key: int
    versions: Versions
    flexible: Optional[int]
    doc: list[str]
    line: int
    fields: list[FieldDecl] = dataclass_field(default_factory=list)


@dataclass
class StructDecl:
    """A top-level `struct` with its fields."""

    name: str
    doc: list[str]
    line: int
    fields: list[FieldDecl] = dataclass_field(default_factory=list)


@dataclass
class FileDecl:
    """Everything declared in one .def file."""

    messages: list[MessageDecl]
    structs: dict[str, StructDecl]


# ---- validated model -------------------------------------------------------------------------


@dataclass
class TypeRef:
    """A field's type: a primitive or struct name, possibly an array of it."""

    base: str
    is_array: bool
    is_struct: bool


@dataclass
class Field:
    """A validated field: versions clamped to the message range."""

    name: str
    prop: str
    type: TypeRef
    versions: Versions
    nullable_versions: Optional[Versions]
    tag: Optional[int]
    default: str
    optional: bool
    doc: list[str]
    line: int


@dataclass
class Struct:
    """A validated struct (the message body itself is a Struct named after the message type)."""

    swift_name: str
    label: str
    doc: list[str]
    fields: list[Field]
    is_message: bool = False


@dataclass
class Message:
    """A validated request or response with every struct it uses (flattened, file order)."""

    kind: str
    type_name: str
    key: int
    versions: Versions
    flexible: Optional[int]
    body: Struct
    structs: list[Struct]


@dataclass
class Api:
    """One API key: its request and response."""

    key: int
    name: str
    request: Message
    response: Message
