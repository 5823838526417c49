import Dispatch
import Logging
import ResumableTLS
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Reloads a server's files on SIGHUP: the ticket key file (`--ticket-key-file`), so an operator
/// can rotate a fleet's keys with `rtls ticket-keys --rotate` and `kill -HUP`, and the
/// certificate and key (`--cert`/`--key`), so a renewed certificate goes live without a restart
/// or the loss of a session (S32). A file that fails to load is logged and the old one stays.
final class HangupReloader {
    /// One thing to reload: its name for the log, and the reload, which says what it loaded.
    struct Reload: Sendable {
        let name: String
        let run: @Sendable () async throws -> String
    }

    private let reloads: [Reload]
    private let logger: Logger
    private let source: any DispatchSourceSignal

    /// A reloader for `reloads`, in order; call `start()`.
    init(_ reloads: [Reload], logger: Logger) {
        self.reloads = reloads
        self.logger = logger
        self.source = DispatchSource.makeSignalSource(signal: SIGHUP, queue: .global())
    }

    /// Starts listening for SIGHUP.
    func start() {
        signal(SIGHUP, SIG_IGN)
        let reloads = self.reloads
        let logger = self.logger
        source.setEventHandler {
            Task {
                for reload in reloads {
                    do {
                        let loaded = try await reload.run()
                        logger.info("\(reload.name) reloaded", metadata: ["loaded": "\(loaded)"])
                    } catch {
                        logger.warning("\(reload.name) reload failed; keeping the old one", metadata: ["error": "\(error)"])
                    }
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
