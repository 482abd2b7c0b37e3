import Foundation
import Logging
import TernController
import TernLog
import TernModel
import Synchronization

extension Broker {
    /// Brings the local replicas in line with the image (coalescing requests): opens the
    /// partitions assigned to this node that are not open, closes and removes those no longer
    /// assigned (deleted topics), applies config changes to open ones.
    func requestReconcile() {
        Task { [weak self] in
            guard let self else { return }
            await self.controller.reconcile { [weak self] in await self?.reconcile() }
        }
    }

    private func reconcile() async {
        let (image, open) = state.withLock { ($0.image, $0.replicas) }
        let hosted = image.partitions(hostedBy: nodeID)
        let openedIDs = state.withLock { $0.openedTopicIDs }
        // A replica goes when its partition is no longer assigned here, or when its topic was
        // deleted and re-created under the same name (another topic id).
        let removed = open.keys.filter { partition in
            hosted[partition] == nil || openedIDs[partition.topic] != image.topics[partition.topic]?.id
        }
        if !removed.isEmpty { await removeReplicas(removed) }
        leadership.retain(Set(image.allPartitions))
        for topic in image.topics.values.sorted(by: { $0.name < $1.name }) {
            let missing = topic.partitions.filter { hosted[$0] != nil && open[$0] == nil }
            if !missing.isEmpty {
                do {
                    try await openReplicas(of: topic, partitions: missing)
                } catch {
                    logger.error("cannot open partitions", metadata: ["topic": "\(topic.name)", "error": "\(error)"])
                }
            }
            let configs = topic.configs
            let changed = state.withLock { state -> Bool in
                defer { state.appliedConfigs[topic.name] = configs }
                return state.appliedConfigs[topic.name].map { $0 != configs } ?? false
            }
            if changed {
                let logConfiguration = TopicConfig.logConfiguration(configs, broker: configuration)
                for partition in topic.partitions where hosted[partition] != nil {
                    _ = await replica(partition)?.reconfigure(logConfiguration)
                }
            }
        }
        state.withLock { state in
            state.appliedConfigs = state.appliedConfigs.filter { image.topics[$0.key] != nil }
            state.openedTopicIDs = state.openedTopicIDs.filter { image.topics[$0.key] != nil }
        }
    }
}
