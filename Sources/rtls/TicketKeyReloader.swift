import Dispatch
import Logging
import ResumableTLS
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Reloads a server's ticket key file on SIGHUP (`rtls server --ticket-key-file`), so an
/// operator can rotate a fleet's keys with `rtls ticket-keys --rotate` and `kill -HUP`. A file
/// that fails to load is logged and the old keys stay.
final class TicketKeyReloader {
    private let ring: TicketKeyRing
    private let logger: Logger
    private let source: any DispatchSourceSignal

    /// A reloader for `ring` (which must have been loaded from a key file); call `start()`.
    init(ring: TicketKeyRing, logger: Logger) {
        self.ring = ring
        self.logger = logger
        self.source = DispatchSource.makeSignalSource(signal: SIGHUP, queue: .global())
    }

    /// Starts listening for SIGHUP.
    func start() {
        signal(SIGHUP, SIG_IGN)
        let ring = self.ring
        let logger = self.logger
        source.setEventHandler {
            Task {
                do {
                    try await ring.reload()
                    logger.info("ticket keys reloaded", metadata: ["keys": "\(ring.keyNames.count)"])
                } catch {
                    logger.warning("ticket key reload failed; keeping the old keys", metadata: ["error": "\(error)"])
                }
            }
        }
        source.resume()
    }

    /// Stops listening.
    func stop() {
        source.cancel()
    }
}
