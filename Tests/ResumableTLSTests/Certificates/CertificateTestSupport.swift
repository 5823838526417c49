import Foundation
import SwiftASN1
@testable import ResumableTLS

/// Helpers of the certificate tests.
enum CertificateTestSupport {
    /// The alert a throwing call ends with, or `nil` if it did not throw a `TLSError`.
    static func alert(_ body: () throws -> Void) -> AlertDescription? {
        do {
            try body()
            return nil
        } catch let error as TLSError {
            return error.alertToSend
        } catch {
            return nil
        }
    }

    /// The alert an async throwing call ends with, or `nil` if it did not throw a `TLSError`.
    static func alert(_ body: () async throws -> Void) async -> AlertDescription? {
        do {
            try await body()
            return nil
        } catch let error as TLSError {
            return error.alertToSend
        } catch {
            return nil
        }
    }

    /// The DER of the single certificate in `pem`.
    static func certificateDER(_ pem: String) throws -> [UInt8] {
        try PEMDocument(pemString: pem).derBytes
    }

    /// The openssl CLI, if installed.
    static func opensslPath() -> String? {
        for path in ["/usr/bin/openssl", "/usr/local/bin/openssl", "/bin/openssl"] where FileManager.default.isExecutableFile(atPath: path) {
            return path
        }
        return nil
    }

    /// Runs openssl with `arguments`; returns its exit status and combined output.
    static func runOpenSSL(_ openssl: String, _ arguments: [String]) throws -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: openssl)
        process.arguments = arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }
}
