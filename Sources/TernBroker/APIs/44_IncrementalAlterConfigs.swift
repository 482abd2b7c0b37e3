// IncrementalAlterConfigs (key 44): v0–v1.
//
// Behaviour:
// - Topics (resource type 2): SET (0), DELETE (1, back to the default), APPEND (2) and
//   SUBTRACT (3, list configs: cleanup.policy) on the configs Tern honours. The changes of one
//   resource are validated as a whole (INVALID_CONFIG names the config and the problem), made
//   durable in the metadata, then applied to the open partition logs (segment size, retention).
// - ValidateOnly: every check, nothing changed.
// - Unknown topic: UNKNOWN_TOPIC_OR_PARTITION. Broker resources (type 4): INVALID_REQUEST, the
//   broker's settings are static (restart with new settings); other types: INVALID_REQUEST.
import NIOPosix
import Synchronization
import TernModel
import TernTransport
import TernWire

extension Broker {
    func incrementalAlterConfigs(
        _ request: IncrementalAlterConfigsRequest, _ head: KafkaRequestHead
    ) async -> IncrementalAlterConfigsResponse {
        var responses: [IncrementalAlterConfigsResponse.AlterConfigsResourceResponse] = []
        for resource in request.resources {
            var response = IncrementalAlterConfigsResponse.AlterConfigsResourceResponse(
                errorCode: 0, errorMessage: nil, resourceType: resource.resourceType, resourceName: resource.resourceName)
            switch resource.resourceType {
            case 2:
                let changes = resource.configs.map {
                    ConfigChange(operation: $0.configOperation, name: $0.name, value: $0.value)
                }
                let outcome = await alterTopicConfigs(resource.resourceName, changes, validateOnly: request.validateOnly)
                response.errorCode = outcome.error.rawValue
                response.errorMessage = outcome.message
            case 4:
                response.errorCode = ErrorCode.invalidRequest.rawValue
                response.errorMessage = "broker settings are static in Tern: restart the broker with new settings"
            default:
                response.errorCode = ErrorCode.invalidRequest.rawValue
                response.errorMessage = "resource type \(resource.resourceType) is not supported"
            }
            responses.append(response)
        }
        return IncrementalAlterConfigsResponse(throttleTimeMs: 0, responses: responses)
    }
}
