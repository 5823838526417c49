import Logging

/// Logging to stderr, set up once per process.
enum CLILogging {
    /// Makes swift-log write to stderr, at `.info` and above.
    static func bootstrap() {
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = .info
            return handler
        }
    }
}
