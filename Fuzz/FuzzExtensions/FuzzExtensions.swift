/// libFuzzer target for the extension codecs of ResumableTLS.
///
/// Input: byte 0 selects the `ExtensionContext` (bits 0-6, modulo the 7 contexts, in
/// `ExtensionContext.allCases` order) and the mode (bit 7); the rest is
/// - bit 7 clear: an extension block with its 2-byte length, parsed with
///   `ExtensionList(parsing:context:)` (bytes after the block are ignored, as a message parser
///   would look at them next);
/// - bit 7 set: one extension as a 2-byte type followed by its body (the body runs to the end
///   of the input), parsed with `Extension(type:body:context:)`.
///
/// Properties checked (a violation is a `fatalError`):
/// - parsing throws nothing but `TLSError`, and never traps;
/// - a parsed extension has the type it was read as, and a parsed block finds each of its
///   extensions by type;
/// - re-encoding reproduces the input bytes exactly (`ExtensionList` documents this: transcripts
///   and PSK binders hash them), and parsing the encoding again gives an equal value.
import ResumableTLS

@inline(never)
func requireTLSError(_ error: any Error, _ where_: StaticString) {
    guard error is TLSError else {
        fatalError("\(where_) threw a non-TLSError: \(type(of: error)) \(error)")
    }
}

func fuzzExtensions(_ data: [UInt8]) {
    guard let selector = data.first else { return }
    let contexts = ExtensionContext.allCases
    let context = contexts[contexts.index(contexts.startIndex, offsetBy: Int(selector & 0x7F) % contexts.count)]
    if selector & 0x80 == 0 {
        fuzzBlock(data[1...], context: context)
    } else {
        fuzzSingle(data[1...], context: context)
    }
}

func fuzzBlock(_ bytes: ArraySlice<UInt8>, context: ExtensionContext) {
    var reader = ByteReader(bytes)
    let list: ExtensionList
    do {
        list = try ExtensionList(parsing: &reader, context: context)
    } catch {
        requireTLSError(error, "ExtensionList(parsing:context:)")
        return
    }
    let input = Array(bytes.prefix(reader.consumed))
    for ext in list {
        guard list[ext.type] == ext, list.contains(ext.type) else {
            fatalError("ExtensionList does not find its own \(ext.type) extension")
        }
    }
    var writer = ByteWriter()
    do {
        try list.encode(into: &writer)
    } catch {
        fatalError("parsed extension block does not encode: \(error)\n  context: \(context)\n  list: \(list)\n  input: \(hex(input))")
    }
    guard writer.bytes == input else {
        fatalError("extension block re-encodes differently\n  context: \(context)\n  input:  \(hex(input))\n  output: \(hex(writer.bytes))\n  list: \(list)")
    }
    var again = ByteReader(writer.bytes)
    do {
        let reparsed = try ExtensionList(parsing: &again, context: context)
        guard reparsed == list, again.isEmpty else {
            fatalError("extension block round trip changed it\n  before: \(list)\n  after:  \(reparsed)")
        }
    } catch {
        fatalError("encoding of a parsed extension block does not parse: \(error)")
    }
}

func fuzzSingle(_ bytes: ArraySlice<UInt8>, context: ExtensionContext) {
    guard bytes.count >= 2 else { return }
    let type = ExtensionType(rawValue: UInt16(bytes[bytes.startIndex]) << 8 | UInt16(bytes[bytes.startIndex + 1]))
    let body = bytes.dropFirst(2)
    let ext: Extension
    do {
        ext = try Extension(type: type, body: body, context: context)
    } catch {
        requireTLSError(error, "Extension(type:body:context:)")
        return
    }
    guard ext.type == type else {
        fatalError("\(type) extension parsed as \(ext.type): \(ext)")
    }
    var writer = ByteWriter()
    do {
        try ext.encodeBody(into: &writer)
    } catch {
        fatalError("parsed extension does not encode: \(error)\n  context: \(context)\n  extension: \(ext)\n  body: \(hex(body))")
    }
    guard writer.bytes.elementsEqual(body) else {
        fatalError("extension body re-encodes differently\n  context: \(context)\n  input:  \(hex(body))\n  output: \(hex(writer.bytes))\n  extension: \(ext)")
    }
    do {
        let reparsed = try Extension(type: type, body: writer.bytes[...], context: context)
        guard reparsed == ext else {
            fatalError("extension round trip changed it\n  before: \(ext)\n  after:  \(reparsed)")
        }
    } catch {
        fatalError("encoding of a parsed extension does not parse: \(error)")
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
@_cdecl("FuzzExtensions_main")
func fuzzMain(_ argc: Int32, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> Int32 {
    var argc = argc
    var argv = argv
    return LLVMFuzzerRunDriver(&argc, &argv) { data, size in
        fuzzExtensions(size == 0 ? [] : Array(UnsafeBufferPointer(start: data, count: size)))
        return 0
    }
}
#else
@main
enum FuzzExtensionsStub {
    static func main() {
        print("FuzzExtensions is a libFuzzer target: build and run it with scripts/fuzz.sh")
    }
}
#endif
