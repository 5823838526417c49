import Foundation
import SwiftASN1
import Testing
@testable import ResumableTLS

/// S7 Serialization: OpenSSL's `SSL_SESSION` DER and PEM, without a live peer.
@Suite struct SessionCodecTests {
    typealias Support = SessionCodecTestSupport

    // MARK: Round trips

    @Test("S7: ours → DER → ours keeps every parameter the layout carries")
    func roundTripDER() throws {
        let session = Support.sampleSession(leaf: try Support.leafDER())
        let der = try session.derEncoded()
        let decoded = try TLSSession.decode(der: der, contextID: session.contextID)
        #expect(decoded.hasSameParameters(as: session))
        #expect(decoded.isResumable)
        // Deterministic: encoding the decoded session gives the same bytes.
        #expect(try decoded.derEncoded() == der)
    }

    @Test("S7: ours → PEM → ours; the PEM is OpenSSL's (label, 64-column base64, final newline)")
    func roundTripPEM() throws {
        let session = Support.sampleSession(leaf: try Support.leafDER())
        let pem = try session.pemEncoded()
        #expect(pem.hasPrefix("-----BEGIN SSL SESSION PARAMETERS-----\n"))
        #expect(pem.hasSuffix("\n-----END SSL SESSION PARAMETERS-----\n"))
        let body = pem.split(separator: "\n").dropFirst().dropLast()
        #expect(body.dropLast().allSatisfy { $0.count == 64 })
        #expect((body.last?.count ?? 0) <= 64)
        let decoded = try TLSSession.decode(pem: pem, contextID: session.contextID)
        #expect(decoded.hasSameParameters(as: session))
        #expect(try PEMDocument(pemString: pem).derBytes == session.derEncoded())
    }

    @Test("S7: the importing context's ID replaces the exporter's (S5)")
    func importerOwnsSession() throws {
        let session = Support.sampleSession(leaf: try Support.leafDER())
        let importer = UUID()
        let decoded = try TLSSession.decode(der: session.derEncoded(), contextID: importer)
        #expect(decoded.contextID == importer)
        #expect(!decoded.hasSameParameters(as: session))
        #expect(decoded.hasSameParameters(as: session.replacing(contextID: importer)))
    }

    @Test("S7: what the layout drops: the nonce, the peer's intermediates, fractions of seconds")
    func documentedLosses() throws {
        let leaf = try Support.leafDER()
        let session = TLSSession(
            protocolVersion: .tls13, cipherSuite: .tlsAES256GCMSHA384, secret: Array(repeating: 7, count: 48),
            sessionID: [1, 2, 3], ticket: [9, 9, 9], ticketLifetime: 100, ticketAgeAdd: 5, ticketNonce: [0, 1],
            creationTime: Date(timeIntervalSince1970: 1_700_000_000.75), timeout: 99.5,
            peerCertificates: [leaf, try Support.caDER()], contextID: UUID())
        let decoded = try TLSSession.decode(der: session.derEncoded(), contextID: session.contextID)
        #expect(decoded.ticketNonce.isEmpty)
        #expect(decoded.peerCertificates == [leaf])
        #expect(decoded.creationTime == Date(timeIntervalSince1970: 1_700_000_000))
        #expect(decoded.timeout == 99)
        #expect(decoded.secret == session.secret)
        #expect(decoded.ticket == session.ticket)
        #expect(decoded.serverName == nil && decoded.applicationProtocol == nil && decoded.group == nil)
    }

    @Test("S7: a minimal session (empty ID, no ticket, zero times) round-trips; zero integers are omitted")
    func minimalSession() throws {
        let session = TLSSession(
            protocolVersion: .tls13, cipherSuite: .tlsChaCha20Poly1305SHA256, secret: [],
            creationTime: Date(timeIntervalSince1970: 0), timeout: 0, contextID: UUID(), isResumable: false)
        let der = try session.derEncoded()
        let decoded = try TLSSession.decode(der: der, contextID: session.contextID)
        #expect(decoded.hasSameParameters(as: session))
        #expect(!decoded.isResumable)
        // version, ssl_version, cipher, session_id, master_key, [4] (always), [19] (always).
        let root = try DER.parse(der)
        guard case .constructed(let children) = root.content else { Issue.record("not constructed"); return }
        let tags = children.map { $0.identifier.tagClass == .contextSpecific ? Int($0.identifier.tagNumber) : -1 }
        #expect(tags == [-1, -1, -1, -1, -1, 4, 19])
    }

    @Test("S7: field order, tags and integer forms are OpenSSL's")
    func layout() throws {
        let session = Support.sampleSession(leaf: try Support.leafDER())
        let der = try session.derEncoded()
        let root = try DER.parse(der)
        guard case .constructed(let children) = root.content else { Issue.record("not constructed"); return }
        let nodes = Array(children)
        #expect(nodes.count == 16)
        #expect(Array(nodes[0].encodedBytes) == [0x02, 0x01, 0x01])
        #expect(Array(nodes[1].encodedBytes) == [0x02, 0x02, 0x03, 0x04])
        #expect(Array(nodes[2].encodedBytes) == [0x04, 0x02, 0x13, 0x01])
        let tags = nodes.dropFirst(5).map { Int($0.identifier.tagNumber) }
        #expect(tags == [1, 2, 3, 4, 6, 9, 10, 14, 15, 16, 19])
        // age_add 0x89ABCDEF: an unsigned INTEGER needs a leading zero byte.
        #expect(Array(nodes[12].encodedBytes) == [0xAE, 0x07, 0x02, 0x05, 0x00, 0x89, 0xAB, 0xCD, 0xEF])
        #expect(Array(nodes[15].encodedBytes) == [0xB3, 0x03, 0x02, 0x01, 0x1D])
    }

    // MARK: Sessions written by OpenSSL (committed fixtures)

    @Test("S7: a TLS 1.3 session from s_client -sess_out (ALPN, x25519) is read with OpenSSL's values")
    func fixtureTLS13ALPN() throws {
        let contextID = UUID()
        let session = try TLSSession.decode(pem: SessionCodecFixtures.tls13ALPN, contextID: contextID)
        #expect(session.protocolVersion == .tls13)
        #expect(session.cipherSuite == .tlsAES256GCMSHA384)
        #expect(session.sessionID == [UInt8](hex: SessionCodecFixtures.tls13ALPNSessionID))
        #expect(session.secret == [UInt8](hex: SessionCodecFixtures.tls13ALPNPSK))
        #expect(session.secret.count == 48)
        #expect(session.ticket == [UInt8](hex: SessionCodecFixtures.tls13ALPNTicket))
        #expect(session.ticket.count == 208)
        #expect(session.ticketLifetime == 7200)
        #expect(session.ticketAgeAdd == 0x289A_A8D0)
        #expect(session.creationTime == Date(timeIntervalSince1970: 1_795_316_401))
        #expect(session.timeout == 7200)
        #expect(session.serverName == nil)
        #expect(session.applicationProtocol == "h2")
        #expect(session.maxEarlyDataSize == 0)
        #expect(session.sessionIDContext.isEmpty)
        #expect(session.peerCertificates == [[UInt8](hex: SessionCodecFixtures.peerCertificate)])
        #expect(session.group == .x25519)
        #expect(session.ticketNonce.isEmpty)
        #expect(session.contextID == contextID)
        #expect(session.isResumable)
        // Our re-encoding is OpenSSL's bytes without verify_result [5] (we do not keep it).
        let theirs = try PEMDocument(pemString: SessionCodecFixtures.tls13ALPN).derBytes
        #expect(try session.derEncoded() == Support.removingFields(theirs, tags: [5]))
    }

    @Test("S7: a TLS 1.3 session from s_client -sess_out with SNI is read with its host name")
    func fixtureTLS13SNI() throws {
        let session = try TLSSession.decode(pem: SessionCodecFixtures.tls13SNI, contextID: UUID())
        #expect(session.protocolVersion == .tls13)
        #expect(session.cipherSuite == .tlsAES128GCMSHA256)
        #expect(session.sessionID == [UInt8](hex: SessionCodecFixtures.tls13SNISessionID))
        #expect(session.secret == [UInt8](hex: SessionCodecFixtures.tls13SNIPSK))
        #expect(session.serverName == "localhost")
        #expect(session.applicationProtocol == nil)
        #expect(session.ticketAgeAdd == 0x02B8_BF56)
        #expect(session.ticketLifetime == 7200)
        #expect(session.group == .x25519)
        let theirs = try PEMDocument(pemString: SessionCodecFixtures.tls13SNI).derBytes
        #expect(try session.derEncoded() == Support.removingFields(theirs, tags: [5]))
    }

    @Test("S7: a TLS 1.2 session (48-byte master key, EMS flag) is read and written back as OpenSSL wrote it")
    func fixtureTLS12() throws {
        let session = try TLSSession.decode(pem: SessionCodecFixtures.tls12EMS, contextID: UUID())
        #expect(session.protocolVersion == .tls12)
        #expect(session.cipherSuite == .ecdheECDSAWithAES256GCMSHA384)
        #expect(session.secret == [UInt8](hex: SessionCodecFixtures.tls12EMSMasterKey))
        #expect(session.timeout == 7200)
        #expect(!session.ticket.isEmpty)
        #expect(session.extendedMasterSecret)
        let theirs = try PEMDocument(pemString: SessionCodecFixtures.tls12EMS).derBytes
        #expect(try session.derEncoded() == Support.removingFields(theirs, tags: [5]))
    }

    @Test("S7: every field OpenSSL may write is accepted in order, and unused ones are ignored")
    func ignoredFieldsParse() throws {
        let base = try Support.sampleSession(leaf: try Support.leafDER()).derEncoded()
        // Insert [0] key_arg, [5], [7], [8], [11], [12], [13], [17], [18], [20] at their places.
        var der = base
        func octets(_ bytes: [UInt8]) -> ASN1OctetString { ASN1OctetString(contentBytes: bytes[...]) }
        let keyArg: [UInt8] = [0x80, 0x02, 0xAA, 0xBB]
        // Top-level positions in `base`: 0-4 universal, 5 [1], 6 [2], 7 [3], 8 [4], 9 [6], 10 [9],
        // 11 [10], 12 [14], 13 [15], 14 [16], 15 [19].
        der = try Support.insertingFields(der, try Support.explicit(20, octets([1, 2])), at: 99)
        der = try Support.insertingFields(der, try Support.explicit(17, Int64(2)) + Support.explicit(18, octets([5])), at: 15)
        der = try Support.insertingFields(der, try Support.explicit(11, octets([0])) + Support.explicit(12, octets(Array("user".utf8))) + Support.explicit(13, Int64(2)), at: 12)   // flags other than EMS (0x1) are ignored
        der = try Support.insertingFields(der, try Support.explicit(7, octets(Array("hint".utf8))) + Support.explicit(8, octets(Array("id".utf8))), at: 10)
        der = try Support.insertingFields(der, try Support.explicit(5, Int64(18)), at: 9)
        der = try Support.insertingFields(der, keyArg, at: 5)
        let session = Support.sampleSession(leaf: try Support.leafDER())
        let decoded = try TLSSession.decode(der: der, contextID: session.contextID)
        #expect(decoded.hasSameParameters(as: session))
        #expect(try decoded.derEncoded() == base)
    }

    // MARK: What we refuse to write

    @Test("S7: values OpenSSL's layout cannot hold are refused with notEncodable")
    func notEncodable() throws {
        func attempt(_ make: (UUID) -> TLSSession) -> SessionCodecError? {
            do { _ = try make(UUID()).derEncoded(); return nil } catch { return error }
        }
        func isNotEncodable(_ error: SessionCodecError?) -> Bool {
            if case .notEncodable = error { return true } else { return false }
        }
        let date = Date(timeIntervalSince1970: 1_000)
        #expect(isNotEncodable(attempt { TLSSession(protocolVersion: .tls13, cipherSuite: .tlsAES128GCMSHA256, secret: [1], sessionID: Array(repeating: 0, count: 33), creationTime: date, timeout: 1, contextID: $0) }))
        #expect(isNotEncodable(attempt { TLSSession(protocolVersion: .tls13, cipherSuite: .tlsAES128GCMSHA256, secret: Array(repeating: 1, count: 65), creationTime: date, timeout: 1, contextID: $0) }))
        #expect(isNotEncodable(attempt { TLSSession(protocolVersion: .tls13, cipherSuite: .tlsAES128GCMSHA256, secret: [1], creationTime: date, timeout: 1, sessionIDContext: Array(repeating: 0, count: 33), contextID: $0) }))
        #expect(isNotEncodable(attempt { TLSSession(protocolVersion: .tls13, cipherSuite: .tlsAES128GCMSHA256, secret: [1], creationTime: Date(timeIntervalSince1970: -1), timeout: 1, contextID: $0) }))
        #expect(isNotEncodable(attempt { TLSSession(protocolVersion: .tls13, cipherSuite: .tlsAES128GCMSHA256, secret: [1], creationTime: .distantFuture.addingTimeInterval(1e12), timeout: 1, contextID: $0) }))
        #expect(isNotEncodable(attempt { TLSSession(protocolVersion: .tls12, cipherSuite: .ecdheRSAWithAES128GCMSHA256, secret: [1], creationTime: date, timeout: .infinity, contextID: $0) }))
        #expect(isNotEncodable(attempt { TLSSession(protocolVersion: .tls12, cipherSuite: .ecdheRSAWithAES128GCMSHA256, secret: [1], creationTime: date, timeout: 1e12, contextID: $0) }))
        #expect(isNotEncodable(attempt { TLSSession(protocolVersion: .tls13, cipherSuite: .tlsAES128GCMSHA256, secret: [1], creationTime: date, timeout: 1, serverName: "a\u{0}b", contextID: $0) }))
        #expect(isNotEncodable(attempt { TLSSession(protocolVersion: .tls13, cipherSuite: .tlsAES128GCMSHA256, secret: [1], creationTime: date, timeout: 1, peerCertificates: [[0x04, 0x00]], contextID: $0) }))
        #expect(isNotEncodable(attempt { TLSSession(protocolVersion: .tls13, cipherSuite: .tlsAES128GCMSHA256, secret: [1], creationTime: date, timeout: 1, peerCertificates: [[0x30, 0x05]], contextID: $0) }))
        #expect(isNotEncodable(attempt { TLSSession(protocolVersion: .tls13, cipherSuite: .tlsAES128GCMSHA256, secret: [1], creationTime: date, timeout: 1, peerCertificates: [[0x30, 0x03, 0x02, 0x01, 0x01]], contextID: $0) }))
        #expect(isNotEncodable(attempt { TLSSession(protocolVersion: ProtocolVersion(rawValue: 0xFEFD), cipherSuite: .tlsAES128GCMSHA256, secret: [1], creationTime: date, timeout: 1, contextID: $0) }))
        // A ticket that makes the whole encoding exceed 64 KiB.
        let large = attempt { TLSSession(protocolVersion: .tls13, cipherSuite: .tlsAES128GCMSHA256, secret: [1], ticket: Array(repeating: 1, count: 70_000), creationTime: date, timeout: 1, contextID: $0) }
        guard case .inputTooLarge(let length, let limit) = large else {
            Issue.record("expected inputTooLarge, got \(String(describing: large))")
            return
        }
        #expect(limit == SessionCodec.maximumDERLength && length > 70_000)
    }

    // MARK: Hostile input

    @Test("S7: every truncation of a valid DER is a typed error")
    func truncations() throws {
        let der = try Support.sampleSession(leaf: try Support.leafDER()).derEncoded()
        for length in 0..<der.count {
            #expect(throws: SessionCodecError.self) { try TLSSession.decode(der: Array(der.prefix(length)), contextID: UUID()) }
        }
        let pem = try Support.sampleSession(leaf: try Support.leafDER()).pemEncoded()
        for length in stride(from: 0, to: pem.utf8.count - 1, by: 7) {
            let text = String(decoding: Array(pem.utf8.prefix(length)), as: UTF8.self)
            #expect(throws: SessionCodecError.self) { try TLSSession.decode(pem: text, contextID: UUID()) }
        }
    }

    @Test("S7: a changed length octet anywhere in the tree is a typed error")
    func flippedLengths() throws {
        let der = try Support.sampleSession(leaf: try Support.leafDER()).derEncoded()
        let offsets = try Support.lengthOffsets(der)
        #expect(offsets.count > 30)
        for offset in offsets {
            let original = der[offset]
            // Short form: ±1; long form (0x81/0x82): change the last length octet instead.
            let target = original & 0x80 == 0 ? offset : offset + Int(original & 0x7F)
            for delta: UInt8 in [1, 0xFF, 0x80] {
                var mutated = der
                mutated[target] = mutated[target] &+ delta
                #expect(throws: SessionCodecError.self, "length at \(target) \(original) + \(delta)") {
                    try TLSSession.decode(der: mutated, contextID: UUID())
                }
            }
        }
    }

    @Test("S7: oversized lengths and inputs are typed errors")
    func oversized() throws {
        let der = try Support.sampleSession(leaf: try Support.leafDER()).derEncoded()
        let body = Array(der.dropFirst(4))  // 30 82 LL LL
        for header: [UInt8] in [[0x30, 0x84, 0xFF, 0xFF, 0xFF, 0xFF], [0x30, 0x88, 0x7F, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF], [0x30, 0x89, 1, 0, 0, 0, 0, 0, 0, 0, 0], [0x30, 0x82, 0xFF, 0xFF], [0x30, 0x80]] {
            #expect(throws: SessionCodecError.self) { try TLSSession.decode(der: header + body, contextID: UUID()) }
        }
        let huge = [UInt8](repeating: 0x30, count: SessionCodec.maximumDERLength + 1)
        #expect(throws: SessionCodecError.inputTooLarge(length: huge.count, limit: SessionCodec.maximumDERLength)) {
            try TLSSession.decode(der: huge, contextID: UUID())
        }
        let hugePEM = String(repeating: "A", count: SessionCodec.maximumPEMLength + 1)
        #expect(throws: SessionCodecError.inputTooLarge(length: hugePEM.utf8.count, limit: SessionCodec.maximumPEMLength)) {
            try TLSSession.decode(pem: hugePEM, contextID: UUID())
        }
        #expect(throws: SessionCodecError.self) { try TLSSession.decode(der: [], contextID: UUID()) }
        // Deep nesting (swift-asn1 limits the depth).
        var deep: [UInt8] = [0x05, 0x00]
        for _ in 0..<200 { deep = [0x30] + Self.length(deep.count) + deep }
        #expect(throws: SessionCodecError.self) { try TLSSession.decode(der: deep, contextID: UUID()) }
    }

    static func length(_ count: Int) -> [UInt8] {
        count < 0x80 ? [UInt8(count)] : count < 0x100 ? [0x81, UInt8(count)] : [0x82, UInt8(count >> 8), UInt8(count & 0xFF)]
    }

    @Test("S7: wrong version, non-TLS ssl_version, wrong outer tag, trailing bytes → typed errors")
    func wrongStructure() throws {
        let der = try Support.sampleSession(leaf: try Support.leafDER()).derEncoded()
        #expect(throws: SessionCodecError.unsupportedFormatVersion(2)) {
            try TLSSession.decode(der: Support.replacingField(der, at: 0, with: Support.der(Int64(2))), contextID: UUID())
        }
        #expect(throws: SessionCodecError.unsupportedFormatVersion(0)) {
            try TLSSession.decode(der: Support.replacingField(der, at: 0, with: Support.der(Int64(0))), contextID: UUID())
        }
        for version: Int64 in [0x0002, 0x0300, 0x0305, 0xFEFD, 0x0100, -1, 0x1_0304] {
            #expect(throws: SessionCodecError.unsupportedProtocolVersion(version)) {
                try TLSSession.decode(der: Support.replacingField(der, at: 1, with: Support.der(version)), contextID: UUID())
            }
        }
        // The outer tag: SET, [0], OCTET STRING, a bare INTEGER.
        for tag: UInt8 in [0x31, 0xA0, 0x04, 0x10] {
            var mutated = der
            mutated[0] = tag
            #expect(throws: SessionCodecError.self) { try TLSSession.decode(der: mutated, contextID: UUID()) }
        }
        // Trailing bytes after the SEQUENCE, and an unknown field [21] inside it.
        #expect(throws: SessionCodecError.self) { try TLSSession.decode(der: der + [0x00], contextID: UUID()) }
        #expect(throws: SessionCodecError.self) { try TLSSession.decode(der: der + der, contextID: UUID()) }
        #expect(throws: SessionCodecError.self) {
            try TLSSession.decode(der: Support.insertingFields(der, Support.explicit(21, Int64(1)), at: 99), contextID: UUID())
        }
        // Fields out of order: [6] after [9].
        let hostname = try Support.explicit(6, ASN1OctetString(contentBytes: Array("x".utf8)[...]))
        let withoutHost = try Support.removingFields(der, tags: [6])
        #expect(throws: SessionCodecError.self) { try TLSSession.decode(der: Support.insertingFields(withoutHost, hostname, at: 11), contextID: UUID()) }
        // A required field missing (no master_key).
        #expect(throws: SessionCodecError.self) {
            try TLSSession.decode(der: [0x30, 0x0B, 0x02, 0x01, 0x01, 0x02, 0x02, 0x03, 0x04, 0x04, 0x02, 0x13, 0x01], contextID: UUID())
        }
        // An explicit tag with two children, and a primitive explicit tag.
        #expect(throws: SessionCodecError.self) {
            try TLSSession.decode(der: Support.replacingField(der, at: 6, with: [0xA2, 0x06, 0x02, 0x01, 0x01, 0x02, 0x01, 0x01]), contextID: UUID())
        }
        #expect(throws: SessionCodecError.self) {
            try TLSSession.decode(der: Support.replacingField(der, at: 6, with: [0x82, 0x01, 0x01]), contextID: UUID())
        }
    }

    @Test("S7: out-of-range field values are invalidField errors")
    func invalidFields() throws {
        let der = try Support.sampleSession(leaf: try Support.leafDER()).derEncoded()
        func octets(_ bytes: [UInt8]) throws -> [UInt8] { try Support.der(ASN1OctetString(contentBytes: bytes[...])) }
        func isInvalidField(_ mutated: [UInt8], _ name: String) -> Bool {
            do {
                _ = try TLSSession.decode(der: mutated, contextID: UUID())
                return false
            } catch {
                if case .invalidField(let field, _) = error { return field == name }
                return false
            }
        }
        #expect(isInvalidField(try Support.replacingField(der, at: 2, with: octets([0x13])), "cipher"))
        #expect(isInvalidField(try Support.replacingField(der, at: 2, with: octets([0x00, 0x13, 0x01])), "cipher"))
        #expect(isInvalidField(try Support.replacingField(der, at: 3, with: octets(Array(repeating: 1, count: 33))), "session_id"))
        #expect(isInvalidField(try Support.replacingField(der, at: 4, with: octets(Array(repeating: 1, count: 65))), "master_key"))
        #expect(isInvalidField(try Support.replacingField(der, at: 5, with: Support.explicit(1, Int64(-5))), "time"))
        #expect(isInvalidField(try Support.replacingField(der, at: 5, with: Support.explicit(1, Int64.max)), "time"))
        #expect(isInvalidField(try Support.replacingField(der, at: 6, with: Support.explicit(2, Int64(-1))), "timeout"))
        #expect(isInvalidField(try Support.replacingField(der, at: 6, with: Support.explicit(2, Int64(1) << 40)), "timeout"))
        #expect(isInvalidField(try Support.replacingField(der, at: 7, with: Support.explicit(3, ASN1OctetString(contentBytes: [1][...]))), "peer"))
        #expect(isInvalidField(try Support.replacingField(der, at: 7, with: [0xA3, 0x05, 0x30, 0x03, 0x02, 0x01, 0x01]), "peer"))
        #expect(isInvalidField(try Support.replacingField(der, at: 8, with: Support.explicit(4, ASN1OctetString(contentBytes: Array(repeating: 0, count: 33)[...]))), "session_id_context"))
        #expect(isInvalidField(try Support.replacingField(der, at: 9, with: Support.explicit(6, ASN1OctetString(contentBytes: [0x61, 0x00][...]))), "tlsext_hostname"))
        #expect(isInvalidField(try Support.replacingField(der, at: 9, with: Support.explicit(6, ASN1OctetString(contentBytes: [0xC3, 0x28][...]))), "tlsext_hostname"))
        #expect(isInvalidField(try Support.replacingField(der, at: 10, with: Support.explicit(9, UInt64(1) << 32)), "tlsext_tick_lifetime_hint"))
        #expect(isInvalidField(try Support.replacingField(der, at: 14, with: Support.explicit(16, ASN1OctetString(contentBytes: [0xFF][...]))), "alpn_selected"))
        #expect(isInvalidField(try Support.replacingField(der, at: 15, with: Support.explicit(19, UInt32(0x1_0000))), "kex_group"))
        // Wrong universal types in place of fields are malformed DER.
        #expect(throws: SessionCodecError.self) { try TLSSession.decode(der: Support.replacingField(der, at: 2, with: Support.der(Int64(0x1301))), contextID: UUID()) }
        #expect(throws: SessionCodecError.self) { try TLSSession.decode(der: Support.replacingField(der, at: 12, with: Support.explicit(14, Int64(-1))), contextID: UUID()) }
        #expect(throws: SessionCodecError.self) { try TLSSession.decode(der: Support.replacingField(der, at: 12, with: Support.explicit(14, UInt64(1) << 33)), contextID: UUID()) }
        // kex_group 0 means none.
        let noGroup = try TLSSession.decode(der: Support.replacingField(der, at: 15, with: Support.explicit(19, UInt32(0))), contextID: UUID())
        #expect(noGroup.group == nil)
    }

    @Test("S7: PEM with the wrong label, bad base64, no END, two blocks → invalidPEM")
    func badPEM() throws {
        let pem = try Support.sampleSession(leaf: try Support.leafDER()).pemEncoded()
        func isInvalidPEM(_ text: String) -> Bool {
            do {
                _ = try TLSSession.decode(pem: text, contextID: UUID())
                return false
            } catch {
                if case .invalidPEM = error { return true } else { return false }
            }
        }
        #expect(isInvalidPEM(pem.replacingOccurrences(of: "SSL SESSION PARAMETERS", with: "CERTIFICATE")))
        #expect(isInvalidPEM(pem.replacingOccurrences(of: "END SSL SESSION PARAMETERS", with: "END SSL SESSION")))
        let lines = pem.split(separator: "\n").map(String.init)
        var badBase64 = lines
        badBase64[2] = "*" + badBase64[2].dropFirst()
        #expect(isInvalidPEM(badBase64.joined(separator: "\n")))
        var shortLine = lines
        shortLine[2] = String(shortLine[2].dropLast())
        #expect(isInvalidPEM(shortLine.joined(separator: "\n")))
        #expect(isInvalidPEM(lines.dropLast().joined(separator: "\n")))
        #expect(isInvalidPEM(pem + pem))
        #expect(isInvalidPEM(""))
        #expect(isInvalidPEM("-----BEGIN SSL SESSION PARAMETERS-----\n-----END SSL SESSION PARAMETERS-----\n"))
        // Text around the block is allowed (as PEM_read_SSL_SESSION allows it).
        let session = try TLSSession.decode(pem: "session:\n" + pem + "trailer\n", contextID: UUID())
        #expect(session.applicationProtocol == "h2")
        // A valid PEM of garbage DER is a DER error, not a PEM error.
        let garbage = PEMDocument(type: SessionCodec.pemLabel, derBytes: [0x30, 0x03, 0x02, 0x01, 0x01]).pemString
        #expect(throws: SessionCodecError.self) { try TLSSession.decode(pem: garbage, contextID: UUID()) }
        #expect(!isInvalidPEM(garbage))
    }

    @Test("S7: random mutations never trap; what decodes re-encodes to an equal session")
    func randomMutations() throws {
        var random = SplitMix64(state: 0x5EED_0007)
        let seeds = [
            try Support.sampleSession(leaf: try Support.leafDER()).derEncoded(),
            try PEMDocument(pemString: SessionCodecFixtures.tls13ALPN).derBytes,
            try PEMDocument(pemString: SessionCodecFixtures.tls12EMS).derBytes,
        ]
        var decodedCount = 0
        for iteration in 0..<3000 {
            var bytes = seeds[iteration % seeds.count]
            for _ in 0..<Int.random(in: 1...4, using: &random) {
                let index = Int.random(in: 0..<bytes.count, using: &random)
                switch Int.random(in: 0..<4, using: &random) {
                case 0: bytes[index] = UInt8.random(in: 0...255, using: &random)
                case 1: bytes[index] ^= 1 << UInt8.random(in: 0..<8, using: &random)
                case 2: bytes.remove(at: index)
                default: bytes.insert(UInt8.random(in: 0...255, using: &random), at: index)
                }
                if bytes.isEmpty { bytes = [0] }
            }
            let contextID = UUID()
            guard let session = try? TLSSession.decode(der: bytes, contextID: contextID) else { continue }
            decodedCount += 1
            let again = try TLSSession.decode(der: session.derEncoded(), contextID: contextID)
            #expect(again.hasSameParameters(as: session))
        }
        #expect(decodedCount > 0)  // some mutations only touch contents (tickets, keys)
    }
}
