import Foundation
import Synchronization
@testable import ResumableTLS

/// A clock tests move by hand.
final class TicketTestClock: TLSClock, Sendable {
    private let current: Mutex<Date>

    init(_ start: Date = Date(timeIntervalSince1970: 1_700_000_000)) {
        current = Mutex(start)
    }

    func now() -> Date { current.withLock { $0 } }

    func advance(by interval: TimeInterval) {
        current.withLock { $0 = $0.addingTimeInterval(interval) }
    }
}

enum TicketFixtures {
    static let contextID = UUID(uuidString: "6BA7B810-9DAD-11D1-80B4-00C04FD430C8") ?? UUID()

    /// A state with every field set.
    static func fullState(creation: Date = Date(timeIntervalSince1970: 1_700_000_000.123)) -> SessionTicketState {
        SessionTicketState(
            protocolVersion: .tls13, cipherSuite: .tlsAES256GCMSHA384,
            secret: (0..<48).map { UInt8($0) },
            creationTimeMilliseconds: SessionTicketState.milliseconds(since1970: creation),
            timeoutSeconds: 7_200, ticketAgeAdd: 0xDEAD_BEEF,
            serverName: "example.com", applicationProtocol: "h2", maxEarlyDataSize: 16_384,
            sessionIDContext: [1, 2, 3, 4], contextID: contextID, group: .x25519,
            peerCertificates: [[0x30, 0x82, 0x01], [0x30, 0x03, 0x02, 0x01, 0x05]])
    }

    /// A state with only the required fields.
    static func minimalState() -> SessionTicketState {
        SessionTicketState(
            protocolVersion: .tls13, cipherSuite: .tlsAES128GCMSHA256, secret: [0xAB],
            creationTimeMilliseconds: 0, timeoutSeconds: 0, contextID: contextID)
    }

    static func temporaryPath(_ name: String) -> String {
        NSTemporaryDirectory() + "rtls-\(name)-\(UUID().uuidString)"
    }
}
