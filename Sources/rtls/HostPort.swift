import ArgumentParser

/// `host:port` as `--connect` and `--metrics` take it; an IPv6 host goes in brackets (`[::1]:4433`).
struct HostPort: Sendable, Equatable {
    /// The host name or IP literal (without brackets).
    let host: String
    /// The TCP port.
    let port: Int

    /// Parses `text`, given to `option`; throws a `ValidationError` that says what is wrong.
    /// `ports` is what the option accepts (a listener may take 0: the OS chooses).
    init(parsing text: String, option: String = "--connect", ports: ClosedRange<Int> = 1...65_535) throws {
        let hostPart: Substring
        let portPart: Substring
        if text.hasPrefix("[") {
            guard let close = text.firstIndex(of: "]"), text[text.index(after: close)...].hasPrefix(":") else {
                throw ValidationError("\(option): expected [ipv6]:port, got '\(text)'")
            }
            hostPart = text[text.index(after: text.startIndex)..<close]
            portPart = text[text.index(close, offsetBy: 2)...]
        } else {
            guard let colon = text.lastIndex(of: ":") else {
                throw ValidationError("\(option): expected host:port, got '\(text)'")
            }
            hostPart = text[..<colon]
            portPart = text[text.index(after: colon)...]
        }
        guard !hostPart.isEmpty else { throw ValidationError("\(option): missing host in '\(text)'") }
        guard let port = Int(portPart), ports.contains(port) else {
            throw ValidationError("\(option): bad port '\(portPart)' (must be \(ports.lowerBound)...\(ports.upperBound))")
        }
        host = String(hostPart)
        self.port = port
    }

    /// `host:port`, the host in brackets if it is an IPv6 literal.
    static func text(host: String, port: Int) -> String {
        host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)"
    }
}
