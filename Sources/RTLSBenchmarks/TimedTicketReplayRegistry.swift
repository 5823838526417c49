import Foundation
import ResumableTLS

/// A `TicketReplayRegistry` that forwards to `base` and times each recorded use: what the
/// registry's own round trip costs, apart from the handshake around it.
public struct TimedTicketReplayRegistry: TicketReplayRegistry {
    public let base: any TicketReplayRegistry
    public let timer: CallTimer

    public init(base: any TicketReplayRegistry, timer: CallTimer) {
        self.base = base
        self.timer = timer
    }

    public func recordFirstUse(ofTicketDigest ticketDigest: [UInt8], until expiry: Date) async throws -> Bool {
        try await timer.measure { try await base.recordFirstUse(ofTicketDigest: ticketDigest, until: expiry) }
    }
}
