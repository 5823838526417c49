/// How many entries of each list a peer sends are accepted (security review M1).
///
/// TLS lets a ClientHello carry tens of thousands of groups, key shares, signature schemes,
/// cipher suites or extensions, all before any authentication. Real clients send a few dozen
/// at most: these caps are several times what OpenSSL, BoringSSL, NSS, GnuTLS, Go and Java
/// send, and a list over its cap is refused (`illegal_parameter`) before it is allocated or
/// searched, so no step of ClientHello processing costs more than a small constant times the
/// cap.
public enum PeerListLimits {
    /// Extensions in one message (a ClientHello carries about 20 with GREASE).
    public static let extensions = 128
    /// cipher_suites in a ClientHello (OpenSSL's `ALL` offers about 150 with TLS 1.2).
    public static let cipherSuites = 512
    /// supported_groups entries (clients send about 10).
    public static let supportedGroups = 128
    /// key_share entries in a ClientHello (clients send 1 to 3).
    public static let keyShares = 16
    /// signature_algorithms and signature_algorithms_cert entries (clients send about 25).
    public static let signatureSchemes = 128
    /// ALPN protocol names offered (clients send 1 to 3).
    public static let applicationProtocols = 64
    /// PSK identities in a pre_shared_key offer (clients send 1 or 2).
    public static let pskIdentities = 32
    /// Of those, the identities a server looks up and checks, in the client's order; the rest
    /// are ignored (Go examines 5), so an offer costs at most this many ticket openings or
    /// store lookups.
    public static let pskIdentitiesExamined = 4

    /// Certificates in a Certificate message: the leaf and its intermediates, which path
    /// building searches (chains in use have 2 to 4; OpenSSL's default verify depth is 100).
    public static let certificates = 16

    /// Refuses a list of `count` entries over `limit` (`illegal_parameter`).
    static func check(_ count: Int, _ limit: Int, _ what: StaticString) throws {
        guard count <= limit else {
            throw TLSError.illegalParameter("\(what): \(count) entries, more than the \(limit) accepted")
        }
    }
}
