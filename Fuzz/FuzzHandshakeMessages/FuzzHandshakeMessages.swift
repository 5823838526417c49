/// libFuzzer target for the handshake message codecs of ResumableTLS.
///
/// Input: byte 0 selects the `HandshakeParsingContext` (modulo 6: `.initial`,
/// `.tls13(hashLength: 32)`, `.tls13(hashLength: 48)`, `.tls12`, TLS 1.3 without a Finished
/// length, TLS 1.1 with a 12-byte Finished); the rest is one complete handshake message,
/// 4-byte header included, parsed with `HandshakeMessage(parsingMessage:context:)`.
///
/// Properties checked (a violation is a `fatalError`):
/// - parsing throws nothing but `TLSError`, and never traps;
/// - `init(type:body:context:)` on the header's type and body agrees with `init(parsingMessage:)`;
/// - a parsed message has the header's type byte;
/// - round trip: a parsed message encodes (`encode()` does not throw), the encoding parses
///   again in the same context to an equal value, and encoding that value gives the same bytes
///   (the encoding is canonical); `encodeBody()` is the encoding without its 4-byte header.
import ResumableTLS

@inline(never)
func requireTLSError(_ error: any Error, _ where_: StaticString) {
    guard error is TLSError else {
        fatalError("\(where_) threw a non-TLSError: \(type(of: error)) \(error)")
    }
}

let contexts: [HandshakeParsingContext] = [
    .initial,
    .tls13(hashLength: 32),
    .tls13(hashLength: 48),
    .tls12,
    HandshakeParsingContext(negotiatedVersion: .tls13, finishedLength: nil),
    HandshakeParsingContext(negotiatedVersion: .tls11, finishedLength: 12),
]

func fuzzHandshakeMessages(_ data: [UInt8]) {
    guard let selector = data.first else { return }
    let context = contexts[Int(selector) % contexts.count]
    let bytes = data[1...]

    let message: HandshakeMessage
    do {
        message = try HandshakeMessage(parsingMessage: bytes, context: context)
    } catch {
        requireTLSError(error, "HandshakeMessage(parsingMessage:context:)")
        return
    }

    // The header was valid (or parsing would have thrown), so type and body can be cut out.
    let typeByte = bytes[bytes.startIndex]
    guard message.type.rawValue == typeByte else {
        fatalError("message of type \(typeByte) parsed as \(message.type): \(message)")
    }
    do {
        let again = try HandshakeMessage(type: HandshakeType(rawValue: typeByte), body: bytes.dropFirst(4), context: context)
        guard again == message else {
            fatalError("init(type:body:) disagrees with init(parsingMessage:)\n  \(message)\n  \(again)")
        }
    } catch {
        fatalError("init(type:body:) threw \(error) where init(parsingMessage:) parsed \(message)")
    }

    // Round trip.
    let encoded: [UInt8]
    do {
        encoded = try message.encode()
    } catch {
        fatalError("parsed message does not encode: \(error)\n  message: \(message)\n  input: \(hex(bytes))")
    }
    let reparsed: HandshakeMessage
    do {
        reparsed = try HandshakeMessage(parsingMessage: encoded, context: context)
    } catch {
        fatalError("encoding of a parsed message does not parse: \(error)\n  message: \(message)\n  encoded: \(hex(encoded))")
    }
    guard reparsed == message else {
        fatalError("round trip changed the message\n  before: \(message)\n  after:  \(reparsed)\n  input: \(hex(bytes))")
    }
    do {
        let reencoded = try reparsed.encode()
        guard reencoded == encoded else {
            fatalError("encoding is not canonical\n  first:  \(hex(encoded))\n  second: \(hex(reencoded))")
        }
        let body = try message.encodeBody()
        guard Array(encoded.dropFirst(4)) == body else { fatalError("encodeBody() is not encode() without its header") }
    } catch {
        fatalError("re-encoding threw \(error)")
    }
}

func hex<C: Collection>(_ bytes: C) -> String where C.Element == UInt8 {
    let digits = Array("0123456789abcdef")
    var out = ""
    for byte in bytes { out.append(digits[Int(byte >> 4)]); out.append(digits[Int(byte & 0x0F)]) }
    return out
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
@_cdecl("FuzzHandshakeMessages_main")
func fuzzMain(_ argc: Int32, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> Int32 {
    var argc = argc
    var argv = argv
    return LLVMFuzzerRunDriver(&argc, &argv) { data, size in
        fuzzHandshakeMessages(size == 0 ? [] : Array(UnsafeBufferPointer(start: data, count: size)))
        return 0
    }
}
#else
@main
enum FuzzHandshakeMessagesStub {
    static func main() {
        print("FuzzHandshakeMessages is a libFuzzer target: build and run it with scripts/fuzz.sh")
    }
}
#endif
