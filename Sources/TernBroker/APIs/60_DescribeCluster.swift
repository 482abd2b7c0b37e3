// DescribeCluster (key 60): v0–v1 (flexible from v0).
//
// Behaviour:
// - Cluster id, controller id and the brokers with their advertised addresses (the Java
//   AdminClient, kafka-ui and AKHQ use this instead of Metadata).
// - v1 EndpointType 1 (brokers) and 2 (controllers) get the same nodes: Tern's controllers are
//   its brokers.
// - Authorized operations, when asked for: all the cluster supports (no authorizer).
import NIOPosix
import Synchronization
import TernModel
import TernTransport
import TernWire

extension Broker {
    func describeCluster(_ request: DescribeClusterRequest, _ head: KafkaRequestHead) -> DescribeClusterResponse {
        return DescribeClusterResponse(
            errorCode: 0, endpointType: request.endpointType, clusterId: clusterID,
            controllerId: (controllerLeader.leader ?? nodeID).rawValue,
            brokers: knownBrokers.map {
                DescribeClusterResponse.DescribeClusterBroker(brokerId: $0.id, host: $0.host, port: $0.port)
            },
            clusterAuthorizedOperations: request.includeClusterAuthorizedOperations
                ? AuthorizedOperations.cluster : Int32.min)
    }
}
