public import TernWire

/// Why a client call failed. Every error names the broker (or the bootstrap list) it concerns,
/// so one line says what went wrong where.
public struct ClientError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Kind: Sendable, Equatable {
        /// No connection could be made (refused, unreachable, timed out while connecting).
        case unreachable
        /// The connection ended with the request unanswered.
        case connectionLost
        /// No answer within the request timeout.
        case timedOut
        /// The broker does not serve a version of the API this client speaks.
        case unsupportedVersion
        /// The broker's answer did not decode.
        case malformedResponse
        /// The broker answered with a Kafka error.
        case broker(ErrorCode)
        /// Too many requests in flight, or too many records buffered.
        case overloaded
        /// The client (or producer) was closed.
        case closed
        /// The caller asked for something that cannot be done (an unknown topic, a bad record).
        case invalidArgument
    }

    public var kind: Kind
    public var detail: String

    public init(_ kind: Kind, _ detail: String) {
        self.kind = kind
        self.detail = detail
    }

    /// Whether retrying (after a metadata refresh) may succeed.
    public var isRetriable: Bool {
        switch kind {
        case .unreachable, .connectionLost, .timedOut: true
        case .broker(let code): code.isRetriable
        case .unsupportedVersion, .malformedResponse, .overloaded, .closed, .invalidArgument: false
        }
    }

    public var description: String {
        switch kind {
        case .broker(let code): "\(code): \(detail)"
        default: "\(kind): \(detail)"
        }
    }
}
