import ArgumentParser
import Foundation
import ResumableTLS

/// `rtls sess-id`: reads a session file and prints or converts it, like `openssl sess_id`.
struct SessionIDCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sess-id",
        abstract: "Show or convert a TLS session file (like openssl sess_id).",
        discussion: """
            Reads a session in OpenSSL's SSL_SESSION layout: the PEM that 'openssl s_client
            -sess_out' and 'rtls client --sess-out' write (SSL SESSION PARAMETERS), or its DER.
            --text prints the fields as 'openssl sess_id -text' does, plus SNI, ALPN, group and
            the peer's subject; --json prints them as one JSON object. The session itself is
            written to --out, or to stdout when neither --text nor --json is given.
            A file that is missing or not a session is reported on stderr; the exit status is 1.
            """
    )

    @Option(help: "The session file ('-' for stdin).")
    var `in`: String

    @Option(help: "The input format: PEM or DER (default: PEM if the file has a PEM header, else DER).")
    var inform: SessionFileFormat?

    @Option(help: "Write the session to this file ('-' for stdout).")
    var out: String?

    @Option(help: "The output format: PEM or DER.")
    var outform: SessionFileFormat = .pem

    @Flag(help: "Print the session's fields as text.")
    var text = false

    @Flag(help: "Print the session's fields as one JSON object.")
    var json = false

    func validate() throws {
        guard !(text && json) else { throw ValidationError("--text and --json exclude each other") }
    }

    func run() throws {
        // A session read by a tool belongs to no context; any ID will do (S5).
        let session = try SessionFile.read(`in`, format: inform, contextID: UUID())
        let description = SessionDescription(session)
        if text { Console.line(description.text) }
        if json { Console.line(description.json) }
        if let out {
            try SessionFile.write(session, to: out, format: outform)
        } else if !text && !json {
            try SessionFile.write(session, to: "-", format: outform)
        }
    }
}
