import TernModel

extension RaftNode {
    /// Feeds one message from a peer. The term comparison happens here once for every role
    /// (Raft §5.1: a higher term turns anyone into a follower; a lower one is stale); the rest
    /// goes to the role's step function.
    /// - Throws: `RaftStepError` when the message is dropped (always safe).
    public mutating func step(_ message: Message) throws(RaftStepError) {
        guard message.to == id else { throw .wrongRecipient }
        guard message.from != id else { throw .unexpected }
        if case .append(let request) = message.kind, !request.isWellFormed { throw .malformed }
        if message.term > term {
            try stepHigherTerm(message)
        } else if message.term < term {
            stepLowerTerm(message)
            throw .staleTerm
        }
        switch message.kind {
        case .preVoteRequest(let lastLog):
            answerVoteRequest(message, lastLog: lastLog, preVote: true)
        case .voteRequest(let lastLog, _):
            answerVoteRequest(message, lastLog: lastLog, preVote: false)
        default:
            try stepRole(message)
        }
    }

    /// Dispatches to the current role's step function.
    mutating func stepRole(_ message: Message) throws(RaftStepError) {
        switch role {
        case .follower: try stepFollower(message)
        case .preCandidate: try stepPreCandidate(message)
        case .candidate: try stepCandidate(message)
        case .leader: try stepLeader(message)
        }
    }

    /// A message from a later term: honour the leader lease, then follow the new term unless
    /// the message is a pre-vote exchange (which never changes terms).
    private mutating func stepHigherTerm(_ message: Message) throws(RaftStepError) {
        switch message.kind {
        case .preVoteRequest, .voteRequest:
            var transfer = false
            if case .voteRequest(_, let isTransfer) = message.kind { transfer = isTransfer }
            let inLease = options.checkQuorum && leader != nil && electionElapsed < options.electionTicks
            if inLease && !transfer {
                if case .preVoteRequest = message.kind { preVoteRefusedByLease = message }
                throw .leaderLease
            }
            if case .voteRequest = message.kind { becomeFollower(term: message.term, leader: nil) }
        case .preVoteResponse(let granted):
            // A granted pre-vote echoes the term we would campaign in; it is not a newer term.
            if !granted { becomeFollower(term: message.term, leader: nil) }
        case .append, .heartbeat, .installSnapshot:
            becomeFollower(term: message.term, leader: message.from)
        case .voteResponse, .appendResponse, .heartbeatResponse, .timeoutNow:
            becomeFollower(term: message.term, leader: nil)
        }
    }

    /// A message from an earlier term. A stale leader is told the newer term so it steps down
    /// (needed with check-quorum and pre-vote, where this node may never campaign against it);
    /// a pre-vote request is rejected explicitly so the asker learns it is behind.
    private mutating func stepLowerTerm(_ message: Message) {
        switch message.kind {
        case .append, .heartbeat:
            guard options.checkQuorum || options.preVote else { return }
            send(to: message.from, .heartbeatResponse)
        case .preVoteRequest:
            send(to: message.from, .preVoteResponse(granted: false))
        default:
            return
        }
    }

    /// RequestVote / PreVote handling for every role (§5.2, §5.4.1, §9.6). A node grants when it
    /// has not voted for someone else in the term (for a pre-vote: when the asker's term is
    /// ahead) and the asker's log is at least as up to date. A granted real vote is recorded
    /// and its response may leave only once that vote is durable.
    private mutating func answerVoteRequest(_ message: Message, lastLog: EntryID, preVote: Bool) {
        let canVote =
            vote == message.from
            || (vote == nil && leader == nil)
            || (preVote && message.term > term)
        let granted = canVote && log.isUpToDate(lastLog)
        if preVote {
            // Granted: echo the asker's future term. Rejected: our term, so it can catch up.
            let responseTerm = granted ? message.term : term
            send(to: message.from, .preVoteResponse(granted: granted), term: responseTerm)
            if !granted, canVote, campaignIfAheadOfAsker, role == .follower, leader == nil,
                configurations.current.isVoter(id)
            {
                // Our leader is gone and the node chosen to replace it is behind us: go now.
                campaignIfAheadOfAsker = false
                electionElapsed = 0
                startElection(transfer: false)
            }
            return
        }
        precondition(message.term == term, "vote requests are answered in their own term")
        if granted {
            electionElapsed = 0
            vote = message.from
        }
        send(to: message.from, .voteResponse(granted: granted))
    }
}
