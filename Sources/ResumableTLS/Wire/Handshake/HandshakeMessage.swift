/// What a handshake body's layout depends on besides its type: the negotiated version and the
/// Finished length. The state machine owns both and passes them in, so the parser never guesses.
package struct HandshakeParsingContext: Sendable, Hashable {
    /// The negotiated version, or nil before ServerHello. With `.tls12` (or below),
    /// NewSessionTicket and the TLS 1.2 key exchange messages take their TLS 1.2 form; otherwise
    /// the TLS 1.3 form.
    package var negotiatedVersion: ProtocolVersion?
    /// The exact length of Finished.verify_data: the hash length in TLS 1.3 (32 for SHA-256, 48
    /// for SHA-384), 12 in TLS 1.2 (RFC 5246 §7.4.9). Nil before a cipher suite is chosen, when a
    /// Finished is `unexpected_message`.
    package var finishedLength: Int?

    /// A context for the given negotiated state.
    package init(negotiatedVersion: ProtocolVersion?, finishedLength: Int?) {
        self.negotiatedVersion = negotiatedVersion
        self.finishedLength = finishedLength
    }

    /// Before ServerHello: only hello messages can be parsed meaningfully.
    package static let initial = HandshakeParsingContext(negotiatedVersion: nil, finishedLength: nil)

    /// TLS 1.3 with a cipher suite whose hash is `hashLength` bytes long.
    package static func tls13(hashLength: Int) -> HandshakeParsingContext {
        HandshakeParsingContext(negotiatedVersion: .tls13, finishedLength: hashLength)
    }

    /// TLS 1.2 (12-byte Finished).
    package static let tls12 = HandshakeParsingContext(negotiatedVersion: .tls12, finishedLength: 12)

    var isTLS12OrBelow: Bool {
        guard let version = negotiatedVersion else { return false }
        return version <= .tls12
    }
}

/// A handshake message (RFC 8446 §4; RFC 5246 §7.4 for the TLS 1.2 cases), framed as
///
///     struct { HandshakeType msg_type; uint24 length; select (msg_type) { ... }; } Handshake;
///
/// Parse a complete message with `init(type:body:context:)` or `init(parsingMessage:context:)`,
/// and encode it with `encode()` (header included) or `encodeBody()`.
///
/// Where TLS 1.2 lays a message out differently (Certificate, CertificateRequest,
/// NewSessionTicket) the `tls12…` case is chosen when `context.negotiatedVersion` is TLS 1.2 or
/// below; TLS 1.2 key exchange supports ECDHE only.
package enum HandshakeMessage: Sendable, Hashable {
    /// ClientHello (RFC 8446 §4.1.2).
    case clientHello(ClientHello)
    /// ServerHello or HelloRetryRequest (RFC 8446 §4.1.3); see `ServerHello.isHelloRetryRequest`.
    case serverHello(ServerHello)
    /// EndOfEarlyData (RFC 8446 §4.5).
    case endOfEarlyData(EndOfEarlyData)
    /// EncryptedExtensions (RFC 8446 §4.3.1).
    case encryptedExtensions(EncryptedExtensions)
    /// TLS 1.3 Certificate (RFC 8446 §4.4.2).
    case certificate(CertificateMessage)
    /// TLS 1.3 CertificateRequest (RFC 8446 §4.3.2).
    case certificateRequest(CertificateRequest)
    /// CertificateVerify (RFC 8446 §4.4.3, same layout in TLS 1.2).
    case certificateVerify(CertificateVerify)
    /// Finished (RFC 8446 §4.4.4).
    case finished(Finished)
    /// TLS 1.3 NewSessionTicket (RFC 8446 §4.6.1).
    case newSessionTicket(TLS13NewSessionTicket)
    /// KeyUpdate (RFC 8446 §4.6.3).
    case keyUpdate(KeyUpdate)
    /// TLS 1.2 NewSessionTicket (RFC 5077 §3.3).
    case tls12NewSessionTicket(TLS12NewSessionTicket)
    /// TLS 1.2 ECDHE ServerKeyExchange (RFC 8422 §5.4).
    case tls12ServerKeyExchange(TLS12ServerKeyExchange)
    /// TLS 1.2 ECDHE ClientKeyExchange (RFC 8422 §5.7).
    case tls12ClientKeyExchange(TLS12ClientKeyExchange)
    /// TLS 1.2 ServerHelloDone (RFC 5246 §7.4.5).
    case tls12ServerHelloDone(TLS12ServerHelloDone)
    /// TLS 1.2 Certificate (RFC 5246 §7.4.2).
    case tls12Certificate(TLS12Certificate)
    /// TLS 1.2 CertificateRequest (RFC 5246 §7.4.4).
    case tls12CertificateRequest(TLS12CertificateRequest)
    /// TLS 1.2 HelloRequest (RFC 5246 §7.4.1.1): an empty body; we never renegotiate.
    case tls12HelloRequest

    /// The message's type byte.
    package var type: HandshakeType {
        switch self {
        case .clientHello: return .clientHello
        case .serverHello: return .serverHello
        case .endOfEarlyData: return .endOfEarlyData
        case .encryptedExtensions: return .encryptedExtensions
        case .certificate, .tls12Certificate: return .certificate
        case .certificateRequest, .tls12CertificateRequest: return .certificateRequest
        case .certificateVerify: return .certificateVerify
        case .finished: return .finished
        case .newSessionTicket, .tls12NewSessionTicket: return .newSessionTicket
        case .keyUpdate: return .keyUpdate
        case .tls12ServerKeyExchange: return .serverKeyExchange
        case .tls12ClientKeyExchange: return .clientKeyExchange
        case .tls12ServerHelloDone: return .serverHelloDone
        case .tls12HelloRequest: return .helloRequest
        }
    }

    /// Parses a message body of `type` (the 4-byte header already removed and its length checked).
    ///
    /// A type that is unknown or does not exist in the negotiated version is `unexpected_message`;
    /// malformed bodies throw the alert their fault calls for. Whether the message is allowed at
    /// this point of the handshake is the state machine's decision.
    package init(type: HandshakeType, body: ArraySlice<UInt8>, context: HandshakeParsingContext) throws {
        var reader = ByteReader(body)
        let tls12 = context.isTLS12OrBelow
        switch type {
        case .clientHello: self = .clientHello(try ClientHello(parsing: &reader))
        case .serverHello: self = .serverHello(try ServerHello(parsing: &reader))
        case .endOfEarlyData where !tls12: self = .endOfEarlyData(try EndOfEarlyData(parsing: &reader))
        case .encryptedExtensions where !tls12: self = .encryptedExtensions(try EncryptedExtensions(parsing: &reader))
        case .certificate:
            self = tls12 ? .tls12Certificate(try TLS12Certificate(parsing: &reader))
                : .certificate(try CertificateMessage(parsing: &reader))
        case .certificateRequest:
            self = tls12 ? .tls12CertificateRequest(try TLS12CertificateRequest(parsing: &reader))
                : .certificateRequest(try CertificateRequest(parsing: &reader))
        case .certificateVerify: self = .certificateVerify(try CertificateVerify(parsing: &reader))
        case .finished:
            guard let length = context.finishedLength else {
                throw TLSError.unexpectedMessage("Finished before a cipher suite was negotiated")
            }
            self = .finished(try Finished(parsing: &reader, verifyDataLength: length))
        case .newSessionTicket:
            self = tls12 ? .tls12NewSessionTicket(try TLS12NewSessionTicket(parsing: &reader))
                : .newSessionTicket(try TLS13NewSessionTicket(parsing: &reader))
        case .keyUpdate where !tls12: self = .keyUpdate(try KeyUpdate(parsing: &reader))
        case .serverKeyExchange where tls12: self = .tls12ServerKeyExchange(try TLS12ServerKeyExchange(parsing: &reader))
        case .clientKeyExchange where tls12: self = .tls12ClientKeyExchange(try TLS12ClientKeyExchange(parsing: &reader))
        case .serverHelloDone where tls12: self = .tls12ServerHelloDone(try TLS12ServerHelloDone(parsing: &reader))
        case .helloRequest where tls12:
            try reader.expectEnd("HelloRequest")
            self = .tls12HelloRequest
        default:
            throw TLSError.unexpectedMessage("\(type) message not expected in this version")
        }
    }

    /// Parses one complete message (4-byte header and body, nothing after it).
    package init(parsingMessage bytes: ArraySlice<UInt8>, context: HandshakeParsingContext) throws {
        var reader = ByteReader(bytes)
        let type = HandshakeType(rawValue: try reader.readUInt8("handshake type"))
        let body = try reader.readVector(prefixBytes: 3, "handshake message")
        try reader.expectEnd("handshake message")
        try self.init(type: type, body: body.remainingBytes, context: context)
    }

    /// Parses one complete message (4-byte header and body, nothing after it).
    package init(parsingMessage bytes: [UInt8], context: HandshakeParsingContext) throws {
        try self.init(parsingMessage: bytes[...], context: context)
    }

    /// The encoded body, without the header.
    package func encodeBody() throws -> [UInt8] {
        var writer = ByteWriter()
        try encodeBody(into: &writer)
        return writer.bytes
    }

    /// Appends the body (without the header) to `writer`.
    package func encodeBody(into writer: inout ByteWriter) throws {
        switch self {
        case .clientHello(let message): try message.encode(into: &writer)
        case .serverHello(let message): try message.encode(into: &writer)
        case .endOfEarlyData: break
        case .encryptedExtensions(let message): try message.encode(into: &writer)
        case .certificate(let message): try message.encode(into: &writer)
        case .certificateRequest(let message): try message.encode(into: &writer)
        case .certificateVerify(let message): try message.encode(into: &writer)
        case .finished(let message): message.encode(into: &writer)
        case .newSessionTicket(let message): try message.encode(into: &writer)
        case .keyUpdate(let message): message.encode(into: &writer)
        case .tls12NewSessionTicket(let message): try message.encode(into: &writer)
        case .tls12ServerKeyExchange(let message): try message.encode(into: &writer)
        case .tls12ClientKeyExchange(let message): try message.encode(into: &writer)
        case .tls12ServerHelloDone, .tls12HelloRequest: break
        case .tls12Certificate(let message): try message.encode(into: &writer)
        case .tls12CertificateRequest(let message): try message.encode(into: &writer)
        }
    }

    /// The whole message: type, 3-byte length, body, written once into one buffer sized for
    /// most messages (a certificate chain grows it).
    package func encode() throws -> [UInt8] {
        var writer = ByteWriter(capacity: 256)
        writer.writeUInt8(type.rawValue)
        try writer.writeVector(prefixBytes: 3) { try encodeBody(into: &$0) }
        return writer.bytes
    }

    /// Reads the 4-byte header at the front of `buffer` if a whole message is there: its type and
    /// the total message length (header included). Nil when more bytes are needed (a reassembly
    /// helper for the record layer, which may split a message across records).
    ///
    /// A declared body longer than `maximumBodyLength` throws `illegal_parameter` before waiting
    /// for it (RFC 8446 names no alert for this; OpenSSL sends illegal_parameter), so a peer
    /// cannot make the reader buffer up to 16 MiB.
    package static func peekHeader(
        _ buffer: ArraySlice<UInt8>, maximumBodyLength: Int = 1 << 16
    ) throws -> (type: HandshakeType, messageLength: Int)? {
        guard buffer.count >= 4 else { return nil }
        var reader = ByteReader(buffer)
        let type = HandshakeType(rawValue: try reader.readUInt8("handshake type"))
        let length = Int(try reader.readUInt24("handshake length"))
        guard length <= maximumBodyLength else {
            throw TLSError.protocolViolation(alert: .illegalParameter, reason: .tooLarge("\(type) message of \(length) bytes exceeds \(maximumBodyLength)"))
        }
        guard buffer.count >= 4 + length else { return nil }
        return (type, 4 + length)
    }
}
