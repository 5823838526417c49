import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Files that hold secrets (session files with resumption PSKs, ticket key files): created
/// readable by their owner only, from the first byte, and replaced atomically (security review
/// L5).
public enum PrivateFile {
    /// Why a private file could not be written.
    public struct WriteError: Error, Sendable, Hashable, CustomStringConvertible {
        /// The file that was to be written.
        public var path: String
        /// What went wrong (the system's error text).
        public var reason: String
        /// A human-readable explanation.
        public var description: String { "cannot write '\(path)': \(reason)" }
    }

    /// Writes `bytes` to `path` atomically: a new file with mode 0600 (`open` with `O_EXCL`, so
    /// no other mode is ever visible) in the same directory, flushed, then renamed over `path`,
    /// so a reader sees the old file or the new one, never half of one.
    public static func write(_ bytes: [UInt8], to path: String) throws(WriteError) {
        let temporaryPath = path + ".tmp-" + UUID().uuidString
        let descriptor = open(temporaryPath, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else { throw WriteError(path: path, reason: systemError()) }
        var written = 0
        while written < bytes.count {
            let result = bytes.withUnsafeBytes { buffer in
                systemWrite(descriptor, buffer.baseAddress.map { $0 + written }, buffer.count - written)
            }
            if result < 0, errno == EINTR { continue }
            guard result > 0 else {
                let reason = systemError()
                close(descriptor)
                unlink(temporaryPath)
                throw WriteError(path: path, reason: reason)
            }
            written += result
        }
        guard fsync(descriptor) == 0, close(descriptor) == 0 else {
            let reason = systemError()
            unlink(temporaryPath)
            throw WriteError(path: path, reason: reason)
        }
        guard rename(temporaryPath, path) == 0 else {
            let reason = systemError()
            unlink(temporaryPath)
            throw WriteError(path: path, reason: reason)
        }
    }

    /// Creates `directory` (and missing parents) with mode 0700 if it does not exist.
    public static func createDirectory(_ directory: URL) throws {
        try FileManager.default.createDirectory(
            at: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
    }

    private static func systemError() -> String { String(cString: strerror(errno)) }
}

/// write(2), named apart from `PrivateFile.write`.
private func systemWrite(_ descriptor: Int32, _ bytes: UnsafeRawPointer?, _ count: Int) -> Int {
    #if canImport(Glibc)
    return Glibc.write(descriptor, bytes, count)
    #elseif canImport(Musl)
    return Musl.write(descriptor, bytes, count)
    #else
    return Darwin.write(descriptor, bytes, count)
    #endif
}
