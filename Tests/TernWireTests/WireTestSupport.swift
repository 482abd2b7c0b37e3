// Shared helpers for the primitive and header tests (one copy instead of one per suite).

import NIOCore
import TernWire

/// The bytes `write` appends to a fresh `WireWriter`, as an array for comparing with golden bytes.
func bytes(_ write: (inout WireWriter) -> Void) -> [UInt8] {
    var writer = WireWriter()
    write(&writer)
    return Array(writer.buffer.readableBytesView)
}
