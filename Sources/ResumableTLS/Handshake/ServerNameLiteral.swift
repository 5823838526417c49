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
}
