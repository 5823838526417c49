/// The samples of a Prometheus text exposition, by series (`name` or `name{label="value",…}`
/// exactly as printed), for tests that assert on numbers rather than on names.
struct PrometheusSamples {
    private(set) var values: [String: Double] = [:]
    /// The `# TYPE` of each metric family.
    private(set) var types: [String: String] = [:]

    /// Parses `text`; a sample line that does not end in a number is a parse error.
    init(parsing text: String) throws {
        for line in text.split(separator: "\n") {
            if line.hasPrefix("# TYPE ") {
                let fields = line.split(separator: " ")
                if fields.count == 4 { types[String(fields[2])] = String(fields[3]) }
                continue
            }
            if line.hasPrefix("#") { continue }
            guard let space = line.lastIndex(of: " "), let value = Double(line[line.index(after: space)...]) else {
                throw ChildProcessError(description: "not a Prometheus sample: '\(line)'")
            }
            values[String(line[..<space])] = value
        }
    }

    /// The value of `series`, nil if it is not there.
    subscript(_ series: String) -> Double? { values[series] }

    /// The sum over every series of metric `name` whose labels include each of `labels`.
    func sum(_ name: String, where labels: [String: String] = [:]) -> Double {
        values.filter { series, _ in
            guard series == name || series.hasPrefix(name + "{") else { return false }
            return labels.allSatisfy { series.contains("\($0.key)=\"\($0.value)\"") }
        }.values.reduce(0, +)
    }
}
