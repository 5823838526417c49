import Testing
import RTLSBenchmarks
@testable import ResumableTLS

/// Security review L11: unsolicited extensions, the second ClientHello, handshake messages too
/// long for their type, and malformed key shares.
@Suite("L11: validation gaps")
struct ValidationGapsTests {
    // MARK: Against our client, from a scripted server

    /// Our client's result when a scripted server's message of `type` is replaced by `replacement`.
    private func clientFacing(_ type: HandshakeType, replacedBy replacement: [UInt8]) throws -> TLSConnection {
        let client = try TLSContext(try InMemoryIdentity.clientConfiguration()).makeConnection()
        try client.startHandshake()
        let peer = ScriptedPeer(server: InMemoryIdentity.serverConfiguration())
        peer.tamper = { messageType, bytes in messageType == type ? replacement : bytes }
        let flight = try peer.receive(client.takeOutput())
        _ = try? client.receive(flight)
        return client
    }

    @Test("record_size_limit in EncryptedExtensions without our asking: unsupported_extension")
    func unsolicitedRecordSizeLimit() throws {
        let ee = try HandshakeMessage.encryptedExtensions(EncryptedExtensions(extensions: [.recordSizeLimit(1_000)])).encode()
        Hostile.expectClosed(try clientFacing(.encryptedExtensions, replacedBy: ee), .unsupportedExtension)
    }

    @Test("ALPN in EncryptedExtensions when we offered none: unsupported_extension")
    func unsolicitedALPN() throws {
        let ee = try HandshakeMessage.encryptedExtensions(EncryptedExtensions(extensions: [.selectedApplicationProtocol(Array("h2".utf8))])).encode()
        Hostile.expectClosed(try clientFacing(.encryptedExtensions, replacedBy: ee), .unsupportedExtension)
    }

    @Test("A CertificateEntry extension we did not ask for (status_request): unsupported_extension")
    func unsolicitedCertificateEntryExtension() throws {
        let entry = CertificateEntry(certificateData: InMemoryIdentity.shared.certificateDER,
                                     extensions: [.unknown(ExtensionType(rawValue: 5), [1, 0, 0, 0, 0])])
        let certificate = try HandshakeMessage.certificate(CertificateMessage(certificateList: [entry])).encode()
        Hostile.expectClosed(try clientFacing(.certificate, replacedBy: certificate), .unsupportedExtension)
    }

    // MARK: Against our server: the second ClientHello

    /// A server that sent a HelloRetryRequest (it wants x25519, the client shared P-256 only),
    /// and the client's second ClientHello, parsed.
    private func afterHelloRetryRequest() throws -> (server: TLSConnection, second: ClientHello, secondRecords: [UInt8]) {
        var clientConfiguration = try InMemoryIdentity.clientConfiguration()
        clientConfiguration.groups = [.x25519, .secp256r1]
        clientConfiguration.keyShareGroups = [.secp256r1]
        clientConfiguration.middleboxCompatibility = false
        var serverConfiguration = InMemoryIdentity.serverConfiguration()
        serverConfiguration.groups = [.x25519]
        let client = try TLSContext(clientConfiguration).makeConnection()
        let server = try TLSContext(serverConfiguration).makeConnection()
        try client.startHandshake()
        try server.receive(client.takeOutput())
        try client.receive(server.takeOutput())
        let secondRecords = client.takeOutput()
        return (server, try HostileClientHello.parse(firstRecordOf: secondRecords), secondRecords)
    }

    @Test("The second ClientHello as sent is accepted (the harness is sound)")
    func secondClientHelloUnchanged() throws {
        let (server, _, records) = try afterHelloRetryRequest()
        try server.receive(records)
        #expect(server.state == .handshaking)
    }

    @Test("A second ClientHello with two key shares: illegal_parameter")
    func secondClientHelloTwoShares() throws {
        var (server, second, _) = try afterHelloRetryRequest()
        guard case .keyShareClientHello(let shares)? = second.extensions[.keyShare], let share = shares.first else {
            Issue.record("no key share"); return
        }
        let extra = KeyShareEntry(group: .secp256r1, keyExchange: [0x04] + [UInt8](repeating: 1, count: 64))
        second.extensions = ExtensionList(second.extensions.map { $0.type == .keyShare ? .keyShareClientHello([share, extra]) : $0 })
        Hostile.expectThrows(.illegalParameter) { try server.receive(try HostileClientHello.records(second)) }
    }

    @Test("A second ClientHello with another legacy_version: illegal_parameter")
    func secondClientHelloOtherVersion() throws {
        var (server, second, _) = try afterHelloRetryRequest()
        second.legacyVersion = .tls10
        Hostile.expectThrows(.illegalParameter) { try server.receive(try HostileClientHello.records(second)) }
    }

    @Test("A second ClientHello that gains a PSK identity: illegal_parameter")
    func secondClientHelloNewIdentity() throws {
        var (server, second, _) = try afterHelloRetryRequest()
        #expect(second.extensions.contains(.pskKeyExchangeModes) && second.offeredPSKs == nil)
        second.extensions = ExtensionList(second.extensions.extensions + [.preSharedKeyOffer(OfferedPSKs(
            identities: [PSKIdentity(identity: [UInt8](repeating: 3, count: 40), obfuscatedTicketAge: 0)],
            binders: [[UInt8](repeating: 0, count: 32)]))])
        #expect(throws: TLSError.illegalParameter("second ClientHello offers a PSK the first did not")) {
            try server.receive(try HostileClientHello.records(second))
        }
    }

    // MARK: Message lengths and key shares

    @Test("A Finished padded to 128 KiB, a two-byte KeyUpdate: decode_error from the header alone")
    func messageTooLongForItsType() throws {
        let server = try TLSContext(InMemoryIdentity.serverConfiguration()).makeConnection()
        // Only the header and a few bytes: the length is refused before anything is buffered.
        Hostile.expectThrows(.decodeError) { try server.receive(Hostile.record(22, [20, 0x02, 0x00, 0x00, 0, 0, 0, 0])) }
        Hostile.expectClosedWithPlaintextAlert(server, .decodeError, output: server.takeOutput())
        var reassembler = HandshakeReassembler()
        reassembler.append([24, 0, 0, 2, 0, 0])
        #expect(throws: TLSError.decodeError("key_update of 2 bytes, at most 1 for its type")) { _ = try reassembler.nextMessage() }
    }

    @Test("An X25519 key share of the wrong length is illegal_parameter; an empty one decode_error")
    func malformedX25519Share() throws {
        let client = try TLSContext(try InMemoryIdentity.clientConfiguration()).makeConnection()
        try client.startHandshake()
        let base = try HostileClientHello.parse(firstRecordOf: client.takeOutput())
        var short = base
        short.extensions = ExtensionList(base.extensions.map {
            $0.type == .keyShare ? .keyShareClientHello([KeyShareEntry(group: .x25519, keyExchange: [UInt8](repeating: 9, count: 31))]) : $0
        })
        let server = try TLSContext(InMemoryIdentity.serverConfiguration()).makeConnection()
        Hostile.expectThrows(.illegalParameter) { try server.receive(try HostileClientHello.records(short)) }
        // opaque key_exchange<1..2^16-1>: an empty one does not parse (OpenSSL answers the same).
        var records = try HostileClientHello.records(base)
        guard let shareStart = Self.find([0x00, 0x1D, 0x00, 0x20], in: records) else { Issue.record("no x25519 share"); return }
        records[shareStart + 3] = 0x00   // length 0; the 32 key bytes now follow as garbage
        let other = try TLSContext(InMemoryIdentity.serverConfiguration()).makeConnection()
        Hostile.expectThrows(.decodeError) { try other.receive(records) }
    }

    private static func find(_ needle: [UInt8], in haystack: [UInt8]) -> Int? {
        guard haystack.count >= needle.count else { return nil }
        for start in 0...(haystack.count - needle.count) where Array(haystack[start..<(start + needle.count)]) == needle {
            return start
        }
        return nil
    }
}
