/// Tells a DNS host name from an IP literal: SNI carries only host names (RFC 6066 §3), and a
/// certificate is matched against an IP literal by its IP subjectAltName instead.
enum ServerNameLiteral {
    /// Whether `name` is an IPv4 dotted quad or an IPv6 literal.
    static func isIPAddress(_ name: String) -> Bool {
        // On the UTF-8 bytes: a client asks this on every handshake, and `String.contains` on a
        // string goes through Foundation.
        let colon = UInt8(ascii: ":"), dot = UInt8(ascii: "."), zero = UInt8(ascii: "0"), nine = UInt8(ascii: "9")
        if name.utf8.contains(colon) { return true }
        var parts = 1, digits = 0, value = 0
        for byte in name.utf8 {
            if byte == dot {
                guard digits > 0 else { return false }
                parts += 1
                digits = 0
                value = 0
            } else if byte >= zero, byte <= nine {
                digits += 1
                value = value * 10 + Int(byte - zero)
                guard digits <= 3, value <= 255 else { return false }
            } else {
                return false
            }
        }
        return parts == 4 && digits > 0
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
