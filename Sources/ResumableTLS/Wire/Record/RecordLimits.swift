/// Record size limits of RFC 8446 §5.1–5.2 and RFC 8449.
public enum RecordLimits {
    /// The largest TLSPlaintext fragment, and the largest TLSInnerPlaintext content: 2^14.
    public static let maxPlaintextLength = 1 << 14
    /// The largest TLSCiphertext fragment: 2^14 + 256 (the expansion TLS 1.3 allows).
    public static let maxCiphertextLength = (1 << 14) + 256
    /// Size of a record header: type, legacy version, length.
    public static let headerLength = 5
    /// The smallest record_size_limit a peer may announce (RFC 8449 §4).
    public static let minRecordSizeLimit = 64
}
