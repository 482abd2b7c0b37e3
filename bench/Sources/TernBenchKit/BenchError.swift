/// Why a benchmark could not run or finish: one line that names the problem.
public struct BenchError: Error, Sendable, CustomStringConvertible {
    public var description: String

    public init(_ description: String) { self.description = description }
}
