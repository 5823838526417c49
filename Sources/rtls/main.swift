import ArgumentParser
import ResumableTLS

/// The `rtls` command: operator tools for the ResumableTLS library.
@main
struct RTLS: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rtls",
        abstract: "TLS 1.3 with session resumption, in Swift.",
        version: ResumableTLSVersion.string
    )

    func run() throws {
        print("rtls \(ResumableTLSVersion.string)")
    }
}
