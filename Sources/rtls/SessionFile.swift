import ArgumentParser
import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import ResumableTLS

/// `--inform` / `--outform`: how a session file is encoded (OpenSSL's `-inform`, `-outform`).
enum SessionFileFormat: String, ExpressibleByArgument, CaseIterable, Sendable {
    /// `-----BEGIN SSL SESSION PARAMETERS-----` text, as `openssl s_client -sess_out` writes.
    case pem = "PEM"
    /// The bare `SSL_SESSION` DER, as `openssl sess_id -outform DER` writes.
    case der = "DER"

    /// Accepts `PEM`, `pem`, `DER`, `der`.
    init?(argument: String) {
        self.init(rawValue: argument.uppercased())
    }
}

/// Reading and writing session files in OpenSSL's `SSL_SESSION` layout (S7), with errors that
/// say which file and what is wrong. Nothing here traps on a file's contents.
enum SessionFile {
    /// The largest file read: the codec's PEM limit (a DER session is smaller still).
    static let maximumFileSize = SessionCodec.maximumPEMLength

    /// Reads the session in `path` (`-` for stdin) for the context `contextID`. With a nil
    /// `format` the format is guessed: PEM if the file contains `-----BEGIN`, else DER.
    /// Throws a `CLIError` naming the file.
    static func read(_ path: String, format: SessionFileFormat?, contextID: UUID) throws -> TLSSession {
        try load(path, format: format).session(contextID: contextID)
    }

    /// Reads and checks the file `path` (`-` for stdin), for decoding once the importing
    /// context is known. Throws a `CLIError` naming the file.
    static func load(_ path: String, format: SessionFileFormat?) throws -> LoadedSessionFile {
        let bytes = try readBytes(path)
        let file = LoadedSessionFile(path: path, bytes: bytes, format: format ?? (containsPEMHeader(bytes) ? .pem : .der))
        _ = try file.session(contextID: UUID())  // fail now, before any connection, on a bad file
        return file
    }

    /// Writes `session` to `path` (`-` for stdout) in `format`. A file is replaced atomically
    /// and made readable by its owner only (it holds the resumption secret).
    static func write(_ session: TLSSession, to path: String, format: SessionFileFormat) throws {
        let bytes: [UInt8]
        do {
            bytes = try encode(session, format: format)
        } catch {
            throw CLIError("cannot encode the session as \(format.rawValue): \(error)")
        }
        if path == "-" {
            FileHandle.standardOutput.write(Data(bytes))
            return
        }
        try writePrivateFile(bytes, to: path, what: "session")
    }

    /// The session in `format`: PEM text or DER bytes.
    static func encode(_ session: TLSSession, format: SessionFileFormat) throws(SessionCodecError) -> [UInt8] {
        switch format {
        case .pem: return Array(try session.pemEncoded().utf8)
        case .der: return try session.derEncoded()
        }
    }

    /// Why a client would not offer `session` now, or nil when it can (TLS 1.3, resumable,
    /// with a ticket, not expired). Used to warn about a `--sess-in` file.
    static func reasonNotOfferable(_ session: TLSSession, now: Date = Date()) -> String? {
        switch session.protocolVersion {
        case .tls13: if session.ticket.isEmpty { return "it has no TLS 1.3 ticket" }
        case .tls12: if session.ticket.isEmpty && session.sessionID.isEmpty { return "it has neither a session ID nor a ticket" }
        default: return "it is a \(session.protocolVersion) session (rtls resumes TLS 1.3 and TLS 1.2)"
        }
        if !session.isResumable { return "it is not resumable" }
        if session.isExpired(at: now) { return "it expired at \(session.expirationTime)" }
        return nil
    }

    private static func containsPEMHeader(_ bytes: [UInt8]) -> Bool {
        let marker = Array("-----BEGIN".utf8)
        guard bytes.count >= marker.count else { return false }
        return (0...(bytes.count - marker.count)).contains { bytes[$0..<($0 + marker.count)].elementsEqual(marker) }
    }

    private static func readBytes(_ path: String) throws -> [UInt8] {
        let handle: FileHandle
        if path == "-" {
            handle = FileHandle.standardInput
        } else {
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
                throw CLIError("cannot read session from '\(path)': no such file")
            }
            guard !isDirectory.boolValue else { throw CLIError("cannot read session from '\(path)': it is a directory") }
            guard let opened = FileHandle(forReadingAtPath: path) else {
                throw CLIError("cannot read session from '\(path)': permission denied or unreadable")
            }
            handle = opened
        }
        defer { if path != "-" { try? handle.close() } }
        let data: Data?
        do {
            data = try handle.read(upToCount: maximumFileSize + 1)
        } catch {
            throw CLIError("cannot read session from '\(path)': \(error)")
        }
        let bytes = data.map { [UInt8]($0) } ?? []
        guard !bytes.isEmpty else { throw CLIError("cannot read session from '\(path)': the file is empty") }
        guard bytes.count <= maximumFileSize else {
            throw CLIError("cannot read session from '\(path)': larger than \(maximumFileSize) bytes, not a session file")
        }
        return bytes
    }
}

/// A session file's bytes, read and checked; `session(contextID:)` imports it into a context.
struct LoadedSessionFile {
    /// Where it came from, for messages.
    let path: String
    /// The file's contents.
    let bytes: [UInt8]
    /// The format given or guessed.
    let format: SessionFileFormat

    /// The session, owned by the context `contextID` (S5). Throws a `CLIError` naming the file.
    func session(contextID: UUID) throws -> TLSSession {
        do {
            switch format {
            case .pem:
                guard let text = String(validating: bytes, as: UTF8.self) else {
                    throw CLIError("cannot read session from '\(path)': the file is not PEM text")
                }
                return try TLSSession.decode(pem: text, contextID: contextID)
            case .der:
                return try TLSSession.decode(der: bytes, contextID: contextID)
            }
        } catch let error as SessionCodecError {
            throw CLIError("cannot read session from '\(path)' (\(format.rawValue)): \(error)")
        }
    }
}

/// Writes `bytes` to `path` atomically (a temporary file in the same directory with mode
/// 0600, then a rename). Throws a `CLIError` naming the file; `what` says what it holds.
func writePrivateFile(_ bytes: [UInt8], to path: String, what: String) throws {
    do {
        try PrivateFile.write(bytes, to: path)
    } catch {
        throw CLIError("cannot write \(what) to '\(path)': \(error.reason)")
    }
}
