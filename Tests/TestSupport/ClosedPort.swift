#if canImport(Glibc)
import Glibc
#endif

/// A 127.0.0.1 port that refuses connections: a socket bound to it that never listens, so the kernel answers a
/// connect with RST (ECONNREFUSED) and no other process can take the port while this object lives.
public final class ClosedPort: Sendable {
    public let port: UInt16
    private let fd: Int32

    public init() throws {
        (fd, port) = try Socket.boundLoopback(listen: false)
    }

    /// `http://127.0.0.1:<port><path>`.
    public func url(_ path: String = "/") -> String { "http://127.0.0.1:\(port)\(path)" }

    deinit { close(fd) }
}
