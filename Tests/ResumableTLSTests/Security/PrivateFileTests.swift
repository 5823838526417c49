import Foundation
import Testing
@testable import ResumableTLS

/// Security review L5: files that hold resumption secrets or ticket keys are readable by their
/// owner only.
@Suite("L5: secret files are private")
struct PrivateFileTests {
    private func mode(_ path: String) throws -> Int {
        let attributes = try FileManager.default.attributesOfItem(atPath: path)
        return (attributes[.posixPermissions] as? NSNumber)?.intValue ?? -1
    }

    private func temporaryDirectory() -> URL {
        FileManager.default.temporaryDirectory.appendingPathComponent("rtls-l5-\(UUID().uuidString)")
    }

    @Test("DirectorySessionStore: directory 0700, session files 0600, whatever the umask")
    func directoryStoreIsPrivate() async throws {
        let directory = temporaryDirectory().appendingPathComponent("nested")
        defer { try? FileManager.default.removeItem(at: directory.deletingLastPathComponent()) }
        let previous = umask(0o022)
        defer { umask(previous) }
        let store = try DirectorySessionStore(directory: directory, contextID: UUID())
        #expect(try mode(directory.path) == 0o700)
        let session = TLSSession(protocolVersion: .tls13, cipherSuite: .tlsAES128GCMSHA256, secret: [UInt8](repeating: 9, count: 32),
                                 sessionID: [UInt8](repeating: 0xAB, count: 32), ticket: [1, 2, 3],
                                 creationTime: Date(), timeout: 3_600, contextID: UUID())
        try await store.put(session)
        let files = try FileManager.default.contentsOfDirectory(atPath: directory.path)
        #expect(files.count == 1)
        for file in files {
            #expect(try mode(directory.appendingPathComponent(file).path) == 0o600, "\(file)")
        }
        #expect(try await store.get(id: session.sessionID)?.secret == session.secret)
    }

    @Test("PrivateFile.write replaces a file atomically with mode 0600; the ticket key file too")
    func privateFileWrite() throws {
        let directory = temporaryDirectory()
        try PrivateFile.createDirectory(directory)
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("secret").path
        #expect(FileManager.default.createFile(atPath: path, contents: Data("old".utf8), attributes: [.posixPermissions: 0o644]))
        try PrivateFile.write(Array("new".utf8), to: path)
        #expect(try mode(path) == 0o600)
        #expect(FileManager.default.contents(atPath: path) == Data("new".utf8))
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path) == ["secret"])   // no temporary left

        let keys = directory.appendingPathComponent("ticket.keys").path
        try TicketKeyFile.write([TicketKey.generate(notBefore: Date())], to: keys)
        #expect(try mode(keys) == 0o600)

        #expect(throws: PrivateFile.WriteError.self) { try PrivateFile.write([1], to: directory.appendingPathComponent("missing/file").path) }
    }
}
