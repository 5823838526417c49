/// One handshake message cut out of the handshake byte stream: its type, its body, and its full
/// encoding (header included) as it goes into the transcript hash (RFC 8446 §4.4.1).
package struct RawHandshakeMessage: Sendable, Hashable {
    /// The message type byte.
    package var type: HandshakeType
    /// The whole message: 4-byte header then body.
    package var bytes: [UInt8]
    /// The body, without the 4-byte header.
    package var body: ArraySlice<UInt8> { bytes.dropFirst(4) }
}

/// Reassembles handshake messages from the fragments of handshake records (RFC 8446 §5.1):
/// one message may span several records and one record may carry several messages.
///
/// A declared message length above `maxMessageLength` is rejected as soon as its header is
/// seen (illegal_parameter, as OpenSSL's "excessive message size"), so a peer cannot make us
/// buffer up to 2^24 bytes. A connection checks
/// `hasPartialMessage` when keys change: a message must not span a key change.
package struct HandshakeReassembler: Sendable {
    private var buffer: [UInt8] = []
    private var readIndex = 0
    /// Whether an emptied buffer keeps its capacity for the next bytes: yes while a handshake
    /// runs (several flights in a row); no once established, so an idle connection holds no
    /// buffer (issue 17: memory per idle connection).
    package var keepsCapacityWhenEmpty = true

    /// The largest handshake message accepted. The default (128 KiB) fits long certificate
    /// chains; OpenSSL's default limit is about 100 KiB.
    package var maxMessageLength: Int

    /// An empty reassembler.
    package init(maxMessageLength: Int = 128 * 1024) {
        self.maxMessageLength = maxMessageLength
    }

    /// Whether bytes of an incomplete message are buffered.
    package var hasPartialMessage: Bool { readIndex < buffer.count }

    /// Stops keeping capacity (see `keepsCapacityWhenEmpty`) and frees the buffer if it is empty.
    package mutating func releaseCapacity() {
        keepsCapacityWhenEmpty = false
        if readIndex == buffer.count {
            buffer = []
            readIndex = 0
        }
    }

    /// Adds the fragment of one handshake record.
    package mutating func append<C: Collection>(_ fragment: C) where C.Element == UInt8 {
        if readIndex > 0 && readIndex >= buffer.count / 2 {
            buffer.removeSubrange(0..<readIndex)
            readIndex = 0
        }
        buffer.append(contentsOf: fragment)
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
        guard buffer.count - readIndex >= 4 else { return nil }
        var reader = ByteReader(buffer[readIndex...])
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
        let bytes = Array(buffer[readIndex..<(readIndex + 4 + length)])
        readIndex += 4 + length
        if readIndex == buffer.count {
            buffer.removeAll(keepingCapacity: keepsCapacityWhenEmpty)
            readIndex = 0
        }
        return RawHandshakeMessage(type: type, bytes: bytes)
    }
}
