/// Whether the application lets one server connection accept early data
/// (`TLSConnection.acceptsEarlyData`), read by its handshake when the ClientHello arrives.
/// Confined to the connection's thread, like the connection.
final class EarlyDataPermission {
    var allowed = true
}
