/// The content type of a TLS record (RFC 8446 §5.1). Closed: any other value on the wire is
/// `unexpected_message`.
public enum ContentType: UInt8, Sendable, Hashable {
    case changeCipherSpec = 20
    case alert = 21
    case handshake = 22
    case applicationData = 23
}
