import Foundation

/// The client's handshake: the TLS 1.3 state machine sends the ClientHello (offering TLS 1.2
/// too when the version range allows it); a ServerHello that negotiates TLS 1.2 hands the rest
/// to the TLS 1.2 state machine.
final class ClientHandshake {   // a class: the connection's state machine mutates in place, no copy per message
    private enum Machine {
        case tls13(ClientHandshake13)
        case tls12(ClientHandshake12)
    }

    private var machine: Machine
    private let contextID: UUID

    init(configuration: SharedConfiguration, contextID: UUID) {
        machine = .tls13(ClientHandshake13(configuration: configuration))
        self.contextID = contextID
    }

    var configuration: TLSConfiguration {
        switch machine {
        case .tls13(let client): return client.configuration
        case .tls12(let client): return client.configuration
        }
    }

    var negotiatedVersion: ProtocolVersion? {
        if case .tls12 = machine { return .tls12 }
        return nil
    }

    func start(offering session: TLSSession?, now: Date, certificateCoversServerName: Bool,
               earlyDataLength: Int? = nil) throws -> [HandshakeAction] {
        guard case .tls13(let client) = machine else { throw TLSError.invalidState("handshake already started") }
        return try client.start(offering: session, now: now, certificateCoversServerName: certificateCoversServerName,
                                earlyDataLength: earlyDataLength)
    }

    func handle(_ message: HandshakeMessage, raw: ArraySlice<UInt8>, now: Date) throws -> [HandshakeAction] {
        switch machine {
        case .tls13(let client):
            // RFC 8446 §4.1.3: a ServerHello without supported_versions negotiates TLS 1.2 (or
            // older, which the TLS 1.2 machine refuses).
            if case .serverHello(let hello) = message, !hello.isHelloRetryRequest,
               !hello.extensions.contains(.supportedVersions), client.mayNegotiateTLS12 {
                // RFC 8446 §4.2.10: a client that sent early data fails on a TLS 1.2 ServerHello.
                guard !client.sentEarlyData else {
                    throw TLSError.protocolViolation(alert: .protocolVersion, reason: .noCommonVersion("TLS 1.2 ServerHello after early data"))
                }
                let tls12 = try client.continuingInTLS12(contextID: contextID, now: now)
                machine = .tls12(tls12)
                return try tls12.handle(message, raw: raw, now: now)
            }
            return try client.handle(message, raw: raw)
        case .tls12(let client):
            return try client.handle(message, raw: raw, now: now)
        }
    }

    func handleChangeCipherSpec() throws -> [HandshakeAction] {
        guard case .tls12(let client) = machine else {
            throw TLSError.unexpectedMessage("change_cipher_spec outside a TLS 1.2 handshake")
        }
        return try client.handleChangeCipherSpec()
    }

    func peerChainVerified() throws -> [HandshakeAction] {
        switch machine {
        case .tls13(let client):
            return try client.peerChainVerified()
        case .tls12(let client):
            return try client.peerChainVerified()
        }
    }

    /// A session from a TLS 1.3 NewSessionTicket (TLS 1.2 tickets come inside the handshake).
    func session(from ticket: TLS13NewSessionTicket, now: Date, contextID: UUID, negotiated: NegotiatedParameters) throws -> TLSSession {
        guard case .tls13(let client) = machine else {
            throw TLSError.unexpectedMessage("TLS 1.3 NewSessionTicket on a TLS 1.2 connection")
        }
        return try client.session(from: ticket, now: now, contextID: contextID, negotiated: negotiated)
    }

    var parsingContext: HandshakeParsingContext {
        switch machine {
        case .tls13(let client): return client.parsingContext
        case .tls12(let client): return client.parsingContext
        }
    }

    var holdsHandshakeSecrets: Bool {
        switch machine {
        case .tls13(let client): return client.holdsHandshakeSecrets
        case .tls12(let client): return client.holdsHandshakeSecrets
        }
    }

    var peerSentRecordSizeLimit: Bool {
        switch machine {
        case .tls13(let client): return client.peerSentRecordSizeLimit
        case .tls12(let client): return client.peerSentRecordSizeLimit
        }
    }

    var resumedSession: TLSSession? {
        switch machine {
        case .tls13(let client): return client.resumedSession
        case .tls12(let client): return client.resumedSession
        }
    }
}
