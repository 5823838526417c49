import Testing
@testable import ResumableTLS

@Suite struct WireConstructedRoundTripTests {
    static let share = KeyShareEntry(group: .x25519, keyExchange: [UInt8](repeating: 0x42, count: 32))
    static let offer = OfferedPSKs(
        identities: [PSKIdentity(identity: [1, 2, 3], obfuscatedTicketAge: 0xDEADBEEF), PSKIdentity(identity: [9], obfuscatedTicketAge: 0)],
        binders: [[UInt8](repeating: 0xAA, count: 32), [UInt8](repeating: 0xBB, count: 48)])

    /// Every `Extension` case, each with a context it is valid in.
    static let extensionCases: [(ExtensionContext, Extension)] = [
        (.clientHello, .serverName("example.com")),
        (.encryptedExtensions, .serverNameAcknowledged),
        (.serverHello, .serverNameAcknowledged),
        (.clientHello, .maxFragmentLength(.bytes4096)),
        (.clientHello, .supportedGroups([.x25519, .secp256r1])),
        (.encryptedExtensions, .supportedGroups([.x448])),
        (.clientHello, .signatureAlgorithms([.ed25519, .rsaPSSRSAESHA256])),
        (.certificateRequest, .signatureAlgorithmsCert([.ecdsaSecp256r1SHA256])),
        (.clientHello, .applicationLayerProtocols([Array("h2".utf8), Array("http/1.1".utf8)])),
        (.encryptedExtensions, .selectedApplicationProtocol(Array("h2".utf8))),
        (.serverHello, .selectedApplicationProtocol(Array("http/1.1".utf8))),
        (.serverHello, .extendedMasterSecret),
        (.encryptedExtensions, .recordSizeLimit(16385)),
        (.clientHello, .sessionTicket([])),
        (.serverHello, .sessionTicket([1, 2, 3])),
        (.clientHello, .preSharedKeyOffer(offer)),
        (.serverHello, .preSharedKeySelected(1)),
        (.clientHello, .earlyData),
        (.encryptedExtensions, .earlyData),
        (.newSessionTicket, .maxEarlyDataSize(16384)),
        (.clientHello, .supportedVersionsClientHello([.tls13, .tls12])),
        (.serverHello, .supportedVersionsSelected(.tls13)),
        (.helloRetryRequest, .supportedVersionsSelected(.tls13)),
        (.helloRetryRequest, .cookie([UInt8](repeating: 7, count: 300))),
        (.clientHello, .pskKeyExchangeModes([.pskDHEKE, .pskKE])),
        (.clientHello, .postHandshakeAuth),
        (.clientHello, .keyShareClientHello([share, KeyShareEntry(group: .secp256r1, keyExchange: [4] + [UInt8](repeating: 1, count: 64))])),
        (.clientHello, .keyShareClientHello([])),
        (.serverHello, .keyShareServerHello(share)),
        (.helloRetryRequest, .keyShareHelloRetryRequest(.secp384r1)),
        (.clientHello, .ticketRequest(newSessionCount: 2, resumptionCount: 1)),
        (.encryptedExtensions, .ticketRequestExpectedCount(3)),
        (.clientHello, .renegotiationInfo([])),
        (.serverHello, .renegotiationInfo([UInt8](repeating: 5, count: 24))),
        (.certificate, .unknown(.statusRequest, [1, 0, 0, 0, 0])),
        (.newSessionTicket, .unknown(ExtensionType(rawValue: 0xFAFA), [])),
    ]

    @Test func everyExtensionCaseRoundTrips() throws {
        for (context, ext) in Self.extensionCases {
            var writer = ByteWriter()
            try ExtensionList([ext]).encode(into: &writer)
            let parsed = try parseExtensionBlock(writer.bytes, context)
            #expect(parsed == ExtensionList([ext]), "\(ext) in \(context)")
        }
    }

    @Test func extensionCasesCoverEveryType() {
        let types = Set(Self.extensionCases.map(\.1.type.rawValue))
        for type: ExtensionType in [.serverName, .maxFragmentLength, .supportedGroups, .signatureAlgorithms, .signatureAlgorithmsCert,
                                    .applicationLayerProtocolNegotiation, .extendedMasterSecret, .recordSizeLimit, .sessionTicket,
                                    .preSharedKey, .earlyData, .supportedVersions, .cookie, .pskKeyExchangeModes, .postHandshakeAuth,
                                    .keyShare, .ticketRequest, .renegotiationInfo] {
            #expect(types.contains(type.rawValue), "\(type)")
        }
    }

    @Test func encoderRefusesInvalidValues() {
        let invalid: [Extension] = [
            .supportedGroups([]), .signatureAlgorithms([]), .applicationLayerProtocols([]), .applicationLayerProtocols([[]]),
            .selectedApplicationProtocol([]), .supportedVersionsClientHello([]), .cookie([]), .pskKeyExchangeModes([]),
            .serverName(""), .renegotiationInfo([UInt8](repeating: 0, count: 256)),
            .preSharedKeyOffer(OfferedPSKs(identities: [], binders: [])),
            .preSharedKeyOffer(OfferedPSKs(identities: [PSKIdentity(identity: [1], obfuscatedTicketAge: 0)], binders: [[1]])),
        ]
        for ext in invalid {
            var writer = ByteWriter()
            expectWireAlert(.internalError, "\(ext)") { try ExtensionList([ext]).encode(into: &writer) }
        }
        var writer = ByteWriter()
        expectWireAlert(.internalError) { try ExtensionList([.earlyData, .earlyData]).encode(into: &writer) }
    }

    static let messages: [(HandshakeMessage, HandshakeParsingContext)] = {
        let random = [UInt8](repeating: 0x11, count: 32)
        return [
            (.clientHello(ClientHello(random: random, legacySessionID: [UInt8](repeating: 3, count: 32),
                                      cipherSuites: CodePointList(CipherSuite.tls13Suites),
                                      extensions: [.serverName("a.example"), .supportedVersionsClientHello([.tls13]),
                                                   .keyShareClientHello([share]), .pskKeyExchangeModes([.pskDHEKE]), .preSharedKeyOffer(offer)])), .initial),
            (.clientHello(ClientHello(random: random, cipherSuites: [.ecdheRSAWithAES128GCMSHA256], extensions: [])), .initial),
            (.serverHello(ServerHello(random: random, cipherSuite: .tlsAES256GCMSHA384,
                                      extensions: [.supportedVersionsSelected(.tls13), .keyShareServerHello(share), .preSharedKeySelected(0)])), .initial),
            (.serverHello(ServerHello(random: ServerHello.helloRetryRequestRandom, cipherSuite: .tlsAES128GCMSHA256,
                                      extensions: [.supportedVersionsSelected(.tls13), .keyShareHelloRetryRequest(.secp256r1), .cookie([1, 2])])), .initial),
            (.serverHello(ServerHello(random: Array(random[0..<24]) + DowngradeSentinel.tls12.bytes, cipherSuite: .ecdheRSAWithAES128GCMSHA256,
                                      extensions: [.extendedMasterSecret, .renegotiationInfo([])])), .initial),
            (.encryptedExtensions(EncryptedExtensions(extensions: [.serverNameAcknowledged, .selectedApplicationProtocol([0x68, 0x32]), .earlyData])), .tls13(hashLength: 48)),
            (.encryptedExtensions(EncryptedExtensions()), .tls13(hashLength: 32)),
            (.certificate(CertificateMessage(certificateRequestContext: [9, 9], certificateList: [
                CertificateEntry(certificateData: [0x30, 0x03, 1, 2, 3], extensions: [.unknown(.statusRequest, [1, 0, 0, 2, 0xAB, 0xCD])]),
                CertificateEntry(certificateData: [0x30, 0x00]),
            ])), .tls13(hashLength: 32)),
            (.certificate(CertificateMessage(certificateList: [])), .tls13(hashLength: 32)),
            (.certificateRequest(CertificateRequest(certificateRequestContext: [1], extensions: [.signatureAlgorithms([.ed25519])])), .tls13(hashLength: 32)),
            (.certificateVerify(CertificateVerify(algorithm: .ecdsaSecp256r1SHA256, signature: [UInt8](repeating: 0x30, count: 71))), .tls13(hashLength: 32)),
            (.finished(Finished(verifyData: [UInt8](repeating: 0xF1, count: 48))), .tls13(hashLength: 48)),
            (.finished(Finished(verifyData: [UInt8](repeating: 0xF2, count: 12))), .tls12),
            (.newSessionTicket(TLS13NewSessionTicket(ticketLifetime: 604_800, ticketAgeAdd: 0x01020304, ticketNonce: [0],
                                                     ticket: [UInt8](repeating: 0x7E, count: 100), extensions: [.maxEarlyDataSize(0xFFFFFFFF)])), .tls13(hashLength: 32)),
            (.keyUpdate(KeyUpdate(request: .updateNotRequested)), .tls13(hashLength: 32)),
            (.keyUpdate(KeyUpdate(request: .updateRequested)), .tls13(hashLength: 32)),
            (.endOfEarlyData(EndOfEarlyData()), .tls13(hashLength: 32)),
            (.tls12NewSessionTicket(TLS12NewSessionTicket(ticketLifetimeHint: 7200, ticket: [1, 2, 3])), .tls12),
            (.tls12NewSessionTicket(TLS12NewSessionTicket(ticketLifetimeHint: 0, ticket: [])), .tls12),
            (.tls12ServerKeyExchange(TLS12ServerKeyExchange(group: .x25519, publicPoint: [UInt8](repeating: 9, count: 32),
                                                            signatureAlgorithm: .rsaPSSRSAESHA256, signature: [UInt8](repeating: 8, count: 256))), .tls12),
            (.tls12ClientKeyExchange(TLS12ClientKeyExchange(publicPoint: [4] + [UInt8](repeating: 6, count: 64))), .tls12),
            (.tls12ServerHelloDone(TLS12ServerHelloDone()), .tls12),
            (.certificateVerify(CertificateVerify(algorithm: .rsaPKCS1SHA256, signature: [])), .tls12),
            (.tls12Certificate(TLS12Certificate(certificates: [[0x30, 0x01, 0x00], [0x30, 0x00]])), .tls12),
            (.tls12Certificate(TLS12Certificate(certificates: [])), .tls12),
            (.tls12CertificateRequest(TLS12CertificateRequest(certificateTypes: [1, 64], signatureAlgorithms: [.ecdsaSecp256r1SHA256, .rsaPKCS1SHA256],
                                                              certificateAuthorities: [[0x30, 0x00]])), .tls12),
        ]
    }()

    @Test func everyMessageRoundTrips() throws {
        for (message, context) in Self.messages {
            let bytes = try message.encode()
            #expect(bytes.count == 4 + (try message.encodeBody()).count)
            #expect(try HandshakeMessage(parsingMessage: bytes, context: context) == message, "\(message.type)")
            #expect(try HandshakeMessage.peekHeader(bytes[...])?.messageLength == bytes.count)
        }
    }

    @Test func serverRandomSignals() throws {
        let random = [UInt8](repeating: 0x11, count: 24)
        #expect(ServerHello(random: random + DowngradeSentinel.tls12.bytes, cipherSuite: .tlsAES128GCMSHA256, extensions: []).downgradeSentinel == .tls12)
        #expect(ServerHello(random: random + DowngradeSentinel.tls11OrBelow.bytes, cipherSuite: .tlsAES128GCMSHA256, extensions: []).downgradeSentinel == .tls11OrBelow)
        #expect(DowngradeSentinel(serverRandom: [1, 2, 3]) == nil)
        #expect(!ServerHello(random: random + random[0..<8], cipherSuite: .tlsAES128GCMSHA256, extensions: []).isHelloRetryRequest)
        #expect(ServerHello(random: ServerHello.helloRetryRequestRandom, cipherSuite: .tlsAES128GCMSHA256, extensions: []).isHelloRetryRequest)
        #expect(MaxFragmentLength.allCases.map(\.byteCount) == [512, 1024, 2048, 4096])
    }

    @Test func placeholderBindersAndTruncation() throws {
        let hello = ClientHello(random: [UInt8](repeating: 0x22, count: 32), cipherSuites: [.tlsAES128GCMSHA256],
                                extensions: [.supportedVersionsClientHello([.tls13]), .preSharedKeyOffer(OfferedPSKs(
                                    identities: Self.offer.identities, binders: Self.offer.binders.map { [UInt8](repeating: 0, count: $0.count) }))])
        var message = try HandshakeMessage.clientHello(hello).encode()
        let truncated = Array(try ClientHello.truncatedForBinders(message))
        #expect(truncated.count == message.count - (hello.bindersSuffixLength ?? 0))
        #expect(hello.bindersSuffixLength == 2 + 33 + 49)
        try ClientHello.patchBinders(in: &message, with: Self.offer.binders)
        #expect(Array(message.prefix(truncated.count)) == truncated)
        guard case .clientHello(let patched) = try HandshakeMessage(parsingMessage: message, context: .initial) else {
            Issue.record("not a ClientHello"); return
        }
        #expect(patched.offeredPSKs == Self.offer)
        // Binders of other lengths do not fit the placeholder.
        expectWireAlert(.internalError) { try ClientHello.patchBinders(in: &message, with: [Self.offer.binders[1], Self.offer.binders[0]]) }
        expectWireAlert(.internalError) { try ClientHello.patchBinders(in: &message, with: [Self.offer.binders[0]]) }
        var tiny: [UInt8] = [1]
        expectWireAlert(.internalError) { try ClientHello.patchBinders(in: &tiny, with: Self.offer.binders) }
    }
}
