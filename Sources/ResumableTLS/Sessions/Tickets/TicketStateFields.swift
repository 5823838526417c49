import Foundation

/// What a ticket's state is encoded from (`SessionTicketState.encode(_:into:)`): a
/// `SessionTicketState`, or a session sealed directly (`SessionTicketFields`), so that a server
/// issuing a ticket writes the session's fields straight into the ticket, without an
/// intermediate state or a copy of the secret (issue 17: allocations per handshake).
protocol TicketStateFields {
    var protocolVersion: ProtocolVersion { get }
    var cipherSuite: CipherSuite { get }
    var creationTimeMilliseconds: UInt64 { get }
    var timeoutSeconds: UInt32 { get }
    var ticketAgeAdd: UInt32 { get }
    var maxEarlyDataSize: UInt32 { get }
    var contextID: UUID { get }
    var sessionIDContext: [UInt8] { get }
    var serverName: String? { get }
    var applicationProtocol: String? { get }
    var group: NamedGroup? { get }
    var peerCertificates: [[UInt8]] { get }
    var authenticationTimeMilliseconds: UInt64? { get }
    var extendedMasterSecret: Bool { get }
    /// Calls `body` with the secret's bytes (the resumption PSK or master secret).
    func withSecretBytes<Result>(_ body: (UnsafeRawBufferPointer) throws -> Result) rethrows -> Result
}

extension SessionTicketState: TicketStateFields {
    func withSecretBytes<Result>(_ body: (UnsafeRawBufferPointer) throws -> Result) rethrows -> Result {
        try secret.withUnsafeBytes(body)
    }
}

/// A session's fields as its ticket state, with the same truncations as
/// `SessionTicketState(session:includePeerCertificates:)` (milliseconds, whole seconds).
struct SessionTicketFields: TicketStateFields {
    let session: TLSSession
    let peerCertificates: [[UInt8]]
    let creationTimeMilliseconds: UInt64
    let authenticationTimeMilliseconds: UInt64?

    init(_ session: TLSSession, includePeerCertificates: Bool) {
        self.session = session
        peerCertificates = includePeerCertificates ? session.peerCertificates : []
        creationTimeMilliseconds = SessionTicketState.milliseconds(since1970: session.creationTime)
        let authenticated = SessionTicketState.milliseconds(since1970: session.authenticationTime)
        authenticationTimeMilliseconds = authenticated < creationTimeMilliseconds ? authenticated : nil
    }

    var protocolVersion: ProtocolVersion { session.protocolVersion }
    var cipherSuite: CipherSuite { session.cipherSuite }
    var timeoutSeconds: UInt32 { SessionTicketState.clampedSeconds(session.timeout) }
    var ticketAgeAdd: UInt32 { session.ticketAgeAdd }
    var maxEarlyDataSize: UInt32 { session.maxEarlyDataSize }
    var contextID: UUID { session.contextID }
    var sessionIDContext: [UInt8] { session.sessionIDContext }
    var serverName: String? { session.serverName }
    var applicationProtocol: String? { session.applicationProtocol }
    var group: NamedGroup? { session.group }
    var extendedMasterSecret: Bool { session.extendedMasterSecret }

    func withSecretBytes<Result>(_ body: (UnsafeRawBufferPointer) throws -> Result) rethrows -> Result {
        try session.withSecretBytes(body)
    }
}
