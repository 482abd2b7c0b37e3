// Goal: every generated request and response type round-trips at every version in its range.
// Method: property test. For each type and version, many random values valid at that version
// (generated `arbitrary(version:using:)`: absent fields at their defaults, nulls only where
// allowed, random unknown tagged fields in flexible versions) from a fixed seed are encoded,
// decoded (which must consume every byte), compared for equality, and re-encoded to the same
// bytes. The registry is checked to list exactly the generated types.

import TernModel
import NIOCore
import Testing
import TernWire

/// Looks up a generated message type by name (test arguments must be Sendable strings).
enum MessageTypes {
    static let byName: [String: any ArbitraryMessage.Type] = Dictionary(
        uniqueKeysWithValues: allArbitraryMessageTypes.map { (String(describing: $0), $0) })
    static let names: [String] = allArbitraryMessageTypes.map { String(describing: $0) }
}

@Suite("Messages: round trips")
struct MessageRoundTripTests {
    /// Values per version: enough to hit nulls, empties, unknown tags and nested arrays many
    /// times over while keeping the suite to a few seconds in debug builds.
    static let valuesPerVersion = 40

    private func roundTrip<M: ArbitraryMessage>(_: M.Type) {
        var rng = SplitMix64(seed: 0xC0DE_0000 &+ UInt64(M.apiKey))
        for version in M.versions {
            for iteration in 0..<Self.valuesPerVersion {
                let value = M.arbitrary(version: version, using: &rng)
                let bytes = value.encoded(version: version)
                let decoded: M
                do {
                    decoded = try M.decode(from: bytes, version: version)
                } catch {
                    Issue.record("\(M.self) v\(version) #\(iteration): \(error)")
                    return
                }
                guard decoded == value else {
                    Issue.record("\(M.self) v\(version) #\(iteration): decoded value differs")
                    return
                }
                guard decoded.encoded(version: version) == bytes else {
                    Issue.record("\(M.self) v\(version) #\(iteration): re-encoding differs")
                    return
                }
            }
        }
    }

    @Test("encode → decode → equal → re-encode identical", arguments: MessageTypes.names)
    func roundTrips(name: String) throws {
        let type = try #require(MessageTypes.byName[name])
        roundTrip(type)
    }

    @Test("the registry lists every generated API once, with matching request and response")
    func registry() {
        #expect(ApiRegistry.all.count * 2 == allArbitraryMessageTypes.count)
        #expect(Set(ApiRegistry.all.map(\.apiKey)).count == ApiRegistry.all.count)
        #expect(ApiRegistry.all.map(\.apiKey.rawValue) == ApiRegistry.all.map(\.apiKey.rawValue).sorted())
        for descriptor in ApiRegistry.all {
            #expect(descriptor.request.apiKey == descriptor.apiKey.rawValue)
            #expect(descriptor.response.apiKey == descriptor.apiKey.rawValue)
            #expect(descriptor.request.versions == descriptor.versions)
            #expect(descriptor.response.versions == descriptor.versions)
            #expect(descriptor.request.firstFlexibleVersion == descriptor.firstFlexibleVersion)
        }
        // The implemented ranges of PROTOCOL.md §1.3 for a few APIs clients depend on.
        #expect(ApiRegistry.descriptor(for: .produce).versions == 3...10)
        #expect(ApiRegistry.descriptor(for: .apiVersions).versions == 0...4)
        #expect(ApiRegistry.descriptor(for: .metadata).versions == 0...13)
        #expect(ApiRegistry.descriptor(for: Int16(17)) == nil)
    }

    @Test("decoding a version outside the range is a typed error")
    func unsupportedVersion() {
        let body = ByteBuffer(bytes: [0x00, 0x00])
        #expect(throws: WireDecodingError(.unsupportedVersion(apiKey: 0, version: 2), field: "ProduceRequest")) {
            try ProduceRequest.decode(from: body, version: 2)
        }
        #expect(throws: WireDecodingError(.unsupportedVersion(apiKey: 18, version: 5), field: "ApiVersionsRequest")) {
            try ApiVersionsRequest.decode(from: body, version: 5)
        }
    }
}
