extension GroupState {
    /// The states a group may enter this one from (Kafka's `validPreviousStates`). Dead, the end, may follow any.
    ///
    ///     Empty ──join──► PreparingRebalance ──join phase over──► CompletingRebalance ──leader's sync──► Stable
    ///       ▲                │  ▲  ▲                                    │                                  │
    ///       └─nobody left────┘  │  └──member joins/leaves/expires───────┘                                  │
    ///                           └─────────────member joins/leaves/expires, leader rejoins──────────────────┘
    var validPreviousStates: Set<GroupState> {
        switch self {
        case .empty: [.preparingRebalance]
        case .preparingRebalance: [.stable, .completingRebalance, .empty]
        case .completingRebalance: [.preparingRebalance]
        case .stable: [.completingRebalance]
        case .dead: [.stable, .preparingRebalance, .completingRebalance, .empty, .dead]
        }
    }
}
