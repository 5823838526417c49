import ArgumentParser
import Logging

/// Logging to stderr, set up once per process.
enum CLILogging {
    /// Makes swift-log write to stderr, at `level` and above.
    static func bootstrap(level: Logger.Level = .info) {
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
    }
}

/// `--log-level trace|debug|info|notice|warning|error|critical`.
extension Logger.Level: @retroactive ExpressibleByArgument {}
