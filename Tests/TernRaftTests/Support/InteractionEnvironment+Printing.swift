// Goal: readable, deterministic renderings of logs and status for scenario transcripts.
import TernModel
import TernRaft

extension InteractionEnvironment {
    /// Prints a node's stable log, snapshot point, commit and applied positions.
    mutating func printLog(_ position: Int) {
        let member = members[position]
        let storage = member.storage
        say("\(member.id): snapshot \(storage.snapshotMetadata) start=\(storage.logStart)")
        for entry in storage.storedEntries { say("  \(entry)") }
        if let node = member.node {
            say("  commit=\(node.commitIndex) applied=\(node.appliedIndex)")
        } else {
            say("  (down) stored commit=\(storage.hardState.commit)")
        }
    }

    /// Prints a node's full status, progress included.
    mutating func printStatus(_ position: Int) {
        guard let node = members[position].node else {
            say("\(members[position].id): down")
            return
        }
        let status = node.status
        let leaderText = status.leader.map(\.description) ?? "-"
        let voteText = status.vote.map(\.description) ?? "-"
        say(
            "\(status.id): \(status.role) term=\(status.term) vote=\(voteText) leader=\(leaderText) "
                + "commit=\(status.commit) applied=\(status.applied) log=[\(status.logStart),\(status.lastIndex)] "
                + "conf=\(status.configuration)" + (status.transferTarget.map { " transfer->\($0)" } ?? ""))
        for follower in status.progress { say("  \(follower)") }
    }

    /// One line per node: role, term, leader.
    mutating func printRaftState() {
        for member in members {
            guard let node = member.node else {
                say("\(member.id): down")
                continue
            }
            let leaderText = node.currentLeader.map(\.description) ?? "-"
            let role = "\(member.id): \(node.currentRole) term=\(node.currentTerm)"
            say("\(role) leader=\(leaderText) commit=\(node.commitIndex)")
        }
    }
}
