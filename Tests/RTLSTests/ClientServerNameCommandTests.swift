import Foundation
import Testing

/// Security review H1 through `rtls client`: `--servername`, else the host of `--connect`, is
/// checked against the server's certificate; `--insecure` is the only way round it.
@Suite(.serialized) struct ClientServerNameCommandTests {
    typealias Support = RTLSTestSupport

    @Test("rtls client refuses a trusted certificate for another name, checks --connect's host by default")
    func serverNameIsChecked() throws {
        let directory = try Support.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        // A certificate for localhost and 127.0.0.1, trusted by the client through --cafile.
        let (certificate, key) = try Support.makeCertificate(in: directory)
        let (server, port) = try Support.startRTLSServer(["--cert", certificate, "--key", key])
        defer { server.stop() }

        let wrongName = try Support.rtls(["client", "--connect", "127.0.0.1:\(port)", "--cafile", certificate, "--servername", "www.other.example"])
        #expect(wrongName.status != 0, "\(wrongName.transcript)")
        #expect(wrongName.transcript.contains("bad_certificate") || wrongName.transcript.contains("badCertificate"), "\(wrongName.transcript)")
        #expect(!wrongName.stdout.contains("New, TLSv1.3"), "\(wrongName.transcript)")

        // No --servername: the host of --connect (127.0.0.1, in the certificate) is checked.
        let byAddress = try Support.rtls(["client", "--connect", "127.0.0.1:\(port)", "--cafile", certificate])
        #expect(byAddress.status == 0 && byAddress.stdout.contains("New, TLSv1.3"), "\(byAddress.transcript)")

        let rightName = try Support.rtls(["client", "--connect", "127.0.0.1:\(port)", "--cafile", certificate, "--servername", "localhost"])
        #expect(rightName.status == 0 && rightName.stdout.contains("New, TLSv1.3"), "\(rightName.transcript)")

        // --insecure is the explicit opt-out.
        let insecure = try Support.rtls(["client", "--connect", "127.0.0.1:\(port)", "--insecure", "--servername", "www.other.example"])
        #expect(insecure.status == 0 && insecure.stdout.contains("New, TLSv1.3"), "\(insecure.transcript)")
    }

    @Test("rtls client refuses a certificate that does not cover the host of --connect")
    func hostIsChecked() throws {
        let directory = try Support.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let certificate = directory.appendingPathComponent("elsewhere.pem").path
        let key = directory.appendingPathComponent("elsewhere.key").path
        let made = try Support.openssl([
            "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
            "-keyout", key, "-out", certificate, "-days", "1", "-subj", "/CN=elsewhere.example",
            "-addext", "subjectAltName=DNS:elsewhere.example",
        ])
        #expect(made.status == 0, "\(made.transcript)")
        let (server, port) = try Support.startRTLSServer(["--cert", certificate, "--key", key])
        defer { server.stop() }
        let refused = try Support.rtls(["client", "--connect", "127.0.0.1:\(port)", "--cafile", certificate])
        #expect(refused.status != 0, "\(refused.transcript)")
        #expect(refused.transcript.contains("bad_certificate") || refused.transcript.contains("badCertificate"), "\(refused.transcript)")
    }
}
