// libFuzzer target: the record layer. Feeds arbitrary bytes, in arbitrary pieces, to the record
// decoder and the handshake reassembler; any trap is a bug. Built by scripts/fuzz.sh.
import ResumableTLS

func fuzzRecordLayer(_ data: UnsafeRawBufferPointer) {
    let bytes = [UInt8](data)
    guard let first = bytes.first else { return }
    // The first byte picks how the stream is cut and whether records count as protected.
    let step = Int(first & 0x3F) + 1
    var decoder = RecordDecoder(maxFragmentLength: first & 0x40 == 0 ? RecordLimits.maxPlaintextLength : RecordLimits.maxCiphertextLength)
    var reassembler = HandshakeReassembler(maxMessageLength: 1 << 16)
    var index = 1
    do {
        while index < bytes.count {
            let end = min(index + step, bytes.count)
            decoder.append(bytes[index..<end])
            index = end
            while let record = try decoder.nextRecord() {
                switch record.contentType {
                case .handshake:
                    reassembler.append(record.fragment)
                    while let message = try reassembler.nextMessage() { _ = message.body.count }
                case .alert: _ = try Alert(parsing: record.fragment)
                case .changeCipherSpec: try ChangeCipherSpec.validate(record.fragment)
                case .applicationData: _ = record.header
                }
            }
        }
    } catch is TLSError {
        // Rejected input is the expected outcome for most fuzz inputs.
    } catch {
        // Only TLSError may escape the parsers.
        fatalError("a non-TLSError escaped the parsers: \(error)")
    }
}

#if FUZZING
@_silgen_name("LLVMFuzzerRunDriver")
func LLVMFuzzerRunDriver(
    _ argc: UnsafeMutablePointer<Int32>,
    _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>,
    _ callback: @convention(c) (UnsafePointer<UInt8>?, Int) -> Int32
) -> Int32

@_cdecl("FuzzRecordLayer_main")
func fuzzMain(_ argc: Int32, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> Int32 {
    var argc = argc
    var argv = argv
    return LLVMFuzzerRunDriver(&argc, &argv) { pointer, count in
        fuzzRecordLayer(UnsafeRawBufferPointer(start: pointer, count: count))
        return 0
    }
}
#else
@main
struct FuzzRecordLayerStub {
    static func main() {
        print("FuzzRecordLayer: build with scripts/fuzz.sh (-sanitize=fuzzer,address -DFUZZING)")
    }
}
#endif
