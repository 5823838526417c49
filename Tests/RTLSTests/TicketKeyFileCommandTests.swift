import Foundation
import Testing

/// `rtls ticket-keys` and `rtls server --ticket-key-file`: two servers given the same key
/// file resume each other's stateless tickets (S25).
@Suite(.serialized) struct TicketKeyFileCommandTests {
    typealias Support = RTLSTestSupport

    @Test("two rtls servers sharing a key file resume each other's tickets; one with its own keys does not")
    func sharedKeyFile() throws {
        let directory = try Support.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let keyFile = directory.appendingPathComponent("ticket.keys").path
        let written = try Support.rtls(["ticket-keys", "--out", keyFile])
        #expect(written.status == 0, "\(written.transcript)")
        #expect(written.stdout.hasPrefix("wrote 1 ticket key to \(keyFile)"), "\(written.transcript)")

        let (first, firstPort) = try Support.startRTLSServer(["--ticket-key-file", keyFile])
        defer { first.stop() }
        let (second, secondPort) = try Support.startRTLSServer(["--ticket-key-file", keyFile])
        defer { second.stop() }
        let (stranger, strangerPort) = try Support.startRTLSServer()
        defer { stranger.stop() }

        let sessionFile = directory.appendingPathComponent("session.pem").path
        let full = try Support.rtls(["client", "--connect", "127.0.0.1:\(firstPort)", "--insecure", "--sess-out", sessionFile])
        #expect(full.status == 0 && full.stdout.contains("New, TLSv1.3"), "\(full.transcript)")

        let resumed = try Support.rtls(["client", "--connect", "127.0.0.1:\(secondPort)", "--insecure", "--sess-in", sessionFile])
        #expect(resumed.status == 0 && resumed.stdout.contains("Reused, TLSv1.3"), "\(resumed.transcript)\n\(second.transcript)")

        let refused = try Support.rtls(["client", "--connect", "127.0.0.1:\(strangerPort)", "--insecure", "--sess-in", sessionFile])
        #expect(refused.status == 0 && refused.stdout.contains("New, TLSv1.3"), "\(refused.transcript)")
    }

    @Test("ticket-keys refuses to replace a file without --force; --rotate adds a waiting key and keeps the old one")
    func rotation() throws {
        let directory = try Support.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let keyFile = directory.appendingPathComponent("ticket.keys").path
        #expect(try Support.rtls(["ticket-keys", "--out", keyFile]).status == 0)
        let original = try String(contentsOfFile: keyFile, encoding: .utf8)
        let permissions = try FileManager.default.attributesOfItem(atPath: keyFile)[.posixPermissions] as? Int
        #expect(permissions == 0o600)

        let again = try Support.rtls(["ticket-keys", "--out", keyFile])
        #expect(again.status == 1, "\(again.transcript)")
        #expect(again.stderr.contains("exists"), "\(again.transcript)")
        #expect(try String(contentsOfFile: keyFile, encoding: .utf8) == original)

        let rotated = try Support.rtls(["ticket-keys", "--out", keyFile, "--rotate"])
        #expect(rotated.status == 0, "\(rotated.transcript)")
        #expect(rotated.stdout.hasPrefix("wrote 2 ticket keys"), "\(rotated.transcript)")
        #expect(rotated.stdout.contains("(waiting)"), "\(rotated.transcript)")
        let keyLines = try String(contentsOfFile: keyFile, encoding: .utf8).split(separator: "\n").filter { !$0.hasPrefix("#") }
        #expect(keyLines.count == 2)
        #expect(original.contains(keyLines[0]), "the old key stays first")
        // The key material is never printed.
        let keyHex = keyLines.map { $0.split(separator: " ")[1] }
        #expect(keyHex.allSatisfy { !rotated.stdout.contains($0) })

        // Rotating again while a key is waiting adds nothing.
        let twice = try Support.rtls(["ticket-keys", "--out", keyFile, "--rotate"])
        #expect(twice.stdout.hasPrefix("wrote 2 ticket keys"), "\(twice.transcript)")

        let force = try Support.rtls(["ticket-keys", "--out", keyFile, "--force"])
        #expect(force.status == 0 && force.stdout.hasPrefix("wrote 1 ticket key"), "\(force.transcript)")
    }
}
