// libFuzzer target: the session decoder (S7). Decodes arbitrary bytes as OpenSSL's
// SSL_SESSION DER; whatever decodes must re-encode, and the re-encoding must decode to a
// session with equal parameters. Any trap is a bug. Seeds: Fuzz/corpus/FuzzSessionDecoder.
import Foundation
import ResumableTLS

let fuzzContextID = UUID(uuid: (1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16))

func fuzzSessionDecoder(_ data: UnsafeRawBufferPointer) {
    let bytes = [UInt8](data)
    // The same bytes as PEM text (swift-asn1's PEM reader and the label check) must not trap.
    _ = try? TLSSession.decode(pem: String(decoding: bytes, as: UTF8.self), contextID: fuzzContextID)
    let session: TLSSession
    do {
        session = try TLSSession.decode(der: bytes, contextID: fuzzContextID)
    } catch {
        // Rejected input (a SessionCodecError: the only error the decoder can throw) is the
        // expected outcome for most fuzz inputs.
        return
    }
    let encoded: [UInt8]
    do {
        encoded = try session.derEncoded()
    } catch {
        fatalError("a decoded session does not re-encode: \(error)")
    }
    do {
        let again = try TLSSession.decode(der: encoded, contextID: fuzzContextID)
        guard again.hasSameParameters(as: session) else {
            fatalError("re-encoding changed the session's parameters")
        }
        guard try again.derEncoded() == encoded else {
            fatalError("encoding is not stable")
        }
    } catch {
        fatalError("our own encoding does not decode: \(error)")
    }
    // The PEM path on the same bytes must not trap either.
    if let pem = try? session.pemEncoded() {
        guard let fromPEM = try? TLSSession.decode(pem: pem, contextID: fuzzContextID), fromPEM.hasSameParameters(as: session) else {
            fatalError("our own PEM does not decode to the same session")
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

@_cdecl("FuzzSessionDecoder_main")
func fuzzMain(_ argc: Int32, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> Int32 {
    var argc = argc
    var argv = argv
    return LLVMFuzzerRunDriver(&argc, &argv) { pointer, count in
        fuzzSessionDecoder(UnsafeRawBufferPointer(start: pointer, count: count))
        return 0
    }
}
#else
@main
struct FuzzSessionDecoderStub {
    static func main() {
        print("FuzzSessionDecoder: build with -sanitize=fuzzer,address -DFUZZING (see scripts/fuzz.sh)")
    }
}
#endif
