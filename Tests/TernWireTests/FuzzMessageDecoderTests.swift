// Goal: no decoder traps on hostile bytes; each either decodes or throws WireDecodingError.
// Method: bounded, seeded fuzz loop over every generated message type at every version:
// (1) every truncation of a valid encoding (capped in length), (2) valid encodings with a few
// random bytes overwritten, inserted or deleted, (3) purely random buffers. Anything that does
// decode must also re-encode without trapping (a decoded value is valid for its version).

import TernModel
import NIOCore
import Testing
import TernWire

@Suite("Fuzz: message decoders")
struct FuzzMessageDecoderTests {
    /// Per type and version; bounded so the suite stays in seconds on a loaded 2-core machine.
    static let mutationsPerVersion = 100
    static let randomBuffersPerVersion = 60
    static let truncationPrefixesMax = 160

    /// Decodes `bytes` at `version`; a success is re-encoded. Returns whether it decoded.
    @discardableResult
    private func attempt<M: KafkaMessage>(_: M.Type, _ bytes: [UInt8], version: Int16) -> Bool {
        do {
            let value = try M.decode(from: ByteBuffer(bytes: bytes), version: version)
            _ = value.encoded(version: version)
            return true
        } catch {
            return false
        }
    }

    private func mutate(_ input: [UInt8], using rng: inout SplitMix64) -> [UInt8] {
        var bytes = input
        for _ in 0...rng.next(upperBound: UInt8(3)) {
            let position = bytes.isEmpty ? 0 : Int(rng.next(upperBound: UInt64(bytes.count)))
            switch rng.next(upperBound: UInt8(4)) {
            case 0 where !bytes.isEmpty:
                bytes[position] = UInt8.random(in: 0...255, using: &rng)
            case 1 where !bytes.isEmpty:
                bytes[position] = [0x00, 0xFF, 0x7F, 0x80][Int(rng.next(upperBound: UInt8(4)))]
            case 2:
                bytes.insert(UInt8.random(in: 0...255, using: &rng), at: position)
            default:
                if !bytes.isEmpty { bytes.remove(at: position) }
            }
        }
        return bytes
    }

    private func fuzz<M: ArbitraryMessage>(_: M.Type) -> (decoded: Int, refused: Int) {
        var rng = SplitMix64(seed: 0xF022_0000 &+ UInt64(M.apiKey))
        var decoded = 0
        var refused = 0
        func count(_ ok: Bool) {
            if ok { decoded += 1 } else { refused += 1 }
        }
        for version in M.versions {
            let valid = Array(M.arbitrary(version: version, using: &rng).encoded(version: version).readableBytesView)
            for length in 0..<min(valid.count, Self.truncationPrefixesMax) {
                count(attempt(M.self, Array(valid.prefix(length)), version: version))
            }
            for _ in 0..<Self.mutationsPerVersion {
                let seed = Array(M.arbitrary(version: version, using: &rng).encoded(version: version).readableBytesView)
                count(attempt(M.self, mutate(seed, using: &rng), version: version))
            }
            for _ in 0..<Self.randomBuffersPerVersion {
                let length = Int(rng.next(upperBound: UInt8(64)))
                let noise = (0..<length).map { _ in UInt8.random(in: 0...255, using: &rng) }
                count(attempt(M.self, noise, version: version))
            }
        }
        return (decoded, refused)
    }

    @Test("truncated, mutated and random bytes never trap", arguments: MessageTypes.names)
    func neverTraps(name: String) throws {
        let type = try #require(MessageTypes.byName[name])
        let outcome = fuzz(type)
        // Every strict prefix of a valid body is refused, so refusals must have happened; the
        // loop ran (this also guards against an empty version range).
        #expect(outcome.refused > 0)
        #expect(outcome.decoded + outcome.refused > 0)
    }
}
