// Goal: CRC-32C is right, and the hardware path (SSE4.2 / ARMv8 CRC, three interleaved streams)
// agrees with the portable slicing-by-8 tables on every length and alignment.
// Method: the standard check value and other published values; then seeded random buffers of
// every length 0..<2048 and a spread of longer lengths (crossing the 768-byte and 24 KiB
// interleaving thresholds) at all eight alignments, through both paths, plus continuation
// (checksum of a ++ b == checksum of b continuing checksum of a). A bit-at-a-time reference
// written here from the polynomial's definition checks the tables independently.
import TernModel
import NIOCore
import Testing
@testable import TernWire

@Suite struct CRC32CTests {
    /// Bit-at-a-time CRC-32C straight from the definition (reflected polynomial 0x82F63B78).
    static func reference(_ bytes: [UInt8]) -> UInt32 {
        var crc: UInt32 = 0xFFFF_FFFF
        for byte in bytes {
            crc ^= UInt32(byte)
            for _ in 0..<8 {
                crc = crc & 1 == 1 ? (crc >> 1) ^ 0x82F6_3B78 : crc >> 1
            }
        }
        return ~crc
    }

    @Test func standardCheckValue() {
        let digits = Array("123456789".utf8)
        #expect(CRC32C.checksum(digits) == 0xE306_9283)
        digits.withUnsafeBytes { raw in
            #expect(CRC32C.portableChecksum(raw) == 0xE306_9283)
            #expect(CRC32C.hardwareChecksum(raw) == 0xE306_9283)
        }
        #expect(Self.reference(digits) == 0xE306_9283)
    }

    @Test func publishedValues() {
        // RFC 3720 (iSCSI) appendix B.4 test patterns.
        #expect(CRC32C.checksum([UInt8](repeating: 0, count: 32)) == 0x8A91_36AA)
        #expect(CRC32C.checksum([UInt8](repeating: 0xFF, count: 32)) == 0x62A8_AB43)
        #expect(CRC32C.checksum((0..<32).map { UInt8($0) }) == 0x46DD_794E)
        #expect(CRC32C.checksum((0..<32).map { UInt8(31 - $0) }) == 0x113F_DB5C)
        #expect(CRC32C.checksum([]) == 0)
    }

    @Test func hardwareIsUsedWhereTheCPUHasIt() {
        #if arch(x86_64) || arch(arm64)
        // Every x86_64 and arm64 CI machine this project runs on has the instructions; report
        // plainly if one does not, since the comparison below would then compare tables with tables.
        #expect(CRC32C.isHardwareAvailable, "CPU lacks CRC-32C instructions: hardware path not exercised")
        #endif
    }

    @Test func portableAndHardwareAgreeOnAllLengthsAndAlignments() {
        var generator = SplitMix64(seed: 0xC2C3_2C00)
        let storage = (0..<(200_000 + 8)).map { _ in UInt8.random(in: 0...255, using: &generator) }
        var lengths = Array(0..<2048)
        lengths += [2303, 2304, 2305, 24_575, 24_576, 24_577, 24_576 + 767, 50_000, 73_728 + 5, 200_000]
        storage.withUnsafeBytes { all in
            for length in lengths {
                for alignment in 0..<8 {
                    let slice = UnsafeRawBufferPointer(rebasing: all[alignment..<(alignment + length)])
                    let seed = UInt32(truncatingIfNeeded: length &* 2_654_435_761)
                    let portable = CRC32C.portableChecksum(slice, continuing: seed)
                    let hardware = CRC32C.hardwareChecksum(slice, continuing: seed)
                    #expect(portable == hardware, "length \(length) alignment \(alignment)")
                }
            }
        }
    }

    @Test func tablesMatchTheBitwiseDefinition() {
        var generator = SplitMix64(seed: 7)
        for length in [1, 7, 8, 9, 63, 64, 65, 1000, 4099] {
            let bytes = (0..<length).map { _ in UInt8.random(in: 0...255, using: &generator) }
            let expected = Self.reference(bytes)
            bytes.withUnsafeBytes { raw in
                #expect(CRC32C.portableChecksum(raw) == expected, "length \(length)")
                #expect(CRC32C.hardwareChecksum(raw) == expected, "length \(length)")
            }
        }
    }

    @Test func checksumsContinueAcrossPieces() {
        var generator = SplitMix64(seed: 99)
        let bytes = (0..<100_000).map { _ in UInt8.random(in: 0...255, using: &generator) }
        let whole = CRC32C.checksum(bytes)
        for cut in [0, 1, 13, 768, 24_576, 99_999, 100_000] {
            let head = CRC32C.checksum(Array(bytes[..<cut]))
            #expect(CRC32C.checksum(Array(bytes[cut...]), continuing: head) == whole, "cut \(cut)")
        }
        #expect(CRC32C.checksum(ByteBuffer(bytes: bytes)) == whole)
    }
}
