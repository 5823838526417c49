import ArgumentParser
import Foundation
import ResumableTLS

/// `rtls ticket-keys`: writes or rotates a ticket key file that several `rtls server`
/// processes (or library servers) share, so each resumes the others' stateless tickets (S25).
struct TicketKeysCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ticket-keys",
        abstract: "Write or rotate a shared ticket key file (for rtls server --ticket-key-file).",
        discussion: """
            Without --rotate, writes a new file with one fresh key that is active at once (its
            not-before is backdated by a minute to allow for clock skew between servers); an
            existing file is replaced only with --force. With --rotate, reads the file, adds a
            key that starts encrypting --activation-delay seconds from now (unless one is
            already waiting), drops keys that can no longer open a live ticket, and writes it
            back atomically. Lists the keys' names and times on stdout, never the key material.
            The file is created with mode 0600.
            """
    )

    /// How far back a new file's first key is dated, so servers whose clocks are a little
    /// behind still find it active.
    static let clockSkewAllowance: TimeInterval = 60

    @Option(help: "The key file to write or rotate.")
    var out: String

    @Flag(help: "Rotate the existing file instead of writing a new one.")
    var rotate = false

    @Flag(help: "Replace an existing file with a new one (without --rotate).")
    var force = false

    @Option(name: .customLong("activation-delay"), help: "With --rotate: seconds until the new key starts encrypting.")
    var activationDelay: Int = 300

    @Option(name: .customLong("max-ticket-lifetime"), help: "With --rotate: the longest ticket lifetime (seconds) the servers use; old keys are kept this long after their successor took over.")
    var maximumTicketLifetime: Int = Int(TLSSession.maximumTLS13Lifetime)

    func validate() throws {
        guard !(rotate && force) else { throw ValidationError("--rotate and --force exclude each other") }
        guard (0...604_800).contains(activationDelay) else { throw ValidationError("--activation-delay must be 0...604800 seconds") }
        guard (1...604_800).contains(maximumTicketLifetime) else { throw ValidationError("--max-ticket-lifetime must be 1...604800 seconds") }
    }

    func run() throws {
        let now = Date()
        let keys: [TicketKey]
        if rotate {
            let existing: [TicketKey]
            do {
                existing = try TicketKeyFile(path: out).readKeys()
            } catch {
                throw CLIError("cannot rotate '\(out)': \(error)")
            }
            keys = TicketKeyFile.rotated(
                existing, now: now, activationDelay: TimeInterval(activationDelay),
                maximumTicketLifetime: TimeInterval(maximumTicketLifetime))
        } else {
            if FileManager.default.fileExists(atPath: out) && !force {
                throw CLIError("'\(out)' exists: use --rotate to rotate it, or --force to replace it (servers using it lose their keys)")
            }
            keys = [TicketKey.generate(notBefore: now.addingTimeInterval(-Self.clockSkewAllowance))]
        }
        do {
            try TicketKeyFile.write(keys, to: out)
        } catch {
            throw CLIError("\(error)")
        }
        Console.line("wrote \(keys.count) ticket key\(keys.count == 1 ? "" : "s") to \(out)")
        let formatter = ISO8601DateFormatter()
        for key in keys.sorted(by: { $0.notBefore < $1.notBefore }) {
            Console.line("  \(key.nameHex)  not-before \(formatter.string(from: key.notBefore))\(key.notBefore > now ? " (waiting)" : "")")
        }
    }
}
