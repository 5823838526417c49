import Testing
@testable import ResumableTLS

@Suite struct WireHostileInputTests {
    @Test(arguments: WireVector.all)
    func everyTruncationThrows(vector: WireVector) throws {
        let bytes = try vector.bytes()
        for length in 0..<bytes.count {
            expectWireAlert(.decodeError, "message prefix \(length)") {
                _ = try HandshakeMessage(parsingMessage: Array(bytes[0..<length]), context: vector.context)
            }
        }
        // Truncated bodies with a consistent header exercise every inner length check.
        let type = HandshakeType(rawValue: bytes[0])
        let body = Array(bytes[4...])
        for length in 0..<body.count {
            do {
                let message = try HandshakeMessage(type: type, body: body[0..<length], context: vector.context)
                // The one legal truncation: a (TLS 1.2-style) hello without its extension block.
                switch message {
                case .clientHello(let hello): #expect(hello.extensions.isEmpty, "body prefix \(length)")
                case .serverHello(let hello): #expect(hello.extensions.isEmpty, "body prefix \(length)")
                default: Issue.record("body prefix \(length) of \(vector.name) parsed")
                }
            } catch let error as TLSError {
                #expect(error.alertToSend == .decodeError, "body prefix \(length): \(error)")
            }
        }
    }

    @Test(arguments: WireVector.all)
    func trailingBytesAreDecodeErrors(vector: WireVector) throws {
        let bytes = try vector.bytes()
        let body = Array(bytes[4...]) + [0x00]
        expectWireAlert(.decodeError, "body + 1") {
            _ = try HandshakeMessage(type: HandshakeType(rawValue: bytes[0]), body: body[...], context: vector.context)
        }
        expectWireAlert(.decodeError, "message + 1") {
            _ = try HandshakeMessage(parsingMessage: bytes + [0x00], context: vector.context)
        }
    }

    @Test func duplicateExtensionIsIllegalParameter() throws {
        let groups: [UInt8] = [0x00, 0x02, 0x00, 0x1D]
        let block = try rawExtensionBlock([(10, groups), (43, [0x02, 0x03, 0x04]), (10, groups)])
        expectWireAlert(.illegalParameter) { _ = try parseExtensionBlock(block, .clientHello) }
        var body = ByteReader(rawClientHelloBody(extensions: block))
        expectWireAlert(.illegalParameter) { _ = try ClientHello(parsing: &body) }
        // Unknown types are checked too.
        let unknown = try rawExtensionBlock([(0x7777, []), (0x7777, [1])])
        expectWireAlert(.illegalParameter) { _ = try parseExtensionBlock(unknown, .encryptedExtensions) }
    }

    @Test func preSharedKeyMustBeLastInClientHello() throws {
        let full = try RFC8448.value(section: 4, role: "client", step: "send handshake record", label: "payload")
        guard case .clientHello(let hello) = try parseWireMessage(full), let offer = hello.offeredPSKs else {
            Issue.record("no PSK ClientHello"); return
        }
        var offerWriter = ByteWriter()
        try Extension.preSharedKeyOffer(offer).encodeBody(into: &offerWriter)
        let block = try rawExtensionBlock([(41, offerWriter.bytes), (43, [0x02, 0x03, 0x04])])
        var body = ByteReader(rawClientHelloBody(extensions: block))
        expectWireAlert(.illegalParameter) { _ = try ClientHello(parsing: &body) }
        // The encoder refuses to produce it.
        var reordered = hello
        reordered.extensions.extensions.swapAt(0, reordered.extensions.count - 1)
        expectWireAlert(.internalError) { _ = try HandshakeMessage.clientHello(reordered).encode() }
        // In a ServerHello the selected identity may be anywhere.
        let serverBlock = try rawExtensionBlock([(41, [0, 0]), (43, [0x03, 0x04])])
        #expect(try parseExtensionBlock(serverBlock, .serverHello).count == 2)
    }

    @Test func emptyListsTheRFCForbidsAreDecodeErrors() throws {
        let cases: [(String, ExtensionContext, UInt16, [UInt8])] = [
            ("supported_groups", .clientHello, 10, [0x00, 0x00]),
            ("supported_groups odd", .clientHello, 10, [0x00, 0x03, 0x00, 0x1D, 0x00]),
            ("signature_algorithms", .clientHello, 13, [0x00, 0x00]),
            ("signature_algorithms_cert", .certificateRequest, 50, [0x00, 0x00]),
            ("supported_versions", .clientHello, 43, [0x00]),
            ("supported_versions odd", .clientHello, 43, [0x03, 0x03, 0x04, 0x03]),
            ("psk_key_exchange_modes", .clientHello, 45, [0x00]),
            ("cookie", .helloRetryRequest, 44, [0x00, 0x00]),
            ("ALPN list", .clientHello, 16, [0x00, 0x00]),
            ("ALPN empty name", .clientHello, 16, [0x00, 0x01, 0x00]),
            ("ALPN answer with two names", .encryptedExtensions, 16, [0x00, 0x04, 0x01, 0x61, 0x01, 0x62]),
            ("server_name list", .clientHello, 0, [0x00, 0x00]),
            ("server_name host", .clientHello, 0, [0x00, 0x03, 0x00, 0x00, 0x00]),
            ("key_share entry", .serverHello, 51, [0x00, 0x1D, 0x00, 0x00]),
            ("PSK identities", .clientHello, 41, [0x00, 0x00, 0x00, 0x21, 0x20] + [UInt8](repeating: 0, count: 32)),
            ("PSK binder too short", .clientHello, 41, [0x00, 0x07, 0x00, 0x01, 0x61, 0, 0, 0, 0, 0x00, 0x21, 0x1F] + [UInt8](repeating: 0, count: 32)),
            ("record_size_limit short", .clientHello, 28, [0x40]),
            ("early_data with body", .encryptedExtensions, 42, [0x00]),
            ("extended_master_secret with body", .serverHello, 23, [0x00]),
        ]
        for (name, context, type, body) in cases {
            let block = try rawExtensionBlock([(type, body)])
            expectWireAlert(.decodeError, name) { _ = try parseExtensionBlock(block, context) }
        }
        // Empty cipher_suites and compression methods in a ClientHello.
        var noSuites = ByteReader(rawClientHelloBody(extensions: [0x00, 0x00], cipherSuites: [0x00, 0x00]))
        expectWireAlert(.decodeError) { _ = try ClientHello(parsing: &noSuites) }
        var noCompression = ByteReader([0x03, 0x03] + [UInt8](repeating: 0, count: 32) + [0x00, 0x00, 0x02, 0x13, 0x01, 0x00, 0x00, 0x00])
        expectWireAlert(.decodeError) { _ = try ClientHello(parsing: &noCompression) }
        // A 33-byte session id.
        var longSession = ByteReader([0x03, 0x03] + [UInt8](repeating: 0, count: 32) + [0x21] + [UInt8](repeating: 0, count: 33) + [0x00, 0x02, 0x13, 0x01, 0x01, 0x00])
        expectWireAlert(.decodeError) { _ = try ClientHello(parsing: &longSession) }
        // An empty cert_data.
        var emptyCert = ByteReader([0x00, 0x00, 0x00, 0x05, 0x00, 0x00, 0x00, 0x00, 0x00])
        expectWireAlert(.decodeError) { _ = try CertificateMessage(parsing: &emptyCert) }
        // An empty NewSessionTicket ticket.
        var emptyTicket = ByteReader([0, 0, 0, 1, 0, 0, 0, 0, 0x00, 0x00, 0x00, 0x00, 0x00])
        expectWireAlert(.decodeError) { _ = try TLS13NewSessionTicket(parsing: &emptyTicket) }
    }

    @Test func outOfRangeValuesAreIllegalParameter() throws {
        let cases: [(String, ExtensionContext, UInt16, [UInt8])] = [
            ("record_size_limit 63", .clientHello, 28, [0x00, 0x3F]),
            ("record_size_limit 0", .encryptedExtensions, 28, [0x00, 0x00]),
            ("max_fragment_length 0", .clientHello, 1, [0x00]),
            ("max_fragment_length 5", .clientHello, 1, [0x05]),
            ("server_name with NUL", .clientHello, 0, [0x00, 0x05, 0x00, 0x00, 0x02, 0x61, 0x00]),
            ("server_name non-host type", .clientHello, 0, [0x00, 0x04, 0x01, 0x00, 0x01, 0x61]),
            ("PSK binder count mismatch", .clientHello, 41,
             [0x00, 0x07, 0x00, 0x01, 0x61, 0, 0, 0, 0, 0x00, 0x42, 0x20] + [UInt8](repeating: 0, count: 32) + [0x20] + [UInt8](repeating: 0, count: 32)),
            ("cookie in EncryptedExtensions", .encryptedExtensions, 44, [0x00, 0x01, 0x00]),
            ("key_share in EncryptedExtensions", .encryptedExtensions, 51, [0x00, 0x1D]),
            ("pre_shared_key in NewSessionTicket", .newSessionTicket, 41, [0x00, 0x00]),
            ("signature_algorithms in ServerHello", .serverHello, 13, [0x00, 0x02, 0x04, 0x03]),
        ]
        for (name, context, type, body) in cases {
            let block = try rawExtensionBlock([(type, body)])
            expectWireAlert(.illegalParameter, name) { _ = try parseExtensionBlock(block, context) }
        }
        #expect(try parseExtensionBlock(try rawExtensionBlock([(28, [0x00, 0x40])]), .clientHello)[.recordSizeLimit] == .recordSizeLimit(64))
    }

    @Test func keyUpdateValues() throws {
        for value in UInt8(2)...UInt8(255) {
            expectWireAlert(.illegalParameter, "request_update \(value)") {
                _ = try HandshakeMessage(parsingMessage: [24, 0, 0, 1, value], context: .tls13(hashLength: 32))
            }
        }
        #expect(try HandshakeMessage(parsingMessage: [24, 0, 0, 1, 1], context: .tls13(hashLength: 32)) == .keyUpdate(KeyUpdate(request: .updateRequested)))
        expectWireAlert(.decodeError) { _ = try HandshakeMessage(parsingMessage: [24, 0, 0, 2, 1, 0], context: .tls13(hashLength: 32)) }
    }

    @Test func lengthsBeyondTheInputAreDecodeErrors() throws {
        expectWireAlert(.decodeError) { _ = try HandshakeMessage(parsingMessage: [8, 0, 0, 9, 0, 0], context: .tls13(hashLength: 32)) }
        expectWireAlert(.decodeError) { _ = try HandshakeMessage(parsingMessage: [8, 0xFF, 0xFF, 0xFF, 0, 0], context: .tls13(hashLength: 32)) }
        // Extension block, extension body and inner vector lengths each larger than what follows.
        expectWireAlert(.decodeError) { _ = try parseExtensionBlock([0x00, 0x10, 0x00, 0x0A], .clientHello) }
        expectWireAlert(.decodeError) { _ = try parseExtensionBlock([0x00, 0x06, 0x00, 0x0A, 0xFF, 0xFF, 0x00, 0x02], .clientHello) }
        expectWireAlert(.decodeError) { _ = try parseExtensionBlock(try rawExtensionBlock([(10, [0x00, 0x08, 0x00, 0x1D])]), .clientHello) }
        expectWireAlert(.decodeError) { _ = try parseExtensionBlock(try rawExtensionBlock([(44, [0xFF, 0xFF, 0x01])]), .clientHello) }
        var certificate = ByteReader([0x00, 0x00, 0x00, 0x08, 0x00, 0xFF, 0xFF, 0x01, 0x00, 0x00, 0x00, 0x00])
        expectWireAlert(.decodeError) { _ = try CertificateMessage(parsing: &certificate) }
        // The reassembly helper refuses oversized declarations before buffering them.
        expectWireAlert(.illegalParameter) { _ = try HandshakeMessage.peekHeader([11, 0x10, 0, 0][...]) }
        #expect(try HandshakeMessage.peekHeader([20, 0, 0, 2, 1][...]) == nil)
        #expect(try HandshakeMessage.peekHeader([20, 0, 0, 1, 1, 9][...])?.messageLength == 5)
    }

    @Test func contextDependentBodies() throws {
        // Finished must be exactly the hash length, and needs a negotiated suite.
        let finished: [UInt8] = [20, 0, 0, 32] + [UInt8](repeating: 7, count: 32)
        expectWireAlert(.decodeError) { _ = try HandshakeMessage(parsingMessage: finished, context: .tls13(hashLength: 48)) }
        expectWireAlert(.unexpectedMessage) { _ = try HandshakeMessage(parsingMessage: finished, context: .initial) }
        #expect(try HandshakeMessage(parsingMessage: finished, context: .tls13(hashLength: 32)) == .finished(Finished(verifyData: [UInt8](repeating: 7, count: 32))))
        // Messages that do not exist in the negotiated version, and unknown types.
        expectWireAlert(.unexpectedMessage) { _ = try HandshakeMessage(parsingMessage: [14, 0, 0, 0], context: .tls13(hashLength: 32)) }
        expectWireAlert(.unexpectedMessage) { _ = try HandshakeMessage(parsingMessage: [5, 0, 0, 0], context: .tls12) }
        expectWireAlert(.unexpectedMessage) { _ = try HandshakeMessage(parsingMessage: [99, 0, 0, 0], context: .tls13(hashLength: 32)) }
        // CertificateRequest without signature_algorithms.
        var request = ByteReader([0x00] + (try rawExtensionBlock([(47, [0x00, 0x00])])))
        expectWireAlert(.missingExtension) { _ = try CertificateRequest(parsing: &request) }
        var emptyRequest = ByteReader([0x00, 0x00, 0x00])
        expectWireAlert(.decodeError) { _ = try CertificateRequest(parsing: &emptyRequest) }
        // A ticket lifetime above 7 days.
        var ticket = ByteReader([0x00, 0x09, 0x3A, 0x81, 0, 0, 0, 0, 0x00, 0x00, 0x01, 0xAA, 0x00, 0x00])
        expectWireAlert(.illegalParameter) { _ = try TLS13NewSessionTicket(parsing: &ticket) }
        // TLS 1.2 layouts: an empty certificate, an empty certificate_types list, an empty CA name.
        expectWireAlert(.decodeError) { _ = try HandshakeMessage(parsingMessage: [11, 0, 0, 6, 0, 0, 3, 0, 0, 0], context: .tls12) }
        expectWireAlert(.decodeError) { _ = try HandshakeMessage(parsingMessage: [13, 0, 0, 7, 0, 0, 2, 4, 3, 0, 0], context: .tls12) }
        expectWireAlert(.decodeError) { _ = try HandshakeMessage(parsingMessage: [13, 0, 0, 10, 1, 1, 0, 2, 4, 3, 0, 2, 0, 0], context: .tls12) }
        // A TLS 1.2 ServerKeyExchange with explicit curve parameters.
        var explicit = ByteReader([0x01, 0x00, 0x17, 0x01, 0x04, 0x04, 0x03, 0x00, 0x00])
        expectWireAlert(.illegalParameter) { _ = try TLS12ServerKeyExchange(parsing: &explicit) }
    }

    @Test func extensionBodyFuzzNeverTraps() throws {
        // Every modelled type in every context, with short bodies of every byte pattern we can afford.
        let types: [UInt16] = [0, 1, 10, 13, 16, 23, 28, 35, 41, 42, 43, 44, 45, 49, 50, 51, 58, 0xFF01]
        var state: UInt32 = 0x1234_5678
        for context in ExtensionContext.allCases {
            for type in types {
                for length in 0..<40 {
                    var body: [UInt8] = []
                    for _ in 0..<length {
                        state = state &* 1_664_525 &+ 1_013_904_223
                        body.append(UInt8(truncatingIfNeeded: state >> 24) % 8)
                    }
                    do {
                        _ = try Extension(type: ExtensionType(rawValue: type), body: body[...], context: context)
                    } catch is TLSError {
                    }
                }
            }
        }
    }
}
