import Foundation
import Testing
@testable import ResumableTLS

/// Helpers for the hostile-peer tests: decode what our connection sent, and a scripted peer
/// that runs the library's own handshake state machine with an open record layer, so a test
/// knows the traffic keys and can send any record (protected or not) a real peer never would.
enum Hostile {
    /// One record as it went over the wire.
    struct WireRecord: Equatable {
        var type: UInt8
        var version: UInt16
        var fragment: [UInt8]
        var bytes: [UInt8] { [type, UInt8(version >> 8), UInt8(version & 0xff), UInt8(fragment.count >> 8), UInt8(fragment.count & 0xff)] + fragment }
    }

    /// Splits `bytes` into records; a trailing partial record is ignored.
    static func records(_ bytes: [UInt8]) -> [WireRecord] {
        var records: [WireRecord] = []
        var index = 0
        while bytes.count - index >= 5 {
            let length = Int(bytes[index + 3]) << 8 | Int(bytes[index + 4])
            guard bytes.count - index - 5 >= length else { break }
            records.append(WireRecord(type: bytes[index], version: UInt16(bytes[index + 1]) << 8 | UInt16(bytes[index + 2]),
                                      fragment: Array(bytes[(index + 5)..<(index + 5 + length)])))
            index += 5 + length
        }
        return records
    }

    /// The unprotected alerts in `bytes` (level, description).
    static func plaintextAlerts(_ bytes: [UInt8]) -> [Alert] {
        records(bytes).filter { $0.type == ContentType.alert.rawValue && $0.fragment.count == 2 }
            .compactMap { try? Alert(parsing: $0.fragment) }
    }

    /// A plaintext record.
    static func record(_ type: UInt8, _ fragment: [UInt8], version: UInt16 = 0x0303) -> [UInt8] {
        WireRecord(type: type, version: version, fragment: fragment).bytes
    }

    /// A plaintext handshake record holding `message`.
    static func handshakeRecord(_ message: HandshakeMessage) throws -> [UInt8] {
        record(ContentType.handshake.rawValue, try message.encode())
    }

    /// A handshake message of `type` with `body` (any bytes).
    static func handshakeMessage(type: UInt8, body: [UInt8]) -> [UInt8] {
        [type, UInt8(body.count >> 16), UInt8((body.count >> 8) & 0xff), UInt8(body.count & 0xff)] + body
    }

    /// Checks that `connection` closed with `alert` and sent it as its last (plaintext) record.
    static func expectClosedWithPlaintextAlert(_ connection: TLSConnection, _ alert: AlertDescription, output: [UInt8],
                                               sourceLocation: SourceLocation = #_sourceLocation) {
        expectClosed(connection, alert, sourceLocation: sourceLocation)
        #expect(plaintextAlerts(output) == [.fatal(alert)], "output: \(records(output).map(\.type))", sourceLocation: sourceLocation)
    }

    /// Checks that `connection` is closed by an error whose alert is `alert`.
    static func expectClosed(_ connection: TLSConnection, _ alert: AlertDescription,
                             sourceLocation: SourceLocation = #_sourceLocation) {
        guard case .closed(let error?) = connection.state else {
            Issue.record("expected closed with \(alert), state is \(connection.state)", sourceLocation: sourceLocation)
            return
        }
        #expect(error.alertToSend == alert, "\(error)", sourceLocation: sourceLocation)
    }

    /// Checks that `connection` closed for `reason` (the typed reason, not its text).
    static func expectReason(_ connection: TLSConnection, _ reason: TLSFailureReason,
                             sourceLocation: SourceLocation = #_sourceLocation) {
        guard case .closed(.protocolViolation(_, let actual)?) = connection.state else {
            Issue.record("expected a protocol violation, state is \(connection.state)", sourceLocation: sourceLocation)
            return
        }
        #expect(actual == reason, sourceLocation: sourceLocation)
    }

    /// Checks that nothing is delivered after the failure: more input throws, no event appears.
    static func expectNothingMoreDelivered(_ connection: TLSConnection, moreInput: [UInt8],
                                           sourceLocation: SourceLocation = #_sourceLocation) {
        _ = ConnectionPump.events(connection)   // drain what came before the failure
        #expect(throws: TLSError.self, sourceLocation: sourceLocation) { try connection.receive(moreInput) }
        #expect(connection.nextEvent() == nil, sourceLocation: sourceLocation)
        #expect(connection.takeOutput().isEmpty, sourceLocation: sourceLocation)
    }

    /// Feeds `error`, an error just thrown by `receive`, through the assertions: it names `alert`.
    static func expectThrows(_ alert: AlertDescription, sourceLocation: SourceLocation = #_sourceLocation,
                             _ body: () throws -> Void) {
        do {
            try body()
            Issue.record("expected an error with alert \(alert)", sourceLocation: sourceLocation)
        } catch let error as TLSError {
            #expect(error.alertToSend == alert, "\(error)", sourceLocation: sourceLocation)
        } catch {
            Issue.record("unexpected error \(error)", sourceLocation: sourceLocation)
        }
    }

    /// A client and a server from the in-memory identity, handshake done.
    static func establishedPair(client clientConfiguration: TLSConfiguration? = nil,
                                server serverConfiguration: TLSConfiguration? = nil) async throws -> (TLSConnection, TLSConnection) {
        let client = try TLSContext(clientConfiguration ?? InMemoryIdentity.clientConfiguration()).makeConnection()
        let server = try TLSContext(serverConfiguration ?? InMemoryIdentity.serverConfiguration()).makeConnection()
        try await ConnectionPump.run(client, server)
        guard client.state == .established, server.state == .established else {
            throw TLSSocketDriverError("pair not established: \(client.state) / \(server.state)")
        }
        _ = ConnectionPump.events(client)
        _ = ConnectionPump.events(server)
        return (client, server)
    }
}

/// A peer that runs `ClientHandshake` or `ServerHandshake` (TLS 1.3 or 1.2) directly, over an open record
/// layer: it knows every traffic secret, so a test can tamper with its handshake messages
/// (`tamper`) before they are protected, or send raw records under its current keys
/// (`sendRaw`). Chain verification is skipped (it is the hostile side).
final class ScriptedPeer {
    private enum Machine {
        case client(ClientHandshake)
        case server(ServerHandshake)
    }

    private var machine: Machine
    private var records = ConnectionRecordLayer()
    private var reassembler = HandshakeReassembler()
    /// Protection for `sendRaw`, started from the record layer's write keys at first use.
    private var rawWriteProtection: RecordCipher?
    /// Rewrites each handshake message (header included) we are about to send.
    var tamper: (HandshakeType, [UInt8]) -> [UInt8] = { $1 }
    /// Alerts received (opened when protected).
    private(set) var alertsReceived: [Alert] = []
    private(set) var applicationData: [UInt8] = []
    private(set) var completed = false
    /// The handshake messages received, by type.
    private(set) var handshakeTypesReceived: [HandshakeType] = []

    init(client configuration: TLSConfiguration) {
        machine = .client(ClientHandshake(configuration: SharedConfiguration(configuration), contextID: UUID()))
    }

    init(server plain: TLSConfiguration) {
        let configuration = SharedConfiguration(plain)
        machine = .server(ServerHandshake(
            configuration: configuration, resolver: nil, sessions: ScriptedSessionSource(), contextID: UUID()))
    }

    /// A client's first flight.
    func start() throws -> [UInt8] {
        guard case .client(let client) = machine else { return [] }
        let actions = try client.start(offering: nil, now: Date(), certificateCoversServerName: false)
        try apply(actions)
        try records.flushHandshake()
        return records.takeOutput()
    }

    /// Processes bytes from the connection under test; returns what we answer.
    func receive(_ bytes: [UInt8]) throws -> [UInt8] {
        records.append(bytes)
        while let record = try records.nextRecord() {
            switch record.contentType {
            case .handshake:
                reassembler.append(record.content)
                while let message = try reassembler.nextMessage() {
                    handshakeTypesReceived.append(message.type)
                    try handle(message)
                }
            case .alert:
                alertsReceived.append(try Alert(parsing: record.content))
            case .applicationData:
                applicationData += record.content
            case .changeCipherSpec:
                try handleChangeCipherSpec()
            }
        }
        try records.flushHandshake()
        return records.takeOutput()
    }

    /// Seals one record of `type` with `payload` under our current write keys (or plaintext
    /// before there are any). Keep to `sendRaw` once used: it keeps its own sequence number.
    func sendRaw(_ type: ContentType, _ payload: [UInt8]) throws -> [UInt8] {
        if rawWriteProtection == nil { rawWriteProtection = records.writeProtection }
        guard var protection = rawWriteProtection else { return Hostile.record(type.rawValue, payload) }
        var record = [UInt8](repeating: 0, count: protection.recordPrefixLength) + payload
        try protection.seal(&record, recordStart: 0, contentType: type)
        rawWriteProtection = protection
        return record
    }

    /// Seals a record by hand (no size checks), for record_overflow: inner plaintext
    /// `content + [innerType]`, the sequence number carried on for `sendRaw`.
    func sealUnchecked(_ content: [UInt8], innerType: UInt8 = ContentType.applicationData.rawValue) throws -> [UInt8] {
        if rawWriteProtection == nil { rawWriteProtection = records.writeProtection }
        guard let protection = rawWriteProtection, let secret = records.writeSecret else { throw TLSSocketDriverError("no write keys") }
        let keys = TrafficKeys(suite: secret.suite, trafficSecret: secret.secret)
        let inner = content + [innerType]
        let ciphertextLength = inner.count + keys.aead.tagLength
        let header: [UInt8] = [ContentType.applicationData.rawValue, 0x03, 0x03, UInt8(ciphertextLength >> 8), UInt8(ciphertextLength & 0xff)]
        var buffer = header + inner + [UInt8](repeating: 0, count: keys.aead.tagLength)
        try SwiftCryptoAEADBackend(algorithm: keys.aead, key: keys.key).sealInPlace(
            &buffer, plaintext: 5 ..< 5 + inner.count, nonce: keys.recordNonce(sequenceNumber: protection.sequenceNumber), additionalData: 0 ..< 5)
        rawWriteProtection = .tls13(RecordProtection(keys: keys, sequenceNumber: protection.sequenceNumber + 1))
        return buffer
    }

    var readSecret: TrafficSecret? { records.readSecret }
    var writeSecret: TrafficSecret? { records.writeSecret }

    /// TLS 1.2's ChangeCipherSpec switches our read keys; TLS 1.3's is dropped.
    private func handleChangeCipherSpec() throws {
        switch machine {
        case .client(let client) where client.negotiatedVersion == .tls12:
            let actions = try client.handleChangeCipherSpec()
            try apply(actions)
        case .server(let server) where server.negotiatedVersion == .tls12:
            let actions = try server.handleChangeCipherSpec()
            try apply(actions)
        default:
            return
        }
    }

    private func handle(_ raw: RawHandshakeMessage) throws {
        switch machine {
        case .client(let client):
            let message = try HandshakeMessage(parsingMessage: raw.bytes, context: client.parsingContext)
            // Our server's tickets follow its handshake; the scripted client has no use for them.
            if case .newSessionTicket = message, completed { return }
            var actions = try client.handle(message, raw: raw.bytes, now: Date())
            if actions.contains(where: { if case .verifyPeerChain = $0 { return true } else { return false } }) {
                try apply(actions)
                actions = try client.peerChainVerified()
            }
            try apply(actions)
        case .server(let server):
            let message = try HandshakeMessage(parsingMessage: raw.bytes, context: server.parsingContext)
            var actions = try server.handle(message, raw: raw.bytes, now: Date())
            if actions.contains(where: { if case .verifyPeerChain = $0 { return true } else { return false } }) {
                try apply(actions)
                actions = try server.peerChainVerified()
            }
            try apply(actions)
        }
    }

    private func apply(_ actions: [HandshakeAction]) throws {
        for action in actions {
            switch action {
            case .send(let bytes):
                let type = HandshakeType(rawValue: bytes.first ?? 0)
                records.queueHandshake(tamper(type, bytes))
            case .sendChangeCipherSpec:
                try records.writeChangeCipherSpec()
            case .setReadKeys(let secret):
                records.setReadKeys(secret)
            case .setWriteKeys(let secret):
                try records.setWriteKeys(secret)
            case .verifyPeerChain, .lookUpSessions:
                continue
            case .completed:
                completed = true
            case .newSession, .acceptEarlyData, .earlyDataEnded, .sendEarlyData, .earlyDataAnswered:
                continue
            case .skipEarlyData(let mode, let limit):
                records.skipEarlyData(mode, upTo: limit)
            case .dropWriteKeys:
                try records.dropWriteKeys()
            }
        }
    }
}

/// The scripted server's sessions: it resumes nothing and issues no tickets.
final class ScriptedSessionSource: ServerSessionSource {
    func redeem(_ identity: [UInt8], now: Date) -> TLSSession? { nil }
    func missingReason(_ identity: [UInt8]) -> ResumptionDeclineReason { .unknownTicket }
    func claim(_ identity: [UInt8], session: TLSSession, now: Date) -> Bool { true }
    func issueTicket(_ make: (_ sessionID: [UInt8], _ ticket: [UInt8]) throws -> TLSSession) throws -> TLSSession {
        throw TLSError.internalError("the scripted server issues no tickets")
    }
    func ticketNeedsRenewal(_ identity: [UInt8]) -> Bool { false }
    var earlyDataAllowed: Bool { true }
    var clientHelloFirstSeen: Bool? { nil }
}
