/// Tells a DNS host name from an IP literal: SNI carries only host names (RFC 6066 §3), and a
/// certificate is matched against an IP literal by its IP subjectAltName instead.
enum ServerNameLiteral {
    /// Whether `name` is an IPv4 dotted quad or an IPv6 literal.
    static func isIPAddress(_ name: String) -> Bool {
        if name.contains(":") { return true }
        let parts = name.split(separator: ".", omittingEmptySubsequences: false)
        return parts.count == 4 && parts.allSatisfy { part in
            !part.isEmpty && part.count <= 3 && part.allSatisfy(\.isASCII) && part.allSatisfy(\.isNumber) && (Int(part) ?? 256) <= 255
        }
    }

    /// Whether two server names are the same: DNS names compare case-insensitively (RFC 4343)
    /// and a final dot changes nothing; no name equals only no name.
    static func sameName(_ first: String?, _ second: String?) -> Bool {
        guard let first, let second else { return first == nil && second == nil }
        func normal(_ text: String) -> String {
            let lowered = text.lowercased()
            return lowered.hasSuffix(".") ? String(lowered.dropLast()) : lowered
        }
        return normal(first) == normal(second)
    }
}
