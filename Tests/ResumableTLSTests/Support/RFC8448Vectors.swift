import Foundation
import Testing

/// The handshake traces of RFC 8448 §3–§7, read from `Vectors/rfc8448-vectors.txt`.
///
/// The file is the RFC's own text: sections (`3.  Simple 1-RTT Handshake`), steps
/// (`{server}  derive secret "tls13 c hs traffic":`) and, inside each step, labelled hex values
/// (`PRK (32 octets):` followed by indented hex lines). Look a value up by section, role, the
/// start of the step's action and the value's label:
///
///     let prk = try RFC8448.value(section: 3, role: "server",
///                                 step: "derive secret \"tls13 c hs traffic\"", label: "PRK")
struct RFC8448 {
    struct Step {
        var role: String          // "client" or "server"
        var action: String        // text after the role, e.g. `derive secret "tls13 c hs traffic":`
        var values: [(label: String, bytes: [UInt8])]
    }

    struct VectorNotFound: Error, CustomStringConvertible {
        var description: String
    }

    /// Steps per section number (3...7), in file order.
    let sections: [Int: [Step]]

    static let shared: RFC8448 = {
        guard let url = Bundle.module.url(forResource: "rfc8448-vectors", withExtension: "txt", subdirectory: "Vectors"),
              let text = try? String(contentsOf: url, encoding: .utf8) else {
            return RFC8448(sections: [:])
        }
        return RFC8448(text: text)
    }()

    init(sections: [Int: [Step]]) { self.sections = sections }

    init(text: String) {
        var sections: [Int: [Step]] = [:]
        var section = 0
        var current: Step?
        var label: String?
        var hex: [UInt8] = []

        func flushValue() {
            if let l = label, !hex.isEmpty { current?.values.append((l, hex)) }
            label = nil
            hex = []
        }
        func flushStep() {
            flushValue()
            if let step = current { sections[section, default: []].append(step) }
            current = nil
        }

        for rawLine in text.split(separator: "\n", omittingEmptySubsequences: false) {
            let line = String(rawLine)
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            if let first = line.first, first.isNumber, let dot = line.firstIndex(of: "."),
               let number = Int(line[line.startIndex..<dot]), line[dot...].hasPrefix(".  ") {
                flushStep()
                section = number
                continue
            }
            if trimmed.hasPrefix("{client}") || trimmed.hasPrefix("{server}") {
                flushStep()
                let role = trimmed.hasPrefix("{client}") ? "client" : "server"
                let action = trimmed.dropFirst(8).trimmingCharacters(in: .whitespaces)
                current = Step(role: role, action: action, values: [])
                continue
            }
            guard current != nil else { continue }
            if trimmed.isEmpty { continue }
            let hexLine = line.hasPrefix("         ") && trimmed.split(separator: " ").allSatisfy { $0.count == 2 && UInt8($0, radix: 16) != nil }
            if hexLine, label != nil {
                hex.append(contentsOf: trimmed.split(separator: " ").compactMap { UInt8($0, radix: 16) })
            } else if trimmed.hasSuffix(":") && line.hasPrefix("      ") && !line.hasPrefix("         ") {
                flushValue()
                var l = String(trimmed.dropLast())
                if let paren = l.range(of: " (") { l = String(l[..<paren.lowerBound]) }
                label = l
            }
        }
        flushStep()
        self.sections = sections
    }

    /// The first step of `section` taken by `role` whose action starts with `step`.
    func step(section: Int, role: String, step prefix: String, occurrence: Int = 0) throws -> Step {
        let matches = (sections[section] ?? []).filter { $0.role == role && $0.action.hasPrefix(prefix) }
        guard occurrence < matches.count else {
            throw VectorNotFound(description: "RFC 8448 §\(section): no \(occurrence)th {\(role)} step starting \(prefix)")
        }
        return matches[occurrence]
    }

    /// The bytes labelled `label` in that step.
    func value(section: Int, role: String, step prefix: String, label: String, occurrence: Int = 0) throws -> [UInt8] {
        let s = try step(section: section, role: role, step: prefix, occurrence: occurrence)
        guard let v = s.values.first(where: { $0.label == label }) else {
            throw VectorNotFound(description: "RFC 8448 §\(section) {\(role)} \(prefix): no value \(label); has \(s.values.map(\.label))")
        }
        return v.bytes
    }

    static func value(section: Int, role: String, step: String, label: String, occurrence: Int = 0) throws -> [UInt8] {
        try shared.value(section: section, role: role, step: step, label: label, occurrence: occurrence)
    }
}

/// Hex helpers for tests.
extension Array where Element == UInt8 {
    init(hex: String) {
        let digits = hex.filter { !$0.isWhitespace }
        var out: [UInt8] = []
        var index = digits.startIndex
        while index < digits.endIndex, let next = digits.index(index, offsetBy: 2, limitedBy: digits.endIndex) {
            out.append(UInt8(digits[index..<next], radix: 16) ?? 0)
            index = next
        }
        self = out
    }

    var hexString: String { map { String(format: "%02x", $0) }.joined() }
}
