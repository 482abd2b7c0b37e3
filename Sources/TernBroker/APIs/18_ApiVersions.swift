// ApiVersions (key 18): v0–v4.
//
// Behaviour:
// - Lists the advertised ranges (`Broker.advertisedVersions`): only APIs that work, with the low
//   minimums librdkafka 2.0.2 needs to turn its features on (Produce from 0, PROTOCOL.md §1.2).
// - A request above v4 never reaches here: the transport answers UNSUPPORTED_VERSION with the v0
//   body (PROTOCOL.md §1.2 rule 2).
// - v3+ client software names are accepted whatever their characters (lenient, rule 3).
// - No feature flags (the tagged v3+ fields stay at their defaults).
import NIOPosix
import Synchronization
import TernModel
import TernTransport
import TernWire

extension Broker {
    func apiVersions(_ request: ApiVersionsRequest, _ head: KafkaRequestHead) -> ApiVersionsResponse {
        ApiVersionsResponse(errorCode: 0, apiKeys: Self.advertisedVersions.entries, throttleTimeMs: 0)
    }
}
