import Foundation
import Testing
@testable import ResumableTLS

/// Hostile TLS 1.2 peers (issue 13), as the TLS 1.3 hostile tests do: a scripted peer running
/// the library's own TLS 1.2 state machine with an open record layer, or flights rewritten in
/// transit. Each case ends in the RFC's alert and nothing traps.
@Suite("Hostile TLS 1.2 peers")
struct TLS12HostileTests {
    private static func tls12Client() throws -> TLSConfiguration {
        var configuration = try InMemoryIdentity.clientConfiguration()
        configuration.maximumVersion = .tls12
        return configuration
    }

    private static func tls12Server() -> TLSConfiguration {
        var configuration = InMemoryIdentity.serverConfiguration()
        configuration.maximumVersion = .tls12
        return configuration
    }

    /// Our server and a scripted TLS 1.2 client, handshake done.
    private func establishedWithScriptedClient() throws -> (TLSConnection, ScriptedPeer) {
        let server = try TLSContext(Self.tls12Server()).makeConnection()
        let peer = ScriptedPeer(client: try Self.tls12Client())
        try server.receive(try peer.start())
        try server.receive(try peer.receive(server.takeOutput()))
        _ = try peer.receive(server.takeOutput())
        #expect(peer.completed && server.state == .established)
        #expect(server.negotiated?.version == .tls12)
        _ = ConnectionPump.events(server)
        return (server, peer)
    }

    @Test("ChangeCipherSpec before the key exchange: unexpected_message")
    func changeCipherSpecBeforeKeys() throws {
        let server = try TLSContext(Self.tls12Server()).makeConnection()
        let client = try TLSContext(try Self.tls12Client()).makeConnection()
        try client.startHandshake()
        try server.receive(client.takeOutput())
        _ = server.takeOutput()
        Hostile.expectThrows(.unexpectedMessage) { try server.receive(ChangeCipherSpec.record) }
        Hostile.expectClosedWithPlaintextAlert(server, .unexpectedMessage, output: server.takeOutput())
    }

    @Test("A second ChangeCipherSpec, once keys changed, cannot open: unexpected_message")
    func secondChangeCipherSpec() throws {
        let (server, _) = try establishedWithScriptedClient()
        Hostile.expectThrows(.unexpectedMessage) { try server.receive(ChangeCipherSpec.record) }
        Hostile.expectClosed(server, .unexpectedMessage)
    }

    @Test("A wrong client Finished: decrypt_error")
    func wrongClientFinished() throws {
        let server = try TLSContext(Self.tls12Server()).makeConnection()
        let peer = ScriptedPeer(client: try Self.tls12Client())
        peer.tamper = { type, bytes in
            guard type == .finished else { return bytes }
            var changed = bytes
            changed[changed.count - 1] ^= 0x01
            return changed
        }
        try server.receive(try peer.start())
        let flight = try peer.receive(server.takeOutput())
        Hostile.expectThrows(.decryptError) { try server.receive(flight) }
        Hostile.expectClosed(server, .decryptError)
        Hostile.expectReason(server, .finishedMismatch)
        _ = try peer.receive(server.takeOutput())
        #expect(peer.alertsReceived == [.fatal(.decryptError)])
    }

    @Test("A wrong server Finished: our client sends decrypt_error")
    func wrongServerFinished() async throws {
        let client = try TLSContext(try Self.tls12Client()).makeConnection()
        let peer = ScriptedPeer(server: Self.tls12Server())
        peer.tamper = { type, bytes in
            guard type == .finished else { return bytes }
            var changed = bytes
            changed[changed.count - 1] ^= 0x01
            return changed
        }
        try client.startHandshake()
        try client.receive(try peer.receive(client.takeOutput()))
        try await ConnectionPump.runPendingWork(client)
        Hostile.expectThrows(.decryptError) { try client.receive(try peer.receive(client.takeOutput())) }
        Hostile.expectClosed(client, .decryptError)
    }

    @Test("A renegotiation ClientHello after the handshake: no_renegotiation (RFC 5746)")
    func renegotiationClientHello() throws {
        let (server, peer) = try establishedWithScriptedClient()
        let helloClient = try TLSContext(try Self.tls12Client()).makeConnection()
        try helloClient.startHandshake()
        let hello = Hostile.records(helloClient.takeOutput())[0].fragment
        Hostile.expectThrows(.noRenegotiation) { try server.receive(try peer.sendRaw(.handshake, hello)) }
        Hostile.expectClosed(server, .noRenegotiation)
        Hostile.expectReason(server, .renegotiationRefused)
        _ = try peer.receive(server.takeOutput())
        #expect(peer.alertsReceived == [.fatal(.noRenegotiation)])
        Hostile.expectNothingMoreDelivered(server, moreInput: try peer.sendRaw(.applicationData, [1]))
    }

    @Test("A HelloRequest after the handshake: our client refuses to renegotiate")
    func helloRequest() async throws {
        let client = try TLSContext(try Self.tls12Client()).makeConnection()
        let peer = ScriptedPeer(server: Self.tls12Server())
        try client.startHandshake()
        try client.receive(try peer.receive(client.takeOutput()))
        try await ConnectionPump.runPendingWork(client)
        try client.receive(try peer.receive(client.takeOutput()))
        #expect(client.state == .established)
        Hostile.expectThrows(.noRenegotiation) { try client.receive(try peer.sendRaw(.handshake, [0, 0, 0, 0])) }
        Hostile.expectClosed(client, .noRenegotiation)
        Hostile.expectReason(client, .renegotiationRefused)
    }

    @Test("A resumption ServerHello that drops EMS: handshake_failure (RFC 7627 §5.3)")
    func resumptionDropsExtendedMasterSecret() async throws {
        var clientConfiguration = try Self.tls12Client()
        clientConfiguration.tls12SessionTickets = false
        let clientContext = try TLSContext(clientConfiguration)
        let serverContext = try TLSContext(Self.tls12Server())
        let (first, _) = try await ConnectionPump.connectAndClose(clientContext, serverContext)
        let client = clientContext.makeConnection()
        let offered: TLSSession = try #require(first.session)
        try client.offer(offered)
        let server = serverContext.makeConnection()
        try client.startHandshake()
        try server.receive(client.takeOutput())
        let rewritten = try Self.rewriteServerHello(server.takeOutput()) {
            $0.extensions = ExtensionList($0.extensions.filter { $0.type != .extendedMasterSecret })
        }
        Hostile.expectThrows(.handshakeFailure) { try client.receive(rewritten) }
        Hostile.expectClosed(client, .handshakeFailure)
        Hostile.expectReason(client, .extendedMasterSecret("resumption changed the extended master secret state"))
    }

    @Test("A ServerHello with a suite we did not offer: illegal_parameter")
    func serverHelloWithUnofferedSuite() throws {
        var clientConfiguration = try Self.tls12Client()
        clientConfiguration.cipherSuites = [.ecdheECDSAWithAES128GCMSHA256]
        let client = try TLSContext(clientConfiguration).makeConnection()
        let server = try TLSContext(Self.tls12Server()).makeConnection()
        try client.startHandshake()
        try server.receive(client.takeOutput())
        let rewritten = try Self.rewriteServerHello(server.takeOutput()) { $0.cipherSuite = .ecdheECDSAWithAES256GCMSHA384 }
        Hostile.expectThrows(.illegalParameter) { try client.receive(rewritten) }
    }

    @Test("A ServerKeyExchange for a group we did not offer: illegal_parameter")
    func serverKeyExchangeWithUnofferedGroup() throws {
        var clientConfiguration = try Self.tls12Client()
        clientConfiguration.groups = [.x25519]
        let client = try TLSContext(clientConfiguration).makeConnection()
        let peer = ScriptedPeer(server: Self.tls12Server())
        peer.tamper = { type, bytes in
            guard type == .serverKeyExchange else { return bytes }
            var changed = bytes
            changed[5] = 0x00
            changed[6] = 0x18   // secp384r1
            return changed
        }
        try client.startHandshake()
        Hostile.expectThrows(.illegalParameter) { try client.receive(try peer.receive(client.takeOutput())) }
    }

    @Test("A ServerHello without renegotiation_info: handshake_failure (RFC 5746 §3.4, as OpenSSL 3.0)")
    func serverWithoutSecureRenegotiation() throws {
        let client = try TLSContext(try Self.tls12Client()).makeConnection()
        let server = try TLSContext(Self.tls12Server()).makeConnection()
        try client.startHandshake()
        try server.receive(client.takeOutput())
        let rewritten = try Self.rewriteServerHello(server.takeOutput()) {
            $0.extensions = ExtensionList($0.extensions.filter { $0.type != .renegotiationInfo })
        }
        Hostile.expectThrows(.handshakeFailure) { try client.receive(rewritten) }
    }

    @Test("ClientHello: renegotiation_info not empty, no signature_algorithms, no uncompressed point format",
          arguments: ["renegotiation_info", "signature_algorithms", "ec_point_formats"])
    func badClientHello(_ defect: String) throws {
        let client = try TLSContext(try Self.tls12Client()).makeConnection()
        let server = try TLSContext(Self.tls12Server()).makeConnection()
        try client.startHandshake()
        let hello = try TLS12HandshakeTests.rewriteClientHello(client.takeOutput()) { hello in
            var extensions = hello.extensions.extensions
            switch defect {
            case "renegotiation_info":
                extensions = extensions.map { $0.type == .renegotiationInfo ? .renegotiationInfo([1, 2, 3]) : $0 }
            case "signature_algorithms":
                extensions.removeAll { $0.type == .signatureAlgorithms }
            default:
                extensions = extensions.map { $0.type == .ecPointFormats ? .unknown(.ecPointFormats, [1, 1]) : $0 }
            }
            hello.extensions = ExtensionList(extensions)
        }
        let expected: AlertDescription = defect == "ec_point_formats" ? .illegalParameter : .handshakeFailure
        Hostile.expectThrows(expected) { try server.receive(hello) }
        Hostile.expectClosedWithPlaintextAlert(server, expected, output: server.takeOutput())
    }

    @Test("Truncated and oversized TLS 1.2 key exchange messages: decode_error / illegal_parameter, no trap")
    func malformedKeyExchange() throws {
        for body: [UInt8] in [[], [0], [5, 1, 2], [UInt8](repeating: 4, count: 300)] {
            let server = try TLSContext(Self.tls12Server()).makeConnection()
            let client = try TLSContext(try Self.tls12Client()).makeConnection()
            try client.startHandshake()
            try server.receive(client.takeOutput())
            _ = server.takeOutput()
            let message = Hostile.handshakeMessage(type: HandshakeType.clientKeyExchange.rawValue, body: body)
            do {
                try server.receive(Hostile.record(ContentType.handshake.rawValue, message))
                Issue.record("ClientKeyExchange \(body.count) bytes accepted")
            } catch let error as TLSError {
                #expect([.decodeError, .illegalParameter].contains(error.alertToSend), "\(error)")
            }
        }
    }

    /// Re-frames a server's first flight with its ServerHello changed by `change`.
    static func rewriteServerHello(_ flight: [UInt8], _ change: (inout ServerHello) -> Void) throws -> [UInt8] {
        var output: [UInt8] = []
        var protected = false
        for record in Hostile.records(flight) {
            // After ChangeCipherSpec the records are encrypted: passed on as they are.
            if record.type == ContentType.changeCipherSpec.rawValue { protected = true }
            guard record.type == ContentType.handshake.rawValue, !protected else {
                output += record.bytes
                continue
            }
            var reassembler = HandshakeReassembler()
            reassembler.append(record.fragment[...])
            var fragment: [UInt8] = []
            while let raw = try reassembler.nextMessage() {
                if raw.bytes.first == HandshakeType.serverHello.rawValue,
                   case .serverHello(var hello) = try HandshakeMessage(parsingMessage: raw.bytes, context: .initial) {
                    change(&hello)
                    fragment += try HandshakeMessage.serverHello(hello).encode()
                } else {
                    fragment += raw.bytes
                }
            }
            output += Hostile.record(ContentType.handshake.rawValue, fragment)
        }
        return output
    }
}
