import Crypto

extension KeySchedule {
    /// `application_traffic_secret_N+1 = HKDF-Expand-Label(application_traffic_secret_N,
    /// "traffic upd", "", Hash.length)` (RFC 8446 §7.2), for KeyUpdate.
    package static func nextApplicationTrafficSecret(hash: TLSHashAlgorithm, current: SymmetricKey) -> SymmetricKey {
        hash.expandLabelUnchecked(secret: current, label: "traffic upd", context: [UInt8](), length: hash.digestLength)
    }
}
