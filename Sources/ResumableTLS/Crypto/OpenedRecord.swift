/// The result of opening a protected record: the inner content type and where the plaintext
/// content now lies in the caller's buffer (RFC 8446 §5.2, TLSInnerPlaintext).
package struct OpenedRecord: Sendable, Hashable {
    /// The real content type (`TLSInnerPlaintext.type`).
    package let contentType: ContentType
    /// The range of the buffer holding `TLSInnerPlaintext.content`, padding and type byte removed.
    package let content: Range<Int>

    /// A result with the given type and content range.
    package init(contentType: ContentType, content: Range<Int>) {
        self.contentType = contentType
        self.content = content
    }
}
