import Foundation

/// A `SessionStore` that keeps each session as a file in a directory, in OpenSSL's own
/// `SSL_SESSION` DER (S7), so sessions survive a server restart: the embedded, persistent
/// default for the external-cache callbacks (S19–S21, S23).
///
/// Files are named by the hex of the session ID and written atomically (a temporary file,
/// then a rename), so a reader never sees half a session. `take` renames the file away before
/// reading it, so of two servers sharing the directory only one resumes a single-use ticket
/// (S14). Files from outside are treated as hostile: oversized or malformed ones are ignored
/// (and deleted), never trusted. Expired sessions found on `get` are deleted.
public struct DirectorySessionStore: SessionStore {
    /// The directory holding the session files.
    public let directory: URL
    /// The context identity imported sessions are bound to (S5).
    public let contextID: UUID
    private let clock: any TLSClock

    /// A store in `directory` (created with mode 0700 if missing). Sessions read back belong to
    /// `contextID`: give the server's context the same ID (`TLSContext(_:contextID:clock:)`),
    /// also after a restart, or it refuses them (S5). Session files hold resumption secrets:
    /// each is written with mode 0600 (security review L5).
    public init(directory: URL, contextID: UUID, clock: any TLSClock = SystemClock()) throws {
        try PrivateFile.createDirectory(directory)
        self.directory = directory
        self.contextID = contextID
        self.clock = clock
    }

    private func fileURL(for id: [UInt8]) -> URL? {
        // IDs are at most 32 bytes in OpenSSL's layout; anything else cannot be a file of ours.
        guard !id.isEmpty, id.count <= 32 else { return nil }
        return directory.appendingPathComponent(id.map { String(format: "%02x", $0) }.joined() + ".der")
    }

    /// Writes `session` under its session ID.
    public func put(_ session: TLSSession) async throws {
        guard let url = fileURL(for: session.sessionID) else { return }
        try PrivateFile.write(try session.derEncoded(), to: url.path)
    }

    /// The session stored under `id`, if any and not expired.
    public func get(id: [UInt8]) async throws -> TLSSession? {
        guard let url = fileURL(for: id) else { return nil }
        return read(url, deleteAfterwards: false)
    }

    /// The session stored under `id`, removed in the same step (single use, S14).
    public func take(id: [UInt8]) async throws -> TLSSession? {
        guard let url = fileURL(for: id) else { return nil }
        let claimed = directory.appendingPathComponent(".taken-\(UUID().uuidString)")
        // Not there, or another server took it first.
        guard rename(url.path, claimed.path) == 0 else { return nil }
        return read(claimed, deleteAfterwards: true)
    }

    /// Deletes the session stored under `id`.
    public func remove(id: [UInt8]) async throws {
        guard let url = fileURL(for: id) else { return }
        try? FileManager.default.removeItem(at: url)
    }

    private func read(_ url: URL, deleteAfterwards: Bool) -> TLSSession? {
        defer { if deleteAfterwards { try? FileManager.default.removeItem(at: url) } }
        guard let attributes = try? FileManager.default.attributesOfItem(atPath: url.path),
              let size = attributes[.size] as? Int, size <= SessionCodec.maximumDERLength,
              let data = FileManager.default.contents(atPath: url.path) else { return nil }
        guard let session = try? TLSSession.decode(der: Array(data), contextID: contextID),
              !session.isExpired(at: clock.now()) else {
            try? FileManager.default.removeItem(at: url)
            return nil
        }
        return session
    }
}
