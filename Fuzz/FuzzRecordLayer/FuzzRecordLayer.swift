/// libFuzzer target for the record layer of ResumableTLS.
///
/// Input: byte 0 configures the run, the rest is a stream of bytes as received from a peer.
/// - bits 0-3 pick how the stream is cut into `RecordDecoder.append` calls (whole, 1, 2, 3, 5,
///   7, 13, 64, 255 bytes, or sizes read from the stream itself);
/// - bit 4 selects the ciphertext limit (2^14 + 256) instead of the plaintext one (2^14);
/// - bit 5 lowers `HandshakeReassembler.maxMessageLength` to 1024.
///
/// Every complete record is dispatched as a connection would before keys are installed:
/// handshake fragments go through `HandshakeReassembler` and each message is parsed with
/// `HandshakeMessage(parsingMessage:context:)` (`.initial` and `.tls13(hashLength: 32)`),
/// alerts through `Alert(parsing:)`, change_cipher_spec through `ChangeCipherSpec.validate`.
///
/// Properties checked (a violation is a `fatalError`): every error thrown is a `TLSError`; a
/// record's header and fragment re-encode to exactly the bytes consumed from the stream; no
/// fragment exceeds the limit; `bufferedByteCount` accounts for every byte; a reassembled
/// message's length matches its header; a parsed alert re-encodes to its two bytes; a
/// change_cipher_spec that validates is the single byte 0x01. Traps in library code are bugs.
import ResumableTLS

/// Fails the run if `error` is anything but a `TLSError`.
@inline(never)
func requireTLSError(_ error: any Error, _ where_: StaticString) {
    guard error is TLSError else {
        fatalError("\(where_) threw a non-TLSError: \(type(of: error)) \(error)")
    }
}

func fuzzRecordLayer(_ data: [UInt8]) {
    guard let config = data.first else { return }
    let stream = data[1...]
    let limit = config & 0x10 != 0 ? RecordLimits.maxCiphertextLength : RecordLimits.maxPlaintextLength
    var decoder = RecordDecoder(maxFragmentLength: limit)
    var reassembler = HandshakeReassembler(maxMessageLength: config & 0x20 != 0 ? 1024 : 128 * 1024)
    let chunkSizes = [0, 1, 2, 3, 5, 7, 13, 64, 255]
    let chunkMode = Int(config & 0x0F)

    var position = stream.startIndex   // next byte of `stream` to hand to the decoder
    var consumed = stream.startIndex   // first byte of `stream` not yet returned as a record
    while position < stream.endIndex {
        let chunk: Int
        if chunkMode < chunkSizes.count {
            chunk = chunkSizes[chunkMode] == 0 ? stream.endIndex - position : chunkSizes[chunkMode]
        } else {
            // Chunk sizes from the stream: one byte of size, then that many bytes (at least 1).
            chunk = Int(stream[position]) + 1
        }
        let end = min(position + chunk, stream.endIndex)
        decoder.append(stream[position..<end])
        position = end
        guard decoder.bufferedByteCount == position - consumed else {
            fatalError("bufferedByteCount \(decoder.bufferedByteCount) != \(position - consumed)")
        }

        while true {
            let record: TLSRecord?
            do {
                record = try decoder.nextRecord()
            } catch {
                requireTLSError(error, "RecordDecoder.nextRecord")
                return  // a connection closes on a bad header
            }
            guard let record else { break }
            guard record.fragment.count <= limit else {
                fatalError("record of \(record.fragment.count) bytes passed the \(limit)-byte limit")
            }
            let recordLength = RecordLimits.headerLength + record.fragment.count
            // The header encoded again from the parsed fields, then the fragment.
            var reencoded = ByteWriter()
            RecordHeader(contentType: record.contentType, legacyVersion: record.legacyVersion, length: record.fragment.count)
                .encode(into: &reencoded)
            reencoded.writeBytes(record.fragment)
            guard consumed + recordLength <= position,
                  Array(stream[consumed..<(consumed + recordLength)]) == reencoded.bytes,
                  record.bytes == reencoded.bytes
            else {
                fatalError("record does not re-encode to the bytes it was read from")
            }
            consumed += recordLength
            guard decoder.bufferedByteCount == position - consumed else {
                fatalError("bufferedByteCount \(decoder.bufferedByteCount) != \(position - consumed) after a record")
            }
            if !dispatch(record, to: &reassembler) { return }
        }
    }
}

/// Handles one record; false when the connection would close.
func dispatch(_ record: TLSRecord, to reassembler: inout HandshakeReassembler) -> Bool {
    switch record.contentType {
    case .handshake:
        reassembler.append(record.fragment)
        while true {
            let message: RawHandshakeMessage?
            do {
                message = try reassembler.nextMessage()
            } catch {
                requireTLSError(error, "HandshakeReassembler.nextMessage")
                return false
            }
            guard let message else { break }
            guard message.bytes.count >= 4, message.body.count <= reassembler.maxMessageLength else {
                fatalError("reassembled message of \(message.bytes.count) bytes")
            }
            // A view of the record: its own indices, so the header is read from a copy.
            let header = Array(message.bytes.prefix(4))
            let declared = Int(header[1]) << 16 | Int(header[2]) << 8 | Int(header[3])
            guard declared == message.body.count, message.type.rawValue == header[0] else {
                fatalError("reassembled message header does not match its body")
            }
            for context in [HandshakeParsingContext.initial, .tls13(hashLength: 32)] {
                do {
                    _ = try HandshakeMessage(parsingMessage: message.bytes, context: context)
                } catch {
                    requireTLSError(error, "HandshakeMessage(parsingMessage:)")
                }
            }
        }
        return true
    case .alert:
        do {
            let alert = try Alert(parsing: record.fragment)
            guard alert.bytes[...] == record.fragment else { fatalError("alert does not re-encode to its bytes") }
        } catch {
            requireTLSError(error, "Alert(parsing:)")
            return false
        }
        return true
    case .changeCipherSpec:
        do {
            try ChangeCipherSpec.validate(record.fragment)
            guard record.fragment == ChangeCipherSpec.payload[...] else { fatalError("bad change_cipher_spec accepted") }
        } catch {
            requireTLSError(error, "ChangeCipherSpec.validate")
            return false
        }
        return true
    default:
        return true
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
@_cdecl("FuzzRecordLayer_main")
func fuzzMain(_ argc: Int32, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> Int32 {
    var argc = argc
    var argv = argv
    return LLVMFuzzerRunDriver(&argc, &argv) { data, size in
        fuzzRecordLayer(size == 0 ? [] : Array(UnsafeBufferPointer(start: data, count: size)))
        return 0
    }
}
#else
@main
enum FuzzRecordLayerStub {
    static func main() {
        print("FuzzRecordLayer is a libFuzzer target: build and run it with scripts/fuzz.sh")
    }
}
#endif
