import Testing
@testable import ResumableTLS

/// Which server names are IP literals (no SNI is sent for them, RFC 6066 §3; the certificate is
/// matched by IP subjectAltName).
@Suite struct ServerNameLiteralTests {
    @Test("IPv4 dotted quads and anything with a colon are IP literals", arguments: [
        "127.0.0.1", "0.0.0.0", "255.255.255.255", "10.0.0.01", "::1", "fe80::1", "2001:db8::7",
    ])
    func literals(name: String) {
        #expect(ServerNameLiteral.isIPAddress(name))
    }

    @Test("Host names and near-quads are not", arguments: [
        "localhost", "example.com", "1.2.3", "1.2.3.4.5", "256.0.0.1", "1.2.3.1000", "1..2.3", ".1.2.3", "1.2.3.",
        "1.2.3.a", "", "١.٢.٣.٤", "1.2.3.4a", "0001.2.3.4",
    ])
    func hostNames(name: String) {
        #expect(!ServerNameLiteral.isIPAddress(name))
    }
}
