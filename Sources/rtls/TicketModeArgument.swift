import ArgumentParser
import ResumableTLS

/// `--tickets stateless|stateful`.
enum TicketModeArgument: String, ExpressibleByArgument, CaseIterable, Sendable {
    case stateless
    case stateful

    /// The library's ticket mode.
    var ticketMode: TicketMode {
        switch self {
        case .stateless: return .stateless
        case .stateful: return .stateful
        }
    }
}

/// Parses `--alpn a,b` into protocol names (each 1...255 bytes).
func parseALPNList(_ list: String?) throws -> [String] {
    guard let list else { return [] }
    let names = list.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
    for name in names where name.utf8.isEmpty || name.utf8.count > 255 {
        throw ValidationError("--alpn: protocol names must be 1...255 bytes, separated by commas (got '\(list)')")
    }
    return names
}

/// Checks a TCP port given on the command line.
func validatePort(_ port: Int, option: String) throws {
    guard (0...65_535).contains(port) else {
        throw ValidationError("\(option): port \(port) is outside 0...65535")
    }
}
