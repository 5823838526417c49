/// The message an extension block belongs to (RFC 8446 §4.2).
///
/// The same extension type has a different body per message (a key_share is a list in a
/// ClientHello, one entry in a ServerHello and a bare group in a HelloRetryRequest), and
/// RFC 8446 §4.2 makes a recognised extension in a message it is not specified for an
/// `illegal_parameter`; both decisions need the context.
package enum ExtensionContext: Sendable, Hashable, CaseIterable {
    /// ClientHello (RFC 8446 §4.1.2, RFC 5246 §7.4.1.2).
    case clientHello
    /// ServerHello of TLS 1.3 or TLS 1.2 (RFC 8446 §4.1.3, RFC 5246 §7.4.1.3).
    case serverHello
    /// HelloRetryRequest (RFC 8446 §4.1.4).
    case helloRetryRequest
    /// EncryptedExtensions (RFC 8446 §4.3.1).
    case encryptedExtensions
    /// A CertificateEntry of a TLS 1.3 Certificate (RFC 8446 §4.4.2).
    case certificate
    /// CertificateRequest (RFC 8446 §4.3.2).
    case certificateRequest
    /// TLS 1.3 NewSessionTicket (RFC 8446 §4.6.1).
    case newSessionTicket
}
