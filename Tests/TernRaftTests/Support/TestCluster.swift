// Goal: a compact driver for unit tests on top of InteractionEnvironment: build a group, elect
// a leader, reach nodes by id, and inspect queued messages without reading transcripts.
import TernModel

@testable import TernRaft

extension InteractionEnvironment {
    /// A group of `count` voters (plus `learners`), all started, nothing elected.
    static func group(
        _ count: Int, learners: [NodeID] = [], configure: (inout RaftOptions) -> Void = { _ in }
    ) -> InteractionEnvironment {
        var environment = InteractionEnvironment()
        let voters = (1...count).map { NodeID(Int32($0)) }
        let configuration = ClusterConfiguration(voters: voters, learners: learners)
        for id in (voters + learners).sorted() {
            var options = RaftOptions(id: id)
            configure(&options)
            environment.members.append(
                SimulatedMember(
                    id: id, node: nil, storage: MemoryRaftLog(configuration: configuration), options: options))
            environment.start(environment.members.count - 1)
        }
        return environment
    }

    /// A group whose node 1 has been elected and every node has caught up.
    static func electedGroup(
        _ count: Int, learners: [NodeID] = [], configure: (inout RaftOptions) -> Void = { _ in }
    ) throws -> InteractionEnvironment {
        var environment = group(count, learners: learners, configure: configure)
        try environment.with(1) { try $0.campaign() }
        try environment.stabilize([])
        return environment
    }

    /// The live node with id `id` (mutable access).
    func node(_ id: Int32) -> RaftNode {
        members[members.firstIndex { $0.id == NodeID(id) }!].node!
    }

    /// Runs `body` on node `id` in place.
    mutating func with<Result>(_ id: Int32, _ body: (inout RaftNode) throws -> Result) rethrows -> Result {
        let position = members.firstIndex { $0.id == NodeID(id) }!
        return try body(&members[position].node!)
    }

    /// Storage of node `id`.
    func storage(_ id: Int32) -> MemoryRaftLog {
        members[members.firstIndex { $0.id == NodeID(id) }!].storage
    }

    /// Takes node `id`'s Ready without carrying it out (the caller decides what to do).
    mutating func takeReady(_ id: Int32) -> Ready {
        with(id) { $0.ready() }
    }
}
