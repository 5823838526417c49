import ArgumentParser
import ResumableTLS

/// The `rtls` command: operator tools for the ResumableTLS library, modelled on `openssl`.
@main
struct RTLS: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rtls",
        abstract: "TLS 1.3 with session resumption, in Swift.",
        version: ResumableTLSVersion.string,
        subcommands: [DemoCommand.self, ServerCommand.self, ClientCommand.self, SessionIDCommand.self, TicketKeysCommand.self, BenchCommand.self, FirstByteBenchCommand.self, FleetBenchCommand.self]
    )
}
