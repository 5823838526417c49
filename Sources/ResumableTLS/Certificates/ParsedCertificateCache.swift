import X509

/// Certificates parsed from DER, shared by every handshake in the process and keyed by their
/// exact bytes: a client that connects to the same servers again (or a server that sees the same
/// client certificates) parses each certificate once instead of on every full handshake.
/// Parsing is a pure function of the bytes, so a hit returns exactly what parsing would; only
/// successful parses are kept. Go's crypto/tls keeps such a cache for its clients.
///
/// Bounded by entries and by DER bytes held; when a new certificate would pass either bound the
/// cache is emptied first (certificates that keep being seen come back on their next use).
/// Parsing the leaf took ~9 % of a full handshake's client time in `rtls bench`, and the chain
/// verifier parsed it again (BENCHMARKS.md, issue 17).
enum ParsedCertificateCache {
    static let maximumEntries = 64
    static let maximumBytes = 256 * 1024

    private struct Entries: Sendable {
        var certificates: [[UInt8]: Certificate] = [:]
        var bytes = 0
    }

    private static let entries = LockedValue(Entries())

    /// The certificate `der` encodes, parsed once per process while it stays in the cache.
    /// Throws what `Certificate(derEncoded:)` throws.
    static func certificate(_ der: [UInt8]) throws -> Certificate {
        if let cached = entries.withLock({ $0.certificates[der] }) { return cached }
        let parsed = try Certificate(derEncoded: der)
        guard der.count <= maximumBytes / 4 else { return parsed }
        entries.withLock { entries in
            if entries.certificates.count >= maximumEntries || entries.bytes + der.count > maximumBytes {
                entries = Entries()
            }
            if entries.certificates.updateValue(parsed, forKey: der) == nil { entries.bytes += der.count }
        }
        return parsed
    }

    /// How many certificates and DER bytes the cache holds (for tests).
    static var occupancy: (entries: Int, bytes: Int) {
        entries.withLock { ($0.certificates.count, $0.bytes) }
    }

    /// Whether the cache holds a certificate parsed from exactly `der` (for tests).
    static func contains(_ der: [UInt8]) -> Bool {
        entries.withLock { $0.certificates[der] != nil }
    }
}
