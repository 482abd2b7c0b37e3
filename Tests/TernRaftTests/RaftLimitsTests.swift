// Goal: the Raft limits in Limits+Raft.swift are consistent with each other and with the
// defaults RaftOptions takes from them (Swift has no static_assert). Method: direct comparisons.
import TernModel
import TernRaft
import Testing

@Suite struct RaftLimitsTests {
    @Test func limitsNest() {
        #expect(Limits.raftMessageBytesMax <= Limits.raftInflightBytesMax, "one message fits the in-flight window")
        #expect(Limits.raftEntriesPerMessageMax <= Limits.raftUnstableEntriesMax, "a message fits the unstable log")
        #expect(Limits.raftMembersMax >= 5, "Tern replicates up to 5 ways")
        #expect(
            Limits.raftCommittedEntriesPerReadyMax >= Limits.raftEntriesPerMessageMax, "apply keeps up with appends")
        #expect(Limits.raftElectionTicksMax >= 10, "the default election timeout is allowed")
    }

    @Test func defaultOptionsUseTheLimits() {
        let options = RaftOptions(id: NodeID(1))
        #expect(options.inflightMessagesMax == Limits.raftInflightMessagesMax)
        #expect(options.inflightBytesMax == Limits.raftInflightBytesMax)
        #expect(options.entriesPerMessageMax == Limits.raftEntriesPerMessageMax)
        #expect(options.messageBytesMax == Limits.raftMessageBytesMax)
        #expect(options.heartbeatTicks < options.electionTicks)
        #expect(options.testingFaults.isEmpty, "fault switches are off by default")
    }
}
