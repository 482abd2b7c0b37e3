import TernModel

extension RaftNode {
    /// Follower, pre-candidate and candidate tick: campaign when the randomized timeout passes
    /// without hearing from a leader (§5.2).
    mutating func tickElection() {
        guard configurations.current.isVoter(id) else {
            // Not a voter (yet, as far as this log knows): never campaign, but let the leader
            // lease lapse, so this node can still grant a vote the real configuration needs.
            // Resetting the counter here kept the lease alive for ever (simulator seed 91987:
            // no leader could be elected after healing). etcd has the same rule.
            electionElapsed = min(electionElapsed + 1, options.electionTicks)
            return
        }
        electionElapsed += 1
        guard electionElapsed >= randomizedElectionTimeout else { return }
        electionElapsed = 0
        startElection(transfer: false)
    }

    /// Starts a pre-vote round, or (without pre-vote, or after TimeoutNow) a real election.
    mutating func startElection(transfer: Bool) {
        precondition(role != .leader, "a leader does not campaign")
        precondition(configurations.current.isVoter(id), "only voters campaign")
        if options.preVote && !transfer {
            becomePreCandidate()
        } else {
            becomeCandidate(transfer: transfer)
        }
    }

    /// Draws this term's election timeout in [electionTicks, 2*electionTicks).
    mutating func resetRandomizedElectionTimeout() {
        randomizedElectionTimeout = options.electionTicks + random.next(below: options.electionTicks)
    }

    /// Common reset when the role or term changes.
    private mutating func reset(term newTerm: Term) {
        precondition(newTerm >= term, "terms never go backwards")
        if newTerm != term {
            term = newTerm
            vote = nil
        }
        leader = nil
        electionElapsed = 0
        heartbeatElapsed = 0
        campaignIfAheadOfAsker = false
        preVoteRefusedByLease = nil
        resetRandomizedElectionTimeout()
        progress = []
        votes = []
        transferTarget = nil
        transferElapsed = 0
    }

    mutating func becomeFollower(term newTerm: Term, leader newLeader: NodeID?) {
        reset(term: newTerm)
        role = .follower
        leader = newLeader
    }

    private mutating func becomePreCandidate() {
        // A pre-candidate keeps its term and vote: nothing changes unless it could win.
        votes = []
        leader = nil
        role = .preCandidate
        electionElapsed = 0
        resetRandomizedElectionTimeout()
        requestVotes(preVote: true, transfer: false)
    }

    private mutating func becomeCandidate(transfer: Bool) {
        reset(term: term.next)
        vote = id
        role = .candidate
        requestVotes(preVote: false, transfer: transfer)
    }

    /// Sends (pre-)vote requests to every other voter, in id order, and counts our own vote.
    private mutating func requestVotes(preVote: Bool, transfer: Bool) {
        let lastLog = log.lastEntryID
        for voter in configurations.current.voters where voter != id {
            if preVote {
                send(to: voter, .preVoteRequest(lastLog: lastLog), term: term.next)
            } else {
                send(to: voter, .voteRequest(lastLog: lastLog, transfer: transfer))
            }
        }
        recordVote(from: id, granted: true)
    }

    /// Records a (pre-)vote and acts on the result. Our own vote counts at once: the vote
    /// requests are only released after the vote is durable (`Ready.messages`), so no peer's
    /// grant can arrive before that.
    mutating func recordVote(from voter: NodeID, granted: Bool) {
        guard configurations.current.isVoter(voter) else { return }
        guard !votes.contains(where: { $0.voter == voter }) else { return }
        votes.append((voter, granted))
        let grantedCount = votes.filter(\.granted).count
        let result = Quorum.voteResult(
            granted: grantedCount, rejected: votes.count - grantedCount,
            voterCount: configurations.current.voters.count)
        switch result {
        case .pending: return
        case .lost: becomeFollower(term: term, leader: nil)
        case .won:
            if role == .preCandidate {
                becomeCandidate(transfer: false)
            } else {
                becomeLeader()
            }
        }
    }

    /// Pre-candidate: collect pre-votes; a leader's message of our term or later makes us follow.
    mutating func stepPreCandidate(_ message: Message) throws(RaftStepError) {
        switch message.kind {
        case .preVoteResponse(let granted):
            guard message.term == term.next || !granted else { throw .unexpected }
            // Stale answers from an earlier round of this term are harmless: same question.
            recordVote(from: message.from, granted: granted)
        case .append, .heartbeat, .installSnapshot:
            becomeFollower(term: message.term, leader: message.from)
            try stepFollower(message)
        default:
            throw .unexpected
        }
    }

    /// Candidate: collect votes; another leader of this term makes us follow (§5.2).
    mutating func stepCandidate(_ message: Message) throws(RaftStepError) {
        switch message.kind {
        case .voteResponse(let granted):
            recordVote(from: message.from, granted: granted)
        case .preVoteResponse:
            // A late pre-vote answer: the pre-vote already succeeded.
            return
        case .append, .heartbeat, .installSnapshot:
            becomeFollower(term: message.term, leader: message.from)
            try stepFollower(message)
        default:
            throw .unexpected
        }
    }
}
