/// One group as ListGroups shows it.
public struct GroupListing: Hashable, Sendable {
    public var groupID: String
    /// "" for a group that never had a member (one made by simple offset commits).
    public var protocolType: String
    public var state: GroupState

    public init(groupID: String, protocolType: String, state: GroupState) {
        self.groupID = groupID
        self.protocolType = protocolType
        self.state = state
    }
}
