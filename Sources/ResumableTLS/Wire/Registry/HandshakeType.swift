/// The type byte of a handshake message (RFC 8446 §4, RFC 5246 §7.4). Open: unknown values are
/// kept so the state machine, not the parser, decides they are `unexpected_message`.
public struct HandshakeType: RawRepresentable, Sendable, Hashable, CustomStringConvertible {
    public var rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue }

    public static let helloRequest = HandshakeType(rawValue: 0)
    public static let clientHello = HandshakeType(rawValue: 1)
    public static let serverHello = HandshakeType(rawValue: 2)
    public static let newSessionTicket = HandshakeType(rawValue: 4)
    public static let endOfEarlyData = HandshakeType(rawValue: 5)
    public static let encryptedExtensions = HandshakeType(rawValue: 8)
    public static let certificate = HandshakeType(rawValue: 11)
    public static let serverKeyExchange = HandshakeType(rawValue: 12)
    public static let certificateRequest = HandshakeType(rawValue: 13)
    public static let serverHelloDone = HandshakeType(rawValue: 14)
    public static let certificateVerify = HandshakeType(rawValue: 15)
    public static let clientKeyExchange = HandshakeType(rawValue: 16)
    public static let finished = HandshakeType(rawValue: 20)
    public static let keyUpdate = HandshakeType(rawValue: 24)
    /// The synthetic message that replaces ClientHello1 in the transcript after a HelloRetryRequest.
    public static let messageHash = HandshakeType(rawValue: 254)

    public var description: String {
        switch self {
        case .helloRequest: return "hello_request"
        case .clientHello: return "client_hello"
        case .serverHello: return "server_hello"
        case .newSessionTicket: return "new_session_ticket"
        case .endOfEarlyData: return "end_of_early_data"
        case .encryptedExtensions: return "encrypted_extensions"
        case .certificate: return "certificate"
        case .serverKeyExchange: return "server_key_exchange"
        case .certificateRequest: return "certificate_request"
        case .serverHelloDone: return "server_hello_done"
        case .certificateVerify: return "certificate_verify"
        case .clientKeyExchange: return "client_key_exchange"
        case .finished: return "finished"
        case .keyUpdate: return "key_update"
        case .messageHash: return "message_hash"
        default: return "handshake(\(rawValue))"
        }
    }
}
