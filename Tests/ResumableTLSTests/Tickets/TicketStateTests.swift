import Foundation
import Testing
@testable import ResumableTLS

@Suite("Tickets: session state encoding (S24)")
struct TicketStateTests {
    @Test func fullStateRoundTrips() throws {
        let state = TicketFixtures.fullState()
        let bytes = try state.encoded()
        #expect(bytes.first == SessionTicketState.formatVersion)
        #expect(try SessionTicketState(decoding: bytes) == state)
    }

    @Test func minimalStateRoundTrips() throws {
        let state = TicketFixtures.minimalState()
        let bytes = try state.encoded()
        let decoded = try SessionTicketState(decoding: bytes)
        #expect(decoded == state)
        #expect(decoded.serverName == nil && decoded.applicationProtocol == nil && decoded.group == nil)
        #expect(decoded.peerCertificates.isEmpty)
        // version, flags, version, suite, secret(1+1), time 8, timeout 4, age add 4, early data 4, uuid 16, idctx 1
        #expect(bytes.count == 1 + 1 + 2 + 2 + 2 + 8 + 4 + 4 + 4 + 16 + 1)
    }

    @Test func sessionToStateToSession() throws {
        let creation = Date(timeIntervalSince1970: 1_700_000_123.456)
        let session = TLSSession(
            protocolVersion: .tls13, cipherSuite: .tlsAES128GCMSHA256, secret: Array(repeating: 7, count: 32),
            ticket: [9, 9], ticketLifetime: 3_600, ticketAgeAdd: 42, ticketNonce: [0, 1],
            creationTime: creation, timeout: 3_600, serverName: "svc.internal", applicationProtocol: "http/1.1",
            maxEarlyDataSize: 1_000, sessionIDContext: [5], peerCertificates: [[1, 2, 3]], group: .secp256r1,
            contextID: TicketFixtures.contextID)
        let state = SessionTicketState(session: session)
        #expect(state.creationTimeMilliseconds == 1_700_000_123_456)
        let decoded = try SessionTicketState(decoding: try state.encoded())
        let resumed = decoded.makeSession(ticket: [0xAA, 0xBB])
        #expect(resumed.secret == session.secret && resumed.cipherSuite == session.cipherSuite)
        #expect(resumed.serverName == "svc.internal" && resumed.applicationProtocol == "http/1.1")
        #expect(resumed.ticketAgeAdd == 42 && resumed.maxEarlyDataSize == 1_000 && resumed.sessionIDContext == [5])
        #expect(resumed.contextID == TicketFixtures.contextID && resumed.group == .secp256r1)
        #expect(resumed.peerCertificates == [[1, 2, 3]] && resumed.timeout == 3_600)
        #expect(abs(resumed.creationTime.timeIntervalSince(creation)) < 0.001)
        #expect(resumed.ticket == [0xAA, 0xBB] && resumed.isResumable)
        #expect(SessionTicketState(session: session, includePeerCertificates: false).peerCertificates.isEmpty)
    }

    @Test func expiry() {
        let state = TicketFixtures.fullState(creation: Date(timeIntervalSince1970: 1_000))
        #expect(!state.isExpired(at: Date(timeIntervalSince1970: 1_000 + 7_199)))
        #expect(state.isExpired(at: Date(timeIntervalSince1970: 1_000 + 7_200)))
    }

    @Test func everyTruncationIsADecodeError() throws {
        let bytes = try TicketFixtures.fullState().encoded()
        for length in 0..<bytes.count {
            #expect(throws: TLSError.self) { try SessionTicketState(decoding: Array(bytes.prefix(length))) }
        }
        #expect(throws: TLSError.self) { try SessionTicketState(decoding: bytes + [0]) }
    }

    @Test func hostileFieldsAreRejected() throws {
        let good = try TicketFixtures.minimalState().encoded()
        func mutated(_ change: (inout [UInt8]) -> Void) -> [UInt8] {
            var copy = good
            change(&copy)
            return copy
        }
        let cases: [[UInt8]] = [
            mutated { $0[0] = 2 },  // unknown version
            mutated { $0[1] = 0x10 },  // unknown flag
            mutated { $0[1] = 0x01 },  // server_name flag without a name
            mutated { $0[6] = 0 },  // empty secret
            mutated { $0[6] = 65 },  // secret too long
            mutated { for i in 8..<16 { $0[i] = 0xFF } },  // creation time beyond year 9999
            mutated { $0[16] = 0x00; $0[17] = 0x09; $0[18] = 0x3A; $0[19] = 0x81 },  // 604,801 s for TLS 1.3
            mutated { $0[$0.count - 1] = 33 },  // session ID context over 32
        ]
        for bytes in cases {
            #expect(decodeAlert(bytes) == .decodeError)
        }
        // Invalid UTF-8 in the server name.
        var withName = TicketFixtures.minimalState()
        withName.serverName = "ab"
        var named = try withName.encoded()
        named[named.count - 1] = 0xFF
        #expect(decodeAlert(named) == .decodeError)
    }

    /// The alert a decoding failure carries; nil if `bytes` decoded or failed another way.
    private func decodeAlert(_ bytes: [UInt8]) -> AlertDescription? {
        do {
            _ = try SessionTicketState(decoding: bytes)
            return nil
        } catch let error as TLSError {
            return error.alertToSend
        } catch {
            return nil
        }
    }

    @Test func errorsAreDecodeErrors() throws {
        do {
            _ = try SessionTicketState(decoding: [1])
            Issue.record("decoded a truncated state")
        } catch let error as TLSError {
            #expect(error.alertToSend == .decodeError)
        }
    }

    @Test func tooManyCertificatesRejected() throws {
        var state = TicketFixtures.minimalState()
        state.peerCertificates = Array(repeating: [1], count: SessionTicketState.maximumPeerCertificateCount + 1)
        #expect(throws: TLSError.self) { try state.encoded() }
        // Hand-build an encoding with 17 certificates.
        state.peerCertificates = Array(repeating: [1], count: SessionTicketState.maximumPeerCertificateCount)
        var bytes = try state.encoded()
        let listStart = bytes.count - SessionTicketState.maximumPeerCertificateCount * 4 - 3
        bytes.append(contentsOf: [0, 0, 1, 1])
        let listLength = (SessionTicketState.maximumPeerCertificateCount + 1) * 4
        bytes[listStart] = UInt8(listLength >> 16)
        bytes[listStart + 1] = UInt8((listLength >> 8) & 0xFF)
        bytes[listStart + 2] = UInt8(listLength & 0xFF)
        #expect(throws: TLSError.self) { try SessionTicketState(decoding: bytes) }
    }

    @Test func encodingRefusesWhatDecodingWouldReject() {
        var state = TicketFixtures.minimalState()
        state.secret = []
        #expect(throws: TLSError.self) { try state.encoded() }
        state = TicketFixtures.minimalState()
        state.sessionIDContext = Array(repeating: 0, count: 33)
        #expect(throws: TLSError.self) { try state.encoded() }
        state = TicketFixtures.minimalState()
        state.serverName = ""
        #expect(throws: TLSError.self) { try state.encoded() }
        state = TicketFixtures.minimalState()
        state.timeoutSeconds = 604_801
        #expect(throws: TLSError.self) { try state.encoded() }
    }

    @Test func randomBytesNeverTrap() {
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<2_000 {
            let length = Int.random(in: 0..<200, using: &generator)
            var bytes = (0..<length).map { _ in UInt8.random(in: 0...255, using: &generator) }
            if !bytes.isEmpty { bytes[0] = 1 }
            _ = try? SessionTicketState(decoding: bytes)
        }
    }
}
