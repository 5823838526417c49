import Crypto
// swift-crypto's copy of BoringSSL; see BoringSSLAEADBackend.swift for why it is imported.
internal import CCryptoBoringSSL

/// The running transcript hash of RFC 8446 §4.4.1: the hash of the concatenation of the
/// handshake messages so far, each with its 4-byte handshake header and without record framing.
///
/// It is a value: copying it (or calling `currentHash()`, which finalizes a copy) snapshots the
/// hash at that point cheaply, so the handshake can take `Transcript-Hash(ClientHello...X)` at
/// every point the key schedule needs without rehashing. The state is BoringSSL's SHA-256 /
/// SHA-384 context held inline (the functions swift-crypto's `SHA256` wraps, without its
/// heap-allocated context, which a snapshot followed by an update copied each time).
///
/// Before the cipher suite is known (a client sending ClientHello), buffer messages in a
/// `PendingTranscript` and call `start(hash:)` once the ServerHello fixes the hash.
package struct TranscriptHash: Sendable {
    /// The suite's hash.
    package let hash: TLSHashAlgorithm
    private var state: State

    private enum State: Sendable {
        case sha256(SHA256_CTX)
        case sha384(SHA512_CTX)
    }

    /// An empty transcript using `hash`.
    package init(hash: TLSHashAlgorithm) {
        self.hash = hash
        switch hash {
        case .sha256:
            var context = SHA256_CTX()
            CCryptoBoringSSL_SHA256_Init(&context)
            state = .sha256(context)
        case .sha384:
            var context = SHA512_CTX()
            CCryptoBoringSSL_SHA384_Init(&context)
            state = .sha384(context)
        }
    }

    /// Adds handshake message bytes (header included) to the transcript. Messages may be added
    /// whole or in pieces; only the concatenation matters.
    package mutating func append(_ bytes: some Sequence<UInt8>) {
        // Contiguous bytes (arrays, slices) are hashed where they lie; anything else is copied once.
        let hashed: Void? = bytes.withContiguousStorageIfAvailable { buffer in
            update(UnsafeRawBufferPointer(buffer))
        }
        if hashed == nil {
            let data = Array(bytes)
            data.withUnsafeBytes { update($0) }
        }
    }

    private mutating func update(_ buffer: UnsafeRawBufferPointer) {
        switch state {
        case .sha256(var context):
            CCryptoBoringSSL_SHA256_Update(&context, buffer.baseAddress, buffer.count)
            state = .sha256(context)
        case .sha384(var context):
            CCryptoBoringSSL_SHA384_Update(&context, buffer.baseAddress, buffer.count)
            state = .sha384(context)
        }
    }

    /// `Transcript-Hash` of the messages added so far. The transcript is not changed.
    package func currentHash() -> TranscriptDigest {
        // Finalizing changes the context: a copy of it (on the stack) is finalized.
        switch state {
        case .sha256(var context):
            return TranscriptDigest(length: Int(SHA256_DIGEST_LENGTH)) { CCryptoBoringSSL_SHA256_Final($0, &context) }
        case .sha384(var context):
            return TranscriptDigest(length: Int(SHA384_DIGEST_LENGTH)) { CCryptoBoringSSL_SHA384_Final($0, &context) }
        }
    }

    /// The hash the transcript would have with `bytes` added, without adding them; for
    /// example the PSK binder hash over a truncated ClientHello (RFC 8446 §4.2.11.2).
    package func hash(appending bytes: some Sequence<UInt8>) -> TranscriptDigest {
        var copy = self
        copy.append(bytes)
        return copy.currentHash()
    }

    /// The synthetic handshake message that replaces ClientHello1 after a HelloRetryRequest
    /// (RFC 8446 §4.4.1): `message_hash` (254), a uint24 length of `Hash.length`, and
    /// `Hash(ClientHello1)`.
    package static func messageHashMessage(clientHello1Hash: some Collection<UInt8>) -> [UInt8] {
        var message: [UInt8] = [HandshakeType.messageHash.rawValue, 0, 0, UInt8(truncatingIfNeeded: clientHello1Hash.count)]
        message.append(contentsOf: clientHello1Hash)
        return message
    }

    /// Applies the HelloRetryRequest rule of RFC 8446 §4.4.1: the transcript, which must hold
    /// exactly ClientHello1 at this point, is replaced by the `message_hash` message carrying
    /// `Hash(ClientHello1)`. Call it after adding ClientHello1 and before adding the
    /// HelloRetryRequest.
    package mutating func replaceClientHelloWithMessageHash() {
        let clientHello1Hash = currentHash()
        self = TranscriptHash(hash: hash)
        append(Self.messageHashMessage(clientHello1Hash: clientHello1Hash))
    }
}

/// Handshake messages sent or received before the transcript's hash is known (a client's
/// ClientHello, RFC 8446 §4.4.1). It keeps the bytes and hashes them once the suite is chosen.
package struct PendingTranscript: Sendable {
    /// The message bytes added so far.
    package private(set) var bytes: [UInt8] = []

    /// An empty pending transcript.
    package init() {}

    /// Adds handshake message bytes (header included).
    package mutating func append(_ message: some Sequence<UInt8>) { bytes.append(contentsOf: message) }

    /// The transcript hash over the buffered messages with `hash`.
    package func start(hash: TLSHashAlgorithm) -> TranscriptHash {
        var transcript = TranscriptHash(hash: hash)
        transcript.append(bytes)
        return transcript
    }
}
