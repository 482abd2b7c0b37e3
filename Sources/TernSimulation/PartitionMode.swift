/// The shapes of network partition the simulator makes (RELIABILITY.md 5.1, Jepsen's nemeses).
///
/// Each shape says which directed links are cut; `SimulatedNetwork.apply` turns it into the
/// link matrix. A partition cuts traffic in both directions unless the shape says otherwise.
public enum PartitionMode: Sendable, Equatable, CustomStringConvertible {
    /// One node can neither send nor receive.
    case isolate(NodeIndex)
    /// Two sides that cannot talk; `side` is one of them (often a minority holding the leader).
    case split(side: [NodeIndex])
    /// Traffic from `from` to `to` is lost while the reverse still flows: a node that hears its
    /// peers but is not heard (or the other way round), which trips naive failure detection.
    case oneWay(from: [NodeIndex], to: [NodeIndex])
    /// Two sides that cannot talk except through `bridge`, which talks to everyone: every node
    /// sees a majority, yet no two sides see each other (Jepsen's "bridge").
    case bridge(left: [NodeIndex], bridge: NodeIndex, right: [NodeIndex])

    /// The shape in words, for the trace.
    public var description: String {
        switch self {
        case .isolate(let node): return "isolate n\(node)"
        case .split(let side): return "split \(side.map { "n\($0)" }) from the rest"
        case .oneWay(let from, let to): return "one-way cut \(from.map { "n\($0)" }) -> \(to.map { "n\($0)" })"
        case .bridge(let left, let bridge, let right):
            return "bridge \(left.map { "n\($0)" }) <- n\(bridge) -> \(right.map { "n\($0)" })"
        }
    }

    /// The directed links (from, to) this shape cuts among `nodeCount` nodes.
    public func cutLinks(nodeCount: Int) -> [(from: NodeIndex, to: NodeIndex)] {
        var cuts: [(from: NodeIndex, to: NodeIndex)] = []
        func cutBoth(_ left: [NodeIndex], _ right: [NodeIndex]) {
            for a in left {
                for b in right where a != b {
                    cuts.append((a, b))
                    cuts.append((b, a))
                }
            }
        }
        let all = Array(0..<nodeCount)
        switch self {
        case .isolate(let node):
            cutBoth([node], all)
        case .split(let side):
            cutBoth(side, all.filter { !side.contains($0) })
        case .oneWay(let from, let to):
            for a in from {
                for b in to where a != b { cuts.append((a, b)) }
            }
        case .bridge(let left, _, let right):
            cutBoth(left, right)
        }
        return cuts
    }

    /// A random partition shape; `leader` (if known) is the node "isolate the leader" targets.
    public static func random(
        nodeCount: Int,
        leader: NodeIndex?,
        random: inout SimulationRandom
    ) -> PartitionMode {
        precondition(nodeCount >= 2, "a partition needs at least two nodes")
        var order = Array(0..<nodeCount)
        random.shuffle(&order)
        switch random.below(6) {
        case 0:
            return .isolate(order[0])
        case 1:
            return .isolate(leader ?? order[0])
        case 2:
            // A minority side, holding the leader when there is one.
            let minority = (nodeCount - 1) / 2
            var side = Array(order.prefix(max(1, minority)))
            if let leader, !side.contains(leader) { side[0] = leader }
            return .split(side: side.sorted())
        case 3:
            let cut = random.inRange(1...(nodeCount - 1))
            return .split(side: Array(order.prefix(cut)).sorted())
        case 4:
            let fromCount = random.inRange(1...(nodeCount - 1))
            let from = Array(order.prefix(fromCount)).sorted()
            let to = Array(order.suffix(nodeCount - fromCount)).sorted()
            return random.chance(0.5) ? .oneWay(from: from, to: to) : .oneWay(from: to, to: from)
        default:
            let bridge = order[0]
            let rest = Array(order.dropFirst())
            let half = rest.count / 2
            return .bridge(
                left: Array(rest.prefix(half)).sorted(), bridge: bridge,
                right: Array(rest.suffix(rest.count - half)).sorted())
        }
    }
}

/// A node's position in the simulated cluster (0-based); its Raft id is `index + 1`.
public typealias NodeIndex = Int

extension SimulationRandom {
    /// Fisher–Yates shuffle with this generator's own draws (not the standard library's).
    public mutating func shuffle<Element>(_ elements: inout [Element]) {
        guard elements.count > 1 else { return }
        var position = elements.count - 1
        while position > 0 {
            let other = below(position + 1)
            elements.swapAt(position, other)
            position -= 1
        }
    }
}
