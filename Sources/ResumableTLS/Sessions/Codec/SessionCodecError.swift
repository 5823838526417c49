/// Why a session could not be written in, or read from, OpenSSL's `SSL_SESSION` layout (S7).
///
/// Every failure of `TLSSession.derEncoded()`, `pemEncoded()`, `decode(der:contextID:)` and
/// `decode(pem:contextID:)` is one of these cases: outside bytes (a file, a database, a shared
/// cache) never trap, they end in a typed error.
public enum SessionCodecError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The input is larger than the codec accepts (`SessionCodec.maximumDERLength`,
    /// `SessionCodec.maximumPEMLength`), or the encoding would be.
    case inputTooLarge(length: Int, limit: Int)
    /// The bytes are not one DER `SSL_SESSION_ASN1` SEQUENCE: a wrong tag, a bad or oversized
    /// length, a truncation, a non-minimal encoding, fields out of order, unknown fields or
    /// trailing bytes.
    case malformedDER(String)
    /// The structure's own `version` field is not 1 (`SSL_R_UNKNOWN_SSL_VERSION`).
    case unsupportedFormatVersion(Int64)
    /// `ssl_version` is not a TLS version this library reads (TLS 1.0 to 1.3;
    /// `SSL_R_UNSUPPORTED_SSL_VERSION`).
    case unsupportedProtocolVersion(Int64)
    /// A well-formed field with a value out of range (a session ID over 32 bytes, a master
    /// key over 64, a cipher not 2 bytes long, a host name that is not UTF-8, ...).
    case invalidField(name: String, reason: String)
    /// The PEM text is not one `-----BEGIN SSL SESSION PARAMETERS-----` block of valid base64.
    case invalidPEM(String)
    /// The session cannot be written in OpenSSL's layout (for example a 40-byte session ID, a
    /// creation time before 1970 or an infinite timeout).
    case notEncodable(String)

    /// A one-line explanation, for logs.
    public var description: String {
        switch self {
        case .inputTooLarge(let length, let limit): return "session encoding too large: \(length) bytes (limit \(limit))"
        case .malformedDER(let reason): return "malformed SSL_SESSION DER: \(reason)"
        case .unsupportedFormatVersion(let version): return "unsupported SSL_SESSION format version \(version)"
        case .unsupportedProtocolVersion(let version): return "unsupported ssl_version 0x\(String(version, radix: 16))"
        case .invalidField(let name, let reason): return "invalid SSL_SESSION field \(name): \(reason)"
        case .invalidPEM(let reason): return "invalid SSL SESSION PARAMETERS PEM: \(reason)"
        case .notEncodable(let reason): return "session cannot be encoded: \(reason)"
        }
    }
}
