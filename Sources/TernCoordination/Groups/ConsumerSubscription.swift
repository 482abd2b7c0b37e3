import TernWire

/// The topics of a "consumer" member's subscription (Kafka's `ConsumerProtocolSubscription`:
/// int16 version, then an array of topic names, then fields this reader does not need). The
/// coordinator otherwise treats member metadata as opaque; OffsetDelete needs the topics to
/// refuse deleting the offsets of a topic the group still consumes (GROUP_SUBSCRIBED_TO_TOPIC).
public enum ConsumerSubscription {
    /// The subscribed topics, or nil when the bytes are not a consumer subscription.
    public static func topics(in metadata: [UInt8]) -> [String]? {
        var reader = WireReader(bytes: metadata)
        do throws(WireDecodingError) {
            let version: Int16 = try reader.readInteger(field: "version")
            guard version >= 0 else { return nil }
            return try reader.readArray(compact: false, minElementBytes: 2, field: "topics") {
                (element: inout WireReader) throws(WireDecodingError) in
                try element.readString(compact: false, field: "topic")
            }
        } catch {
            return nil
        }
    }
}
