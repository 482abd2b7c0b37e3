// Goal: the scenario command language (etcd datadriven style). Each command mutates the world
// and returns its transcript. Usage examples precede each handler.
import TernModel
import TernRaft

/// A parsed command line: a name, positional arguments and key=value arguments.
struct ScenarioCommand {
    var name: String
    var positional: [String] = []
    var named: [String: String] = [:]

    init(_ line: String) {
        let words = line.split(separator: " ").map(String.init)
        name = words.first ?? ""
        for word in words.dropFirst() {
            if let equals = word.firstIndex(of: "=") {
                named[String(word[..<equals])] = String(word[word.index(after: equals)...])
            } else {
                positional.append(word)
            }
        }
    }

    /// Positional node ids (the `|` separator is skipped by callers that need it).
    func ids() throws(ScenarioError) -> [NodeID] {
        var result: [NodeID] = []
        for word in positional where word != "|" { result.append(try parseID(word)) }
        return result
    }

    func int(_ key: String) throws(ScenarioError) -> Int64? {
        guard let text = named[key] else { return nil }
        guard let value = Int64(text) else { throw ScenarioError(message: "\(key)=\(text) is not a number") }
        return value
    }

    func idList(_ key: String) throws(ScenarioError) -> [NodeID]? {
        guard let text = named[key] else { return nil }
        var result: [NodeID] = []
        for part in text.trimmingCharacters(in: CharacterSetLite(characters: ["(", ")"])).split(separator: ",") {
            result.append(try parseID(String(part)))
        }
        return result
    }
}

func parseID(_ text: String) throws(ScenarioError) -> NodeID {
    guard let value = Int32(text) else { throw ScenarioError(message: "'\(text)' is not a node id") }
    return NodeID(value)
}

extension InteractionEnvironment {
    /// Runs one command line and returns its transcript ("ok" when silent).
    mutating func run(_ line: String) throws(ScenarioError) -> String {
        output = []
        let command = ScenarioCommand(line)
        switch command.name {
        // add-nodes 3 [voters=(1,2,3)] [learners=(4)] [prevote=false] [checkquorum=false] [election=10]
        //   [inflight=N] [max-entries=N] [faults=commit-previous-term]
        case "add-nodes": try addNodes(command)
        // campaign 1
        case "campaign": try campaign(command)
        // propose 1 records=3 [bytes=10]
        case "propose": try propose(command)
        // propose-conf-change 1 add-voter=4 | add-learner=4 | promote=4 | remove=4
        case "propose-conf-change": try proposeConfigurationChange(command)
        // process-ready 1 2
        case "process-ready":
            for id in try command.ids() { processReady(try position(of: id)) }
        // deliver-msgs [1 2] [drop=(3)]
        case "deliver-msgs": try deliverMessages(command)
        // stabilize [1 2]
        case "stabilize": try stabilize(try command.ids())
        // partition 1 | 2 3
        case "partition": try partition(command)
        // heal
        case "heal":
            partitions = []
            say("healed")
        // tick 1 [count] [stabilize] | tick all [count] [stabilize]  (stabilize after every tick)
        case "tick": try tick(command)
        // transfer-leadership from=1 to=3
        case "transfer-leadership": try transferLeadership(command)
        // crash 1 / restart 1
        case "crash": try crash(command)
        case "restart": try restart(command)
        // compact 1 index=5
        case "compact": try compact(command)
        // report-unreachable 1 peer=2
        case "report-unreachable":
            let position = try position(of: try command.ids()[0])
            guard let peer = try command.int("peer") else { throw ScenarioError(message: "peer= missing") }
            withNode(position) { $0.reportUnreachable(NodeID(Int32(peer))) }
        // log 1
        case "log": for id in try command.ids() { printLog(try position(of: id)) }
        // status 1
        case "status": for id in try command.ids() { printStatus(try position(of: id)) }
        // raft-state
        case "raft-state": printRaftState()
        default: throw ScenarioError(message: "unknown command '\(command.name)'")
        }
        return output.isEmpty ? "ok" : Self.coalesced(output).joined(separator: "\n")
    }

    /// Collapses runs of identical lines into one line with a count, so that dozens of dropped
    /// heartbeats read as one line.
    static func coalesced(_ lines: [String]) -> [String] {
        var result: [String] = []
        var run = 0
        for (position, line) in lines.enumerated() {
            run += 1
            if position + 1 < lines.count && lines[position + 1] == line { continue }
            result.append(run > 1 ? "\(line) (x\(run))" : line)
            run = 0
        }
        return result
    }

    private mutating func addNodes(_ command: ScenarioCommand) throws(ScenarioError) {
        guard let countText = command.positional.first, let count = Int(countText) else {
            throw ScenarioError(message: "add-nodes needs a count")
        }
        let firstID = Int32(members.count + 1)
        let ids = (0..<count).map { NodeID(firstID + Int32($0)) }
        let voters = try command.idList("voters") ?? ids
        let learners = try command.idList("learners") ?? []
        let configuration = ClusterConfiguration(voters: voters, learners: learners)
        for id in ids {
            var options = RaftOptions(id: id)
            if command.named["prevote"] == "false" { options.preVote = false }
            if command.named["checkquorum"] == "false" { options.checkQuorum = false }
            if let election = try command.int("election") { options.electionTicks = Int(election) }
            if let window = try command.int("inflight") { options.inflightMessagesMax = Int(window) }
            if let perMessage = try command.int("max-entries") { options.entriesPerMessageMax = Int(perMessage) }
            if command.named["faults"] == "commit-previous-term" {
                options.testingFaults = [.commitPreviousTermByCounting]
            }
            let member = SimulatedMember(
                id: id, node: nil, storage: MemoryRaftLog(configuration: configuration), options: options)
            members.append(member)
            start(members.count - 1)
            say("INFO \(id) started as follower at term 0 in \(configuration)")
        }
    }

    private mutating func campaign(_ command: ScenarioCommand) throws(ScenarioError) {
        let position = try position(of: try command.ids()[0])
        do {
            try withNode(position) { node throws(RaftError) in try node.campaign() }
        } catch {
            say("refused: \(error)")
        }
    }

    private mutating func propose(_ command: ScenarioCommand) throws(ScenarioError) {
        let position = try position(of: try command.ids()[0])
        let records = try command.int("records") ?? 1
        let bytes = Int(try command.int("bytes") ?? 0)
        do {
            var proposed: EntryID?
            try withNode(position) { node throws(RaftError) in
                proposed = try node.propose(recordCount: records, payload: [UInt8](repeating: 7, count: bytes))
            }
            if let proposed { say("proposed \(proposed)") }
        } catch {
            say("refused: \(error)")
        }
    }

    private mutating func proposeConfigurationChange(_ command: ScenarioCommand) throws(ScenarioError) {
        let position = try position(of: try command.ids()[0])
        let change: ConfigurationChange
        if let id = try command.int("add-voter") {
            change = .addVoter(NodeID(Int32(id)))
        } else if let id = try command.int("add-learner") {
            change = .addLearner(NodeID(Int32(id)))
        } else if let id = try command.int("promote") {
            change = .promoteLearner(NodeID(Int32(id)))
        } else if let id = try command.int("remove") {
            change = .remove(NodeID(Int32(id)))
        } else {
            throw ScenarioError(message: "propose-conf-change needs add-voter=, add-learner=, promote= or remove=")
        }
        // A node added by a change gets a fresh member with an empty log and no configuration
        // knowledge beyond the bootstrap one it is given (it learns the rest from the leader).
        try ensureMember(for: change, leaderPosition: position)
        do {
            var proposed: EntryID?
            try withNode(position) { node throws(RaftError) in proposed = try node.proposeConfigurationChange(change) }
            if let proposed { say("proposed \(proposed)") }
        } catch {
            say("refused: \(error)")
        }
    }

    /// Creates the member a change adds, if it does not exist yet.
    private mutating func ensureMember(for change: ConfigurationChange, leaderPosition: Int) throws(ScenarioError) {
        let added: NodeID
        switch change {
        case .addVoter(let id), .addLearner(let id): added = id
        case .promoteLearner, .remove: return
        }
        guard !members.contains(where: { $0.id == added }) else { return }
        guard added.rawValue == Int32(members.count + 1) else { throw ScenarioError(message: "add nodes in id order") }
        let options = members[leaderPosition].options
        var fresh = RaftOptions(id: added)
        fresh.preVote = options.preVote
        fresh.checkQuorum = options.checkQuorum
        fresh.electionTicks = options.electionTicks
        // The new member knows only the current voters; it is a learner of that configuration
        // from its own point of view until the leader's log tells it otherwise.
        let current = members[leaderPosition].node?.configuration ?? ClusterConfiguration(voters: [])
        let bootstrap = ClusterConfiguration(voters: current.voters, learners: current.learners)
        members.append(
            SimulatedMember(id: added, node: nil, storage: MemoryRaftLog(configuration: bootstrap), options: fresh))
        start(members.count - 1)
        say("INFO \(added) started as follower at term 0 in \(bootstrap)")
    }

    private mutating func deliverMessages(_ command: ScenarioCommand) throws(ScenarioError) {
        if let dropped = try command.idList("drop") {
            for id in dropped { try deliver(to: id, drop: true) }
            return
        }
        let ids = try command.ids()
        if ids.isEmpty {
            try deliver(to: nil)
        } else {
            for id in ids { try deliver(to: id) }
        }
    }

    private mutating func partition(_ command: ScenarioCommand) throws(ScenarioError) {
        var groups: [[NodeID]] = [[]]
        for word in command.positional {
            if word == "|" {
                groups.append([])
            } else {
                groups[groups.count - 1].append(try parseID(word))
            }
        }
        partitions = groups
        say("partitioned " + groups.map { $0.map(\.description).joined(separator: " ") }.joined(separator: " | "))
    }

    private mutating func tick(_ command: ScenarioCommand) throws(ScenarioError) {
        let count = command.positional.count > 1 ? Int(command.positional[1]) ?? 1 : 1
        guard count <= 10_000 else { throw ScenarioError(message: "tick count too large") }
        let targets: [NodeID]
        if command.positional.first == "all" {
            targets = members.map(\.id)
        } else {
            targets = [try parseID(command.positional.first ?? "")]
        }
        let settle = command.positional.contains("stabilize")
        for _ in 0..<count {
            for id in targets {
                let position = try position(of: id)
                if members[position].node != nil { withNode(position) { $0.tick() } }
            }
            if settle { try stabilize([]) }
        }
    }

    private mutating func transferLeadership(_ command: ScenarioCommand) throws(ScenarioError) {
        guard let from = try command.int("from"), let to = try command.int("to") else {
            throw ScenarioError(message: "transfer-leadership needs from= and to=")
        }
        let position = try position(of: NodeID(Int32(from)))
        do {
            try withNode(position) { node throws(RaftError) in try node.transferLeadership(to: NodeID(Int32(to))) }
        } catch {
            say("refused: \(error)")
        }
    }

    private mutating func crash(_ command: ScenarioCommand) throws(ScenarioError) {
        for id in try command.ids() {
            let position = try position(of: id)
            members[position].node = nil
            network.removeAll { $0.to == id }
            say("crashed \(id)")
        }
    }

    private mutating func restart(_ command: ScenarioCommand) throws(ScenarioError) {
        for id in try command.ids() {
            let position = try position(of: id)
            members[position].restarts += 1
            start(position)
            let storage = members[position].storage
            say("restarted \(id): \(storage.hardState) last=\(storage.lastIndex)")
        }
    }

    private mutating func compact(_ command: ScenarioCommand) throws(ScenarioError) {
        let position = try position(of: try command.ids()[0])
        guard let index = try command.int("index") else { throw ScenarioError(message: "index= missing") }
        members[position].storage.compact(through: Offset(index))
        withNode(position) { $0.logStartDidMove() }
        say("log start of \(members[position].id) is now \(members[position].storage.logStart)")
    }
}
