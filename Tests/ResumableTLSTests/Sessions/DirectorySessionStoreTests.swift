import Foundation
import Testing
@testable import ResumableTLS

/// Sessions that survive a server restart through a directory of session files (issue 5).
@Suite struct DirectorySessionStoreTests {
    private func temporaryDirectory() -> URL {
        FileManager.default.temporaryDirectory.appendingPathComponent("rtls-sessions-\(UUID().uuidString)")
    }

    private func serverContext(directory: URL, contextID: UUID) throws -> TLSContext {
        var configuration = InMemoryIdentity.serverConfiguration()
        configuration.ticketMode = .stateful
        configuration.sessionStore = try DirectorySessionStore(directory: directory, contextID: contextID)
        configuration.sessionStoreTimeLimit = .seconds(5)
        return try TLSContext(configuration, contextID: contextID)
    }

    private func fileCount(_ directory: URL) -> Int {
        ((try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []).filter { $0.hasSuffix(".der") }.count
    }

    /// Whether the store holds a file for `id` (a stateful ticket is its session's ID).
    private func fileExists(_ directory: URL, id: [UInt8]) -> Bool {
        FileManager.default.fileExists(atPath: directory.appendingPathComponent(id.map { String(format: "%02x", $0) }.joined() + ".der").path)
    }

    /// S7 (sessions on disk), S21/S23 (the store asked on a miss), S14 (a stateful ticket's
    /// file taken on use), S5 (the restarted server is given the same context ID).
    @Test func serverRestartStillResumes_S7_S14_S21_S23() async throws {
        let directory = temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let client = try TLSContext(try InMemoryIdentity.clientConfiguration())
        let contextID = UUID()

        var firstServer: TLSContext? = try serverContext(directory: directory, contextID: contextID)
        let clientConnection = client.makeConnection()
        let serverConnection = try #require(firstServer).makeConnection()
        try await ConnectionPump.run(clientConnection, serverConnection)
        try ConnectionPump.shutDown(clientConnection, serverConnection)
        // The store writes run off the handshake path: wait (bounded) for both tickets' files.
        for _ in 0..<200 where fileCount(directory) < 2 { try await Task.sleep(for: .milliseconds(10)) }
        #expect(fileCount(directory) == 2)
        let saved = try #require(clientConnection.session)
        let other = try #require(ConnectionPump.events(clientConnection).compactMap { event -> TLSSession? in
            if case .newSession(let session) = event, session !== saved { return session }
            return nil
        }.first)
        #expect(fileExists(directory, id: saved.ticket) && fileExists(directory, id: other.ticket))
        firstServer = nil // the "restart": the old context and its memory are gone

        let restarted = try serverContext(directory: directory, contextID: contextID)
        let resuming = client.makeConnection()
        try resuming.offer(saved)
        let server = restarted.makeConnection()
        try await ConnectionPump.run(resuming, server)
        #expect(resuming.sessionReused && server.sessionReused)
        #expect(!fileExists(directory, id: saved.ticket), "the used ticket's file was taken (single use, S14)")
        #expect(fileExists(directory, id: other.ticket), "the unused ticket's file stays")
        #expect(restarted.statistics.callbackHits == 1)
        try ConnectionPump.shutDown(resuming, server)
    }

    @Test func hostileFilesAreIgnored_S7() async throws {
        let directory = temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let store = try DirectorySessionStore(directory: directory, contextID: UUID())
        let id = [UInt8](repeating: 0xAB, count: 32)
        let name = id.map { String(format: "%02x", $0) }.joined() + ".der"
        try Data([0x30, 0x82, 0xFF, 0xFF, 0x02]).write(to: directory.appendingPathComponent(name))
        #expect(try await store.get(id: id) == nil)
        #expect(fileCount(directory) == 0, "a malformed file is deleted")
        #expect(try await store.take(id: [UInt8](repeating: 1, count: 40)) == nil)
    }

    @Test func putGetTakeRoundTrip() async throws {
        let directory = temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let contextID = UUID()
        let store = try DirectorySessionStore(directory: directory, contextID: contextID)
        let session = TLSSession(
            protocolVersion: .tls13, cipherSuite: .tlsAES128GCMSHA256, secret: [UInt8](repeating: 7, count: 32),
            sessionID: [UInt8](repeating: 9, count: 32), ticket: [UInt8](repeating: 9, count: 32),
            ticketLifetime: 7_200, ticketAgeAdd: 42, creationTime: Date(timeIntervalSince1970: Date().timeIntervalSince1970.rounded(.down)),
            timeout: 7_200, serverName: "localhost", applicationProtocol: "h2", contextID: UUID())
        try await store.put(session)
        let read = try #require(try await store.get(id: session.sessionID))
        #expect(read.secret == session.secret && read.ticket == session.ticket && read.ticketAgeAdd == 42)
        #expect(read.serverName == "localhost" && read.applicationProtocol == "h2")
        #expect(read.contextID == contextID, "an imported session belongs to the importing context (S5)")
        #expect(try await store.take(id: session.sessionID) != nil)
        #expect(try await store.take(id: session.sessionID) == nil)
    }
}
