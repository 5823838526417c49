/// One handshake message cut out of the handshake byte stream: its type, its body, and its full
/// encoding (header included) as it goes into the transcript hash (RFC 8446 §4.4.1).
package struct RawHandshakeMessage: Sendable, Hashable {
    /// The message type byte.
    package var type: HandshakeType
    /// The whole message: 4-byte header then body; usually a view of the record it came in.
    package var bytes: ArraySlice<UInt8>
    /// The body, without the 4-byte header.
    package var body: ArraySlice<UInt8> { bytes.dropFirst(4) }
}

/// Reassembles handshake messages from the fragments of handshake records (RFC 8446 §5.1):
/// one message may span several records and one record may carry several messages.
///
/// Messages that lie whole inside one record are returned as views of that record (no copy,
/// nothing buffered); only the bytes of a message that continues in the next record are
/// copied into a buffer of our own, which is compacted as it is read (no quadratic copying
/// however small the records).
///
/// A declared message length above `maxMessageLength` is rejected as soon as its header is
/// seen (illegal_parameter, as OpenSSL's "excessive message size"), so a peer cannot make us
/// buffer up to 2^24 bytes. A connection checks
/// `hasPartialMessage` when keys change: a message must not span a key change.
package struct HandshakeReassembler: Sendable {
    /// Unread bytes of the last record, while no message spans records.
    private var view: ArraySlice<UInt8> = []
    /// Unread bytes kept across records (from `readIndex` on); empty unless a message spans records.
    private var buffer: [UInt8] = []
    private var readIndex = 0

    /// The largest handshake message accepted. The default (128 KiB) fits long certificate
    /// chains; OpenSSL's default limit is about 100 KiB.
    package var maxMessageLength: Int

    /// An empty reassembler.
    package init(maxMessageLength: Int = 128 * 1024) {
        self.maxMessageLength = maxMessageLength
    }

    /// Whether bytes of an incomplete message are buffered.
    package var hasPartialMessage: Bool { !view.isEmpty || readIndex < buffer.count }

    /// Adds the fragment of one handshake record (kept as a view while nothing is pending).
    package mutating func append(_ fragment: ArraySlice<UInt8>) {
        if view.isEmpty && readIndex == buffer.count {
            buffer = []
            readIndex = 0
            view = fragment
            return
        }
        // A message continues: what is left of the last record joins our own buffer.
        if readIndex > 0 && readIndex >= buffer.count / 2 {
            buffer.removeSubrange(0..<readIndex)
            readIndex = 0
        }
        if !view.isEmpty {
            buffer.append(contentsOf: view)
            view = []
        }
        buffer.append(contentsOf: fragment)
    }

    /// Adds fragment bytes of any collection (copied once).
    package mutating func append<C: Collection>(_ fragment: C) where C.Element == UInt8 {
        append(ArraySlice(fragment))
    }

    /// The longest body a message of `type` can have, for types of fixed or small size:
    /// Finished is one hash (at most SHA-512's 64 bytes; TLS 1.2's verify_data is 12),
    /// KeyUpdate one byte, HelloRequest, EndOfEarlyData and ServerHelloDone empty.
    static func maximumBodyLength(of type: HandshakeType) -> Int? {
        switch type {
        case .finished: return 64
        case .keyUpdate: return 1
        case .helloRequest, .endOfEarlyData, .serverHelloDone: return 0
        default: return nil
        }
    }

    /// The next complete message, or nil until more fragments arrive.
    package mutating func nextMessage() throws -> RawHandshakeMessage? {
        let fromView = !view.isEmpty
        let unread: ArraySlice<UInt8> = fromView ? view : buffer[readIndex...]
        guard unread.count >= 4 else { return nil }
        var reader = ByteReader(unread)
        let type = HandshakeType(rawValue: try reader.readUInt8("handshake type"))
        let length = Int(try reader.readUInt24("handshake length"))
        // A length no message of this type can have is malformed (security review L11): a
        // Finished padded to 128 KiB is not buffered before it is refused.
        if let typeMaximum = Self.maximumBodyLength(of: type), length > typeMaximum {
            throw TLSError.decodeError("\(type) of \(length) bytes, at most \(typeMaximum) for its type")
        }
        guard length <= maxMessageLength else {
            throw TLSError.protocolViolation(
                alert: .illegalParameter,
                reason: .tooLarge("\(type) of \(length) bytes exceeds the \(maxMessageLength)-byte limit"))
        }
        guard reader.remaining >= length else { return nil }
        let end = unread.startIndex + 4 + length
        let bytes = unread[unread.startIndex..<end]
        if fromView {
            view = view[end...]
            if view.isEmpty { view = [] }   // no view keeps the record alive
        } else {
            readIndex = end
            if readIndex == buffer.count {
                buffer = []
                readIndex = 0
            }
        }
        return RawHandshakeMessage(type: type, bytes: bytes)
    }
}
