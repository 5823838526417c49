import Testing
@testable import ResumableTLS

@Suite struct WireRFC8448MessageTests {
    @Test(arguments: WireVector.all)
    func roundTripsByteExact(vector: WireVector) throws {
        let bytes = try vector.bytes()
        let message = try parseWireMessage(bytes, context: vector.context)
        #expect(message.type.rawValue == bytes.first)
        #expect(try message.encode() == bytes)
    }

    @Test func simpleClientHelloFields() throws {
        let bytes = try RFC8448.value(section: 3, role: "client", step: "construct a ClientHello", label: "ClientHello")
        guard case .clientHello(let hello) = try parseWireMessage(bytes) else { Issue.record("not a ClientHello"); return }
        #expect(hello.legacyVersion == .tls12)
        #expect(Array(hello.random) == [UInt8](hex: "cb34ecb1e78163ba1c38c6dacb196a6dffa21a8d9912ec18a2ef6283024dece7"))
        #expect(hello.legacySessionID.isEmpty)
        #expect(hello.cipherSuites == [.tlsAES128GCMSHA256, .tlsChaCha20Poly1305SHA256, .tlsAES256GCMSHA384])
        #expect(hello.legacyCompressionMethods == [0])
        #expect(hello.extensions[.serverName] == .serverName("server"))
        #expect(hello.extensions[.renegotiationInfo] == .renegotiationInfo([]))
        #expect(hello.extensions[.supportedGroups] == .supportedGroups([.x25519, .secp256r1, .secp384r1, .secp521r1,
                                                                         .ffdhe2048, NamedGroup(rawValue: 0x0101), NamedGroup(rawValue: 0x0102),
                                                                         NamedGroup(rawValue: 0x0103), NamedGroup(rawValue: 0x0104)]))
        #expect(hello.extensions[.keyShare] == .keyShareClientHello([KeyShareEntry(
            group: .x25519, keyExchange: [UInt8](hex: "99381de560e4bd43d23d8e435a7dbafeb3c06e51c13cae4d5413691e529aaf2c"))]))
        #expect(hello.extensions[.supportedVersions] == .supportedVersionsClientHello([.tls13]))
        #expect(hello.extensions[.pskKeyExchangeModes] == .pskKeyExchangeModes([.pskDHEKE]))
        #expect(hello.extensions[.recordSizeLimit] == .recordSizeLimit(0x4001))
        #expect(hello.extensions[.sessionTicket] == .sessionTicket([]))
        #expect(hello.extensions[.earlyData] == nil)
        #expect(hello.offeredPSKs == nil)
        #expect(hello.bindersSuffixLength == nil)
    }

    @Test func simpleServerFlightFields() throws {
        let sh = try RFC8448.value(section: 3, role: "server", step: "construct a ServerHello", label: "ServerHello")
        guard case .serverHello(let hello) = try parseWireMessage(sh) else { Issue.record("not a ServerHello"); return }
        #expect(!hello.isHelloRetryRequest)
        #expect(hello.downgradeSentinel == nil)
        #expect(hello.cipherSuite == .tlsAES128GCMSHA256)
        #expect(hello.extensions[.supportedVersions] == .supportedVersionsSelected(.tls13))
        #expect(hello.extensions[.keyShare] == .keyShareServerHello(KeyShareEntry(
            group: .x25519, keyExchange: [UInt8](hex: "c9828876112095fe66762bdbf7c672e156d6cc253b833df1dd69b1b04e751f0f"))))

        let ee = try RFC8448.value(section: 3, role: "server", step: "construct an EncryptedExtensions", label: "EncryptedExtensions")
        guard case .encryptedExtensions(let extensions) = try parseWireMessage(ee) else { Issue.record("not EE"); return }
        #expect(extensions.extensions[.serverName] == .serverNameAcknowledged)
        #expect(extensions.extensions[.recordSizeLimit] == .recordSizeLimit(0x4001))
        #expect(extensions.extensions[.supportedGroups] != nil)

        let certificate = try RFC8448.value(section: 3, role: "server", step: "construct a Certificate", label: "Certificate")
        guard case .certificate(let chain) = try parseWireMessage(certificate) else { Issue.record("not Certificate"); return }
        #expect(chain.certificateRequestContext.isEmpty)
        #expect(chain.certificateList.count == 1)
        #expect(chain.certificateList.first?.certificateData.count == 432)
        #expect(chain.certificateList.first?.extensions.isEmpty == true)

        let verify = try RFC8448.value(section: 3, role: "server", step: "construct a CertificateVerify", label: "CertificateVerify")
        guard case .certificateVerify(let cv) = try parseWireMessage(verify) else { Issue.record("not CV"); return }
        #expect(cv.algorithm == .rsaPSSRSAESHA256)
        #expect(cv.signature.count == 128)

        let finished = try RFC8448.value(section: 3, role: "server", step: "construct a Finished", label: "Finished")
        guard case .finished(let fin) = try parseWireMessage(finished) else { Issue.record("not Finished"); return }
        #expect(Array(fin.verifyData) == [UInt8](hex: "9b9b141d906337fbd2cbdce71df4deda4ab42c309572cb7fffee5454b78f0718"))

        let ticket = try RFC8448.value(section: 3, role: "server", step: "construct a NewSessionTicket", label: "NewSessionTicket")
        guard case .newSessionTicket(let nst) = try parseWireMessage(ticket) else { Issue.record("not NST"); return }
        #expect(nst.ticketLifetime == 0x1E)
        #expect(nst.ticketAgeAdd == 0xfad6aac5)
        #expect(nst.ticketNonce == [0, 0])
        #expect(nst.ticket.count == 178)
        #expect(nst.maxEarlyDataSize == 0x400)
    }

    @Test func resumptionClientHelloAndBinders() throws {
        let full = try RFC8448.value(section: 4, role: "client", step: "send handshake record", label: "payload")
        let prefix = try RFC8448.value(section: 4, role: "client", step: "calculate PSK binder", label: "ClientHello prefix")
        #expect(full.count == 512)
        #expect(prefix.count == 477)
        #expect(Array(try ClientHello.truncatedForBinders(full)) == prefix)

        guard case .clientHello(let hello) = try parseWireMessage(full) else { Issue.record("not a ClientHello"); return }
        #expect(hello.bindersSuffixLength == 35)
        #expect(hello.extensions[.earlyData] == .earlyData)
        #expect(hello.extensions.last?.type == .preSharedKey)
        let offer = try #require(hello.offeredPSKs)
        #expect(offer.identities.count == 1)
        #expect(offer.identities.first?.identity.count == 178)
        #expect(offer.identities.first?.obfuscatedTicketAge == 0xfad6aacb)
        #expect(offer.binders == [[UInt8](hex: "3add4fb2d8fdf822a0ca3cf7678ef5e88dae990141c5924d57bb6fa31b9e5f9d")])

        // Encode with placeholder binders, check the prefix, then patch the real binders in.
        var placeholder = hello
        placeholder.extensions.extensions[placeholder.extensions.count - 1] = .preSharedKeyOffer(
            OfferedPSKs(identities: offer.identities, binders: [[UInt8](repeating: 0, count: 32)]))
        var message = try HandshakeMessage.clientHello(placeholder).encode()
        #expect(Array(try ClientHello.truncatedForBinders(message)) == prefix)
        try ClientHello.patchBinders(in: &message, with: offer.binders)
        #expect(message == full)
        expectWireAlert(.internalError) { try ClientHello.patchBinders(in: &message, with: [[UInt8](repeating: 1, count: 48)]) }
        #expect(message == full)

        let simple = try RFC8448.value(section: 3, role: "client", step: "construct a ClientHello", label: "ClientHello")
        expectWireAlert(.illegalParameter) { _ = try ClientHello.truncatedForBinders(simple) }
        expectWireAlert(.decodeError) { _ = try ClientHello.truncatedForBinders(Array(full.dropLast())) }
    }

    @Test func resumptionServerMessages() throws {
        let sh = try RFC8448.value(section: 4, role: "server", step: "construct a ServerHello", label: "ServerHello")
        guard case .serverHello(let hello) = try parseWireMessage(sh) else { Issue.record("not a ServerHello"); return }
        #expect(hello.extensions[.preSharedKey] == .preSharedKeySelected(0))
        let ee = try RFC8448.value(section: 4, role: "server", step: "construct an EncryptedExtensions", label: "EncryptedExtensions")
        guard case .encryptedExtensions(let extensions) = try parseWireMessage(ee) else { Issue.record("not EE"); return }
        #expect(extensions.extensions[.earlyData] == .earlyData)
        let eoed = try RFC8448.value(section: 4, role: "client", step: "construct an EndOfEarlyData", label: "EndOfEarlyData")
        #expect(try parseWireMessage(eoed) == .endOfEarlyData(EndOfEarlyData()))
        #expect(eoed == [0x05, 0x00, 0x00, 0x00])
    }

    @Test func helloRetryRequestFlow() throws {
        let hrrBytes = try RFC8448.value(section: 5, role: "server", step: "construct a ServerHello", label: "ServerHello")
        guard case .serverHello(let hrr) = try parseWireMessage(hrrBytes) else { Issue.record("not a ServerHello"); return }
        #expect(hrr.isHelloRetryRequest)
        #expect(Array(hrr.random) == ServerHello.helloRetryRequestRandom)
        #expect(hrr.extensions[.keyShare] == .keyShareHelloRetryRequest(.secp256r1))
        #expect(hrr.extensions[.supportedVersions] == .supportedVersionsSelected(.tls13))
        guard case .cookie(let cookie) = hrr.extensions[.cookie] else { Issue.record("no cookie"); return }
        #expect(cookie.count == 114)

        let first = try RFC8448.value(section: 5, role: "client", step: "construct a ClientHello", label: "ClientHello")
        guard case .clientHello(let hello1) = try parseWireMessage(first) else { Issue.record("not a ClientHello"); return }
        guard case .keyShareClientHello(let firstShares) = hello1.extensions[.keyShare] else { Issue.record("no key_share"); return }
        #expect(firstShares.map(\.group) == [.x25519])

        let second = try RFC8448.value(section: 5, role: "client", step: "construct a ClientHello", label: "ClientHello", occurrence: 1)
        guard case .clientHello(let hello2) = try parseWireMessage(second) else { Issue.record("not a ClientHello"); return }
        #expect(hello2.extensions[.cookie] == .cookie(cookie))
        guard case .keyShareClientHello(let shares) = hello2.extensions[.keyShare] else { Issue.record("no key_share"); return }
        #expect(shares.map(\.group) == [.secp256r1])
        #expect(shares.first?.keyExchange.count == 65)
    }

    @Test func clientAuthenticationMessages() throws {
        let cr = try RFC8448.value(section: 6, role: "server", step: "construct a CertificateRequest", label: "CertificateRequest")
        guard case .certificateRequest(let request) = try parseWireMessage(cr) else { Issue.record("not CR"); return }
        #expect(request.certificateRequestContext.isEmpty)
        #expect(request.signatureAlgorithms.contains(.rsaPSSRSAESHA256))
        #expect(request.signatureAlgorithms.contains(.ecdsaSecp256r1SHA256))

        let certificate = try RFC8448.value(section: 6, role: "client", step: "construct a Certificate", label: "Certificate")
        guard case .certificate(let chain) = try parseWireMessage(certificate) else { Issue.record("not Certificate"); return }
        #expect(chain.certificateList.count == 1)

        let verify = try RFC8448.value(section: 6, role: "client", step: "construct a CertificateVerify", label: "CertificateVerify")
        guard case .certificateVerify(let cv) = try parseWireMessage(verify) else { Issue.record("not CV"); return }
        #expect(cv.algorithm == .rsaPSSRSAESHA256)
    }

    @Test func compatibilityModeSessionID() throws {
        let ch = try RFC8448.value(section: 7, role: "client", step: "construct a ClientHello", label: "ClientHello")
        let sh = try RFC8448.value(section: 7, role: "server", step: "construct a ServerHello", label: "ServerHello")
        guard case .clientHello(let hello) = try parseWireMessage(ch),
              case .serverHello(let server) = try parseWireMessage(sh) else { Issue.record("bad hellos"); return }
        #expect(hello.legacySessionID.count == 32)
        #expect(server.legacySessionIDEcho == hello.legacySessionID)
    }
}
