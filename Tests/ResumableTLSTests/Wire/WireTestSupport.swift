import Testing
@testable import ResumableTLS

/// Runs `body` and checks it throws a `TLSError` carrying `alert`.
func expectWireAlert(
    _ alert: AlertDescription, _ comment: String = "",
    sourceLocation: SourceLocation = #_sourceLocation, _ body: () throws -> Void
) {
    do {
        try body()
        Issue.record("expected \(alert), nothing thrown \(comment)", sourceLocation: sourceLocation)
    } catch let error as TLSError {
        #expect(error.alertToSend == alert, "\(error) \(comment)", sourceLocation: sourceLocation)
    } catch {
        Issue.record("expected TLSError \(alert), got \(error) \(comment)", sourceLocation: sourceLocation)
    }
}

/// One handshake message from RFC 8448 with the context it is parsed in.
struct WireVector: CustomTestStringConvertible, Sendable {
    var name: String
    var section: Int
    var role: String
    var step: String
    var label: String
    var occurrence: Int = 0
    var context: HandshakeParsingContext = .tls13(hashLength: 32)

    var testDescription: String { "§\(section) \(role) \(name)" }

    func bytes() throws -> [UInt8] {
        try RFC8448.value(section: section, role: role, step: step, label: label, occurrence: occurrence)
    }

    static func construct(_ section: Int, _ role: String, _ message: String, occurrence: Int = 0) -> WireVector {
        let article = "AEIOU".contains(message.first ?? "x") ? "an" : "a"
        return WireVector(name: message + (occurrence > 0 ? " #\(occurrence + 1)" : ""), section: section, role: role,
                          step: "construct \(article) \(message) handshake", label: message, occurrence: occurrence)
    }

    /// Every handshake message RFC 8448 §3–§7 shows.
    static let all: [WireVector] = [
        .construct(3, "client", "ClientHello"),
        .construct(3, "server", "ServerHello"),
        .construct(3, "server", "EncryptedExtensions"),
        .construct(3, "server", "Certificate"),
        .construct(3, "server", "CertificateVerify"),
        .construct(3, "server", "Finished"),
        .construct(3, "client", "Finished"),
        .construct(3, "server", "NewSessionTicket"),
        // §4's "construct" step shows only the binder prefix; the full message is the record payload.
        WireVector(name: "ClientHello with PSK", section: 4, role: "client", step: "send handshake record", label: "payload"),
        .construct(4, "server", "ServerHello"),
        .construct(4, "server", "EncryptedExtensions"),
        .construct(4, "server", "Finished"),
        .construct(4, "client", "EndOfEarlyData"),
        .construct(4, "client", "Finished"),
        .construct(5, "client", "ClientHello"),
        WireVector(name: "HelloRetryRequest", section: 5, role: "server", step: "construct a ServerHello", label: "ServerHello"),
        .construct(5, "client", "ClientHello", occurrence: 1),
        .construct(5, "server", "ServerHello", occurrence: 1),
        .construct(5, "server", "EncryptedExtensions"),
        .construct(5, "server", "Certificate"),
        .construct(5, "server", "CertificateVerify"),
        .construct(5, "server", "Finished"),
        .construct(5, "client", "Finished"),
        .construct(6, "client", "ClientHello"),
        .construct(6, "server", "ServerHello"),
        .construct(6, "server", "EncryptedExtensions"),
        .construct(6, "server", "CertificateRequest"),
        .construct(6, "server", "Certificate"),
        .construct(6, "server", "CertificateVerify"),
        .construct(6, "server", "Finished"),
        .construct(6, "client", "Certificate"),
        .construct(6, "client", "CertificateVerify"),
        .construct(6, "client", "Finished"),
        .construct(7, "client", "ClientHello"),
        .construct(7, "server", "ServerHello"),
        .construct(7, "server", "EncryptedExtensions"),
        .construct(7, "server", "Certificate"),
        .construct(7, "server", "CertificateVerify"),
        .construct(7, "server", "Finished"),
        .construct(7, "client", "Finished"),
    ]
}

/// Parses a complete RFC message in the TLS 1.3 / SHA-256 context.
func parseWireMessage(_ bytes: [UInt8], context: HandshakeParsingContext = .tls13(hashLength: 32)) throws -> HandshakeMessage {
    try HandshakeMessage(parsingMessage: bytes, context: context)
}

/// An extension block from raw (type, body) pairs, for building inputs the encoder refuses to write.
func rawExtensionBlock(_ entries: [(UInt16, [UInt8])]) throws -> [UInt8] {
    var writer = ByteWriter()
    try writer.writeVector(prefixBytes: 2) { w in
        for (type, body) in entries {
            w.writeUInt16(type)
            try w.writeOpaque(prefixBytes: 2, body)
        }
    }
    return writer.bytes
}

/// A ClientHello body (TLS 1.3 defaults) followed by the raw extension block `extensions`.
func rawClientHelloBody(extensions: [UInt8], cipherSuites: [UInt8] = [0x00, 0x02, 0x13, 0x01]) -> [UInt8] {
    [0x03, 0x03] + [UInt8](repeating: 0xAB, count: 32) + [0x00] + cipherSuites + [0x01, 0x00] + extensions
}

/// Parses one extension block in `context` from raw bytes.
func parseExtensionBlock(_ bytes: [UInt8], _ context: ExtensionContext) throws -> ExtensionList {
    var reader = ByteReader(bytes)
    let list = try ExtensionList(parsing: &reader, context: context)
    try reader.expectEnd("test block")
    return list
}
