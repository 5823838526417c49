/// The result of opening a protected record: the inner content type and where the plaintext
/// content now lies in the caller's buffer (RFC 8446 §5.2, TLSInnerPlaintext).
public struct OpenedRecord: Sendable, Hashable {
    /// The real content type (`TLSInnerPlaintext.type`).
    public let contentType: ContentType
    /// The range of the buffer holding `TLSInnerPlaintext.content`, padding and type byte removed.
    public let content: Range<Int>

    /// A result with the given type and content range.
    public init(contentType: ContentType, content: Range<Int>) {
        self.contentType = contentType
        self.content = content
    }
}
