// One named constant per Kafka error code, so broker code says `.notLeaderOrFollower` rather
// than `6`.

extension ErrorCode {
    /// `UNKNOWN_SERVER_ERROR` (-1).
    public static let unknownServerError = ErrorCode(-1)
    /// `NONE` (0).
    public static let noError = ErrorCode(0)
    /// `OFFSET_OUT_OF_RANGE` (1).
    public static let offsetOutOfRange = ErrorCode(1)
    /// `CORRUPT_MESSAGE` (2), retriable.
    public static let corruptMessage = ErrorCode(2)
    /// `UNKNOWN_TOPIC_OR_PARTITION` (3), retriable.
    public static let unknownTopicOrPartition = ErrorCode(3)
    /// `INVALID_FETCH_SIZE` (4).
    public static let invalidFetchSize = ErrorCode(4)
    /// `LEADER_NOT_AVAILABLE` (5), retriable.
    public static let leaderNotAvailable = ErrorCode(5)
    /// `NOT_LEADER_OR_FOLLOWER` (6), retriable.
    public static let notLeaderOrFollower = ErrorCode(6)
    /// `REQUEST_TIMED_OUT` (7), retriable.
    public static let requestTimedOut = ErrorCode(7)
    /// `BROKER_NOT_AVAILABLE` (8).
    public static let brokerNotAvailable = ErrorCode(8)
    /// `REPLICA_NOT_AVAILABLE` (9), retriable.
    public static let replicaNotAvailable = ErrorCode(9)
    /// `MESSAGE_TOO_LARGE` (10).
    public static let messageTooLarge = ErrorCode(10)
    /// `STALE_CONTROLLER_EPOCH` (11).
    public static let staleControllerEpoch = ErrorCode(11)
    /// `OFFSET_METADATA_TOO_LARGE` (12).
    public static let offsetMetadataTooLarge = ErrorCode(12)
    /// `NETWORK_EXCEPTION` (13), retriable.
    public static let networkException = ErrorCode(13)
    /// `COORDINATOR_LOAD_IN_PROGRESS` (14), retriable.
    public static let coordinatorLoadInProgress = ErrorCode(14)
    /// `COORDINATOR_NOT_AVAILABLE` (15), retriable.
    public static let coordinatorNotAvailable = ErrorCode(15)
    /// `NOT_COORDINATOR` (16), retriable.
    public static let notCoordinator = ErrorCode(16)
    /// `INVALID_TOPIC_EXCEPTION` (17).
    public static let invalidTopicException = ErrorCode(17)
    /// `RECORD_LIST_TOO_LARGE` (18).
    public static let recordListTooLarge = ErrorCode(18)
    /// `NOT_ENOUGH_REPLICAS` (19), retriable.
    public static let notEnoughReplicas = ErrorCode(19)
    /// `NOT_ENOUGH_REPLICAS_AFTER_APPEND` (20), retriable.
    public static let notEnoughReplicasAfterAppend = ErrorCode(20)
    /// `INVALID_REQUIRED_ACKS` (21).
    public static let invalidRequiredAcks = ErrorCode(21)
    /// `ILLEGAL_GENERATION` (22).
    public static let illegalGeneration = ErrorCode(22)
    /// `INCONSISTENT_GROUP_PROTOCOL` (23).
    public static let inconsistentGroupProtocol = ErrorCode(23)
    /// `INVALID_GROUP_ID` (24).
    public static let invalidGroupId = ErrorCode(24)
    /// `UNKNOWN_MEMBER_ID` (25).
    public static let unknownMemberId = ErrorCode(25)
    /// `INVALID_SESSION_TIMEOUT` (26).
    public static let invalidSessionTimeout = ErrorCode(26)
    /// `REBALANCE_IN_PROGRESS` (27).
    public static let rebalanceInProgress = ErrorCode(27)
    /// `INVALID_COMMIT_OFFSET_SIZE` (28).
    public static let invalidCommitOffsetSize = ErrorCode(28)
    /// `TOPIC_AUTHORIZATION_FAILED` (29).
    public static let topicAuthorizationFailed = ErrorCode(29)
    /// `GROUP_AUTHORIZATION_FAILED` (30).
    public static let groupAuthorizationFailed = ErrorCode(30)
    /// `CLUSTER_AUTHORIZATION_FAILED` (31).
    public static let clusterAuthorizationFailed = ErrorCode(31)
    /// `INVALID_TIMESTAMP` (32).
    public static let invalidTimestamp = ErrorCode(32)
    /// `UNSUPPORTED_SASL_MECHANISM` (33).
    public static let unsupportedSaslMechanism = ErrorCode(33)
    /// `ILLEGAL_SASL_STATE` (34).
    public static let illegalSaslState = ErrorCode(34)
    /// `UNSUPPORTED_VERSION` (35).
    public static let unsupportedVersion = ErrorCode(35)
    /// `TOPIC_ALREADY_EXISTS` (36).
    public static let topicAlreadyExists = ErrorCode(36)
    /// `INVALID_PARTITIONS` (37).
    public static let invalidPartitions = ErrorCode(37)
    /// `INVALID_REPLICATION_FACTOR` (38).
    public static let invalidReplicationFactor = ErrorCode(38)
    /// `INVALID_REPLICA_ASSIGNMENT` (39).
    public static let invalidReplicaAssignment = ErrorCode(39)
    /// `INVALID_CONFIG` (40).
    public static let invalidConfig = ErrorCode(40)
    /// `NOT_CONTROLLER` (41), retriable.
    public static let notController = ErrorCode(41)
    /// `INVALID_REQUEST` (42).
    public static let invalidRequest = ErrorCode(42)
    /// `UNSUPPORTED_FOR_MESSAGE_FORMAT` (43).
    public static let unsupportedForMessageFormat = ErrorCode(43)
    /// `POLICY_VIOLATION` (44).
    public static let policyViolation = ErrorCode(44)
    /// `OUT_OF_ORDER_SEQUENCE_NUMBER` (45).
    public static let outOfOrderSequenceNumber = ErrorCode(45)
    /// `DUPLICATE_SEQUENCE_NUMBER` (46).
    public static let duplicateSequenceNumber = ErrorCode(46)
    /// `INVALID_PRODUCER_EPOCH` (47).
    public static let invalidProducerEpoch = ErrorCode(47)
    /// `INVALID_TXN_STATE` (48).
    public static let invalidTxnState = ErrorCode(48)
    /// `INVALID_PRODUCER_ID_MAPPING` (49).
    public static let invalidProducerIdMapping = ErrorCode(49)
    /// `INVALID_TRANSACTION_TIMEOUT` (50).
    public static let invalidTransactionTimeout = ErrorCode(50)
    /// `CONCURRENT_TRANSACTIONS` (51), retriable.
    public static let concurrentTransactions = ErrorCode(51)
    /// `TRANSACTION_COORDINATOR_FENCED` (52).
    public static let transactionCoordinatorFenced = ErrorCode(52)
    /// `TRANSACTIONAL_ID_AUTHORIZATION_FAILED` (53).
    public static let transactionalIdAuthorizationFailed = ErrorCode(53)
    /// `SECURITY_DISABLED` (54).
    public static let securityDisabled = ErrorCode(54)
    /// `OPERATION_NOT_ATTEMPTED` (55).
    public static let operationNotAttempted = ErrorCode(55)
    /// `KAFKA_STORAGE_ERROR` (56), retriable.
    public static let kafkaStorageError = ErrorCode(56)
    /// `LOG_DIR_NOT_FOUND` (57).
    public static let logDirNotFound = ErrorCode(57)
    /// `SASL_AUTHENTICATION_FAILED` (58).
    public static let saslAuthenticationFailed = ErrorCode(58)
    /// `UNKNOWN_PRODUCER_ID` (59).
    public static let unknownProducerId = ErrorCode(59)
    /// `REASSIGNMENT_IN_PROGRESS` (60).
    public static let reassignmentInProgress = ErrorCode(60)
    /// `DELEGATION_TOKEN_AUTH_DISABLED` (61).
    public static let delegationTokenAuthDisabled = ErrorCode(61)
    /// `DELEGATION_TOKEN_NOT_FOUND` (62).
    public static let delegationTokenNotFound = ErrorCode(62)
    /// `DELEGATION_TOKEN_OWNER_MISMATCH` (63).
    public static let delegationTokenOwnerMismatch = ErrorCode(63)
    /// `DELEGATION_TOKEN_REQUEST_NOT_ALLOWED` (64).
    public static let delegationTokenRequestNotAllowed = ErrorCode(64)
    /// `DELEGATION_TOKEN_AUTHORIZATION_FAILED` (65).
    public static let delegationTokenAuthorizationFailed = ErrorCode(65)
    /// `DELEGATION_TOKEN_EXPIRED` (66).
    public static let delegationTokenExpired = ErrorCode(66)
    /// `INVALID_PRINCIPAL_TYPE` (67).
    public static let invalidPrincipalType = ErrorCode(67)
    /// `NON_EMPTY_GROUP` (68).
    public static let nonEmptyGroup = ErrorCode(68)
    /// `GROUP_ID_NOT_FOUND` (69).
    public static let groupIdNotFound = ErrorCode(69)
    /// `FETCH_SESSION_ID_NOT_FOUND` (70), retriable.
    public static let fetchSessionIdNotFound = ErrorCode(70)
    /// `INVALID_FETCH_SESSION_EPOCH` (71), retriable.
    public static let invalidFetchSessionEpoch = ErrorCode(71)
    /// `LISTENER_NOT_FOUND` (72), retriable.
    public static let listenerNotFound = ErrorCode(72)
    /// `TOPIC_DELETION_DISABLED` (73).
    public static let topicDeletionDisabled = ErrorCode(73)
    /// `FENCED_LEADER_EPOCH` (74), retriable.
    public static let fencedLeaderEpoch = ErrorCode(74)
    /// `UNKNOWN_LEADER_EPOCH` (75), retriable.
    public static let unknownLeaderEpoch = ErrorCode(75)
    /// `UNSUPPORTED_COMPRESSION_TYPE` (76).
    public static let unsupportedCompressionType = ErrorCode(76)
    /// `STALE_BROKER_EPOCH` (77).
    public static let staleBrokerEpoch = ErrorCode(77)
    /// `OFFSET_NOT_AVAILABLE` (78), retriable.
    public static let offsetNotAvailable = ErrorCode(78)
    /// `MEMBER_ID_REQUIRED` (79).
    public static let memberIdRequired = ErrorCode(79)
    /// `PREFERRED_LEADER_NOT_AVAILABLE` (80), retriable.
    public static let preferredLeaderNotAvailable = ErrorCode(80)
    /// `GROUP_MAX_SIZE_REACHED` (81).
    public static let groupMaxSizeReached = ErrorCode(81)
    /// `FENCED_INSTANCE_ID` (82).
    public static let fencedInstanceId = ErrorCode(82)
    /// `ELIGIBLE_LEADERS_NOT_AVAILABLE` (83), retriable.
    public static let eligibleLeadersNotAvailable = ErrorCode(83)
    /// `ELECTION_NOT_NEEDED` (84), retriable.
    public static let electionNotNeeded = ErrorCode(84)
    /// `NO_REASSIGNMENT_IN_PROGRESS` (85).
    public static let noReassignmentInProgress = ErrorCode(85)
    /// `GROUP_SUBSCRIBED_TO_TOPIC` (86).
    public static let groupSubscribedToTopic = ErrorCode(86)
    /// `INVALID_RECORD` (87).
    public static let invalidRecord = ErrorCode(87)
    /// `UNSTABLE_OFFSET_COMMIT` (88), retriable.
    public static let unstableOffsetCommit = ErrorCode(88)
    /// `THROTTLING_QUOTA_EXCEEDED` (89), retriable.
    public static let throttlingQuotaExceeded = ErrorCode(89)
    /// `PRODUCER_FENCED` (90).
    public static let producerFenced = ErrorCode(90)
    /// `RESOURCE_NOT_FOUND` (91).
    public static let resourceNotFound = ErrorCode(91)
    /// `DUPLICATE_RESOURCE` (92).
    public static let duplicateResource = ErrorCode(92)
    /// `UNACCEPTABLE_CREDENTIAL` (93).
    public static let unacceptableCredential = ErrorCode(93)
    /// `INCONSISTENT_VOTER_SET` (94).
    public static let inconsistentVoterSet = ErrorCode(94)
    /// `INVALID_UPDATE_VERSION` (95).
    public static let invalidUpdateVersion = ErrorCode(95)
    /// `FEATURE_UPDATE_FAILED` (96).
    public static let featureUpdateFailed = ErrorCode(96)
    /// `PRINCIPAL_DESERIALIZATION_FAILURE` (97).
    public static let principalDeserializationFailure = ErrorCode(97)
    /// `SNAPSHOT_NOT_FOUND` (98).
    public static let snapshotNotFound = ErrorCode(98)
    /// `POSITION_OUT_OF_RANGE` (99).
    public static let positionOutOfRange = ErrorCode(99)
    /// `UNKNOWN_TOPIC_ID` (100), retriable.
    public static let unknownTopicId = ErrorCode(100)
    /// `DUPLICATE_BROKER_REGISTRATION` (101).
    public static let duplicateBrokerRegistration = ErrorCode(101)
    /// `BROKER_ID_NOT_REGISTERED` (102).
    public static let brokerIdNotRegistered = ErrorCode(102)
    /// `INCONSISTENT_TOPIC_ID` (103), retriable.
    public static let inconsistentTopicId = ErrorCode(103)
    /// `INCONSISTENT_CLUSTER_ID` (104).
    public static let inconsistentClusterId = ErrorCode(104)
    /// `TRANSACTIONAL_ID_NOT_FOUND` (105).
    public static let transactionalIdNotFound = ErrorCode(105)
    /// `FETCH_SESSION_TOPIC_ID_ERROR` (106), retriable.
    public static let fetchSessionTopicIdError = ErrorCode(106)
    /// `INELIGIBLE_REPLICA` (107).
    public static let ineligibleReplica = ErrorCode(107)
    /// `NEW_LEADER_ELECTED` (108).
    public static let newLeaderElected = ErrorCode(108)
    /// `OFFSET_MOVED_TO_TIERED_STORAGE` (109).
    public static let offsetMovedToTieredStorage = ErrorCode(109)
    /// `FENCED_MEMBER_EPOCH` (110).
    public static let fencedMemberEpoch = ErrorCode(110)
    /// `UNRELEASED_INSTANCE_ID` (111).
    public static let unreleasedInstanceId = ErrorCode(111)
    /// `UNSUPPORTED_ASSIGNOR` (112).
    public static let unsupportedAssignor = ErrorCode(112)
    /// `STALE_MEMBER_EPOCH` (113).
    public static let staleMemberEpoch = ErrorCode(113)
    /// `MISMATCHED_ENDPOINT_TYPE` (114).
    public static let mismatchedEndpointType = ErrorCode(114)
    /// `UNSUPPORTED_ENDPOINT_TYPE` (115).
    public static let unsupportedEndpointType = ErrorCode(115)
    /// `UNKNOWN_CONTROLLER_ID` (116).
    public static let unknownControllerId = ErrorCode(116)
    /// `UNKNOWN_SUBSCRIPTION_ID` (117).
    public static let unknownSubscriptionId = ErrorCode(117)
    /// `TELEMETRY_TOO_LARGE` (118).
    public static let telemetryTooLarge = ErrorCode(118)
    /// `INVALID_REGISTRATION` (119).
    public static let invalidRegistration = ErrorCode(119)
    /// `TRANSACTION_ABORTABLE` (120).
    public static let transactionAbortable = ErrorCode(120)
    /// `INVALID_RECORD_STATE` (121).
    public static let invalidRecordState = ErrorCode(121)
    /// `SHARE_SESSION_NOT_FOUND` (122), retriable.
    public static let shareSessionNotFound = ErrorCode(122)
    /// `INVALID_SHARE_SESSION_EPOCH` (123), retriable.
    public static let invalidShareSessionEpoch = ErrorCode(123)
    /// `FENCED_STATE_EPOCH` (124).
    public static let fencedStateEpoch = ErrorCode(124)
    /// `INVALID_VOTER_KEY` (125).
    public static let invalidVoterKey = ErrorCode(125)
    /// `DUPLICATE_VOTER` (126).
    public static let duplicateVoter = ErrorCode(126)
    /// `VOTER_NOT_FOUND` (127).
    public static let voterNotFound = ErrorCode(127)
    /// `INVALID_REGULAR_EXPRESSION` (128).
    public static let invalidRegularExpression = ErrorCode(128)
    /// `REBOOTSTRAP_REQUIRED` (129).
    public static let rebootstrapRequired = ErrorCode(129)
}
