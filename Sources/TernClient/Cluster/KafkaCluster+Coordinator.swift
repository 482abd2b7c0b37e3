public import TernModel
public import TernWire

extension KafkaCluster {
    /// The coordinator of `group` (FindCoordinator at any broker; v4 batches keys, earlier
    /// versions carry one).
    public func coordinator(ofGroup group: String) async throws(ClientError) -> NodeID {
        let connection = try await anyConnection()
        var request = FindCoordinatorRequest()
        request.key = group
        request.keyType = 0
        request.coordinatorKeys = [group]
        let version = min(await connection.version(of: FindCoordinatorRequest.self) ?? 0, 4)
        let response = try await connection.call(request, version: version, timeout: configuration.requestTimeout)
        let (code, node) =
            version >= 4
            ? (response.coordinators.first?.errorCode ?? -1, response.coordinators.first?.nodeId ?? -1)
            : (response.errorCode, response.nodeId)
        guard code == 0, node >= 0 else {
            throw ClientError(.broker(ErrorCode(rawValue: code)), "FindCoordinator for group \(group) at \(connection.address)")
        }
        return NodeID(node)
    }

    /// Sends `request` to `group`'s coordinator at the highest version both sides speak (at most
    /// `versionMax`), finding the coordinator again and retrying while it moves or loads.
    public func callCoordinator<Request: KafkaRequestMessage>(
        ofGroup group: String, _ request: Request, versionMax: Int16 = .max,
        retry: (Request.Response) -> ErrorCode? = { _ in nil }
    ) async throws(ClientError) -> Request.Response {
        var last: ClientError?
        var backoff = configuration.retryBackoff
        // Bounded: a few rounds while the coordinator moves.
        for _ in 0..<10 {
            do throws(ClientError) {
                let node = try await coordinator(ofGroup: group)
                let connection = try await connection(to: node)
                guard let highest = await connection.version(of: Request.self) else {
                    throw ClientError(.unsupportedVersion, "\(connection.address) serves no version of API \(Request.apiKey)")
                }
                let response = try await connection.call(request, version: min(highest, versionMax), timeout: configuration.requestTimeout)
                if let code = retry(response), code == .notCoordinator || code == .coordinatorNotAvailable
                    || code == .coordinatorLoadInProgress
                {
                    last = ClientError(.broker(code), "group \(group) at broker \(node)")
                } else {
                    return response
                }
            } catch {
                guard error.isRetriable else { throw error }
                last = error
            }
            try? await Task.sleep(for: backoff)
            backoff = min(backoff * 2, configuration.retryBackoffMax)
        }
        throw last ?? ClientError(.timedOut, "group \(group): no coordinator answered")
    }
}
