/// libFuzzer target for the TLS 1.2 handshake messages (issue 13) and the TLS 1.2 server's
/// ClientHello handling.
///
/// Input: byte 0 selects (modulo 9) what the rest is:
/// - 0…7: the body of a TLS 1.2 message (ServerKeyExchange, ClientKeyExchange,
///   NewSessionTicket, CertificateRequest, Certificate, ServerHelloDone, HelloRequest,
///   Finished), framed with its header and parsed in the TLS 1.2 context, then round-tripped;
/// - 8: a ClientHello body, sent in a record to a fresh TLS 1.2-only server connection.
///
/// Properties checked (a violation is a `fatalError`): only `TLSError` is thrown and nothing
/// traps; a parsed message re-encodes to bytes that parse to an equal message, canonically; a
/// server that rejects a ClientHello is closed and has queued exactly one fatal alert record.
import ResumableTLS

let messageTypes: [HandshakeType] = [
    .serverKeyExchange, .clientKeyExchange, .newSessionTicket, .certificateRequest,
    .certificate, .serverHelloDone, .helloRequest, .finished,
]

/// One server context for every ClientHello: making the certificate is slow.
let serverContext: TLSContext? = {
    guard let identity = try? SelfSignedIdentity() else { return nil }
    var configuration = TLSConfiguration.server(chain: identity.chain, key: identity.privateKey)
    configuration.maximumVersion = .tls12
    // The server verifies no client here; the default (system roots) would make swift-certificates
    // load them in a global that LeakSanitizer reports.
    configuration.certificateVerification = .noVerificationForTestingOnly
    return try? TLSContext(configuration)
}()

@inline(never)
func requireTLSError(_ error: any Error, _ where_: StaticString) {
    guard error is TLSError else {
        fatalError("\(where_) threw a non-TLSError: \(type(of: error)) \(error)")
    }
}

func frame(_ type: UInt8, _ body: ArraySlice<UInt8>) -> [UInt8] {
    [type, UInt8(truncatingIfNeeded: body.count >> 16), UInt8(truncatingIfNeeded: body.count >> 8), UInt8(truncatingIfNeeded: body.count)] + body
}

func fuzzTLS12Messages(_ data: [UInt8]) {
    guard let selector = data.first, data.count <= 1 << 16 else { return }
    let body = data[1...]
    let choice = Int(selector) % (messageTypes.count + 1)
    guard choice < messageTypes.count else {
        fuzzServerClientHello(body)
        return
    }
    let bytes = frame(messageTypes[choice].rawValue, body)
    let message: HandshakeMessage
    do {
        message = try HandshakeMessage(parsingMessage: bytes, context: .tls12)
    } catch {
        requireTLSError(error, "HandshakeMessage(parsingMessage:context: .tls12)")
        return
    }
    do {
        let encoded = try message.encode()
        let reparsed = try HandshakeMessage(parsingMessage: encoded, context: .tls12)
        guard reparsed == message else { fatalError("round trip changed \(message) into \(reparsed)") }
        guard try reparsed.encode() == encoded else { fatalError("encoding of \(message) is not canonical") }
    } catch {
        fatalError("a parsed TLS 1.2 message does not round-trip: \(error)\n  \(message)")
    }
}

func fuzzServerClientHello(_ body: ArraySlice<UInt8>) {
    guard let serverContext else { fatalError("no server context") }
    let message = frame(1, body)
    guard message.count <= 0x4000 else { return }
    let record: [UInt8] = [22, 3, 1, UInt8(message.count >> 8), UInt8(message.count & 0xFF)] + message
    let server = serverContext.makeConnection()
    do {
        try server.receive(record)
    } catch {
        requireTLSError(error, "TLSConnection.receive")
        guard case .closed = server.state else { fatalError("a failed ClientHello left the server in \(server.state)") }
        let output = server.takeOutput()
        guard output.count == 7, output[0] == 21, output[5] == 2 else {
            fatalError("a failed ClientHello did not queue exactly one fatal alert record: \(output)")
        }
    }
}

#if FUZZING
@_silgen_name("LLVMFuzzerRunDriver")
func LLVMFuzzerRunDriver(
    _ argc: UnsafeMutablePointer<Int32>,
    _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>,
    _ callback: @convention(c) (UnsafePointer<UInt8>?, Int) -> Int32
) -> Int32

/// SwiftPM links an executable with `main` aliased to `<target>_main`; this takes its place and
/// hands control to libFuzzer.
@_cdecl("FuzzTLS12Messages_main")
func fuzzMain(_ argc: Int32, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> Int32 {
    var argc = argc
    var argv = argv
    return LLVMFuzzerRunDriver(&argc, &argv) { data, size in
        fuzzTLS12Messages(size == 0 ? [] : Array(UnsafeBufferPointer(start: data, count: size)))
        return 0
    }
}
#else
@main
enum FuzzTLS12MessagesStub {
    static func main() {
        print("FuzzTLS12Messages is a libFuzzer target: build and run it with scripts/fuzz.sh")
    }
}
#endif
