import ArgumentParser

/// `host:port` as `--connect` takes it; an IPv6 host goes in brackets (`[::1]:4433`).
struct HostPort: Sendable, Equatable {
    /// The host name or IP literal (without brackets).
    let host: String
    /// The TCP port.
    let port: Int

    /// Parses `text`; throws a `ValidationError` that says what is wrong.
    init(parsing text: String) throws {
        let hostPart: Substring
        let portPart: Substring
        if text.hasPrefix("[") {
            guard let close = text.firstIndex(of: "]"), text[text.index(after: close)...].hasPrefix(":") else {
                throw ValidationError("--connect: expected [ipv6]:port, got '\(text)'")
            }
            hostPart = text[text.index(after: text.startIndex)..<close]
            portPart = text[text.index(close, offsetBy: 2)...]
        } else {
            guard let colon = text.lastIndex(of: ":") else {
                throw ValidationError("--connect: expected host:port, got '\(text)'")
            }
            hostPart = text[..<colon]
            portPart = text[text.index(after: colon)...]
        }
        guard !hostPart.isEmpty else { throw ValidationError("--connect: missing host in '\(text)'") }
        guard let port = Int(portPart), (1...65_535).contains(port) else {
            throw ValidationError("--connect: bad port '\(portPart)' (must be 1...65535)")
        }
        host = String(hostPart)
        self.port = port
    }
}
