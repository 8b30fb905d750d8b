import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// The receiving end of sd_notify(3): a Unix datagram socket at `path`, to hand to a child as `NOTIFY_SOCKET`.
/// A path starting with `@` names a socket in the abstract namespace, as systemd allows.
/// Every datagram is one message (`READY=1`, `STATUS=…\nWATCHDOG=1`, …), kept in arrival order.
public final class NotifySocket {
    public let path: String
    private let fd: Int32
    /// Every message received so far.
    public private(set) var messages: [String] = []

    public init(path: String) throws {
        fd = try Socket.check(socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0), "socket(AF_UNIX)")
        self.path = path
        var addr = sockaddr_un()
        addr.sun_family = sa_family_t(AF_UNIX)
        let abstract = path.hasPrefix("@")
        var bytes = Array(path.utf8)
        if abstract { bytes[0] = 0 } else { bytes.append(0) }
        guard bytes.count <= MemoryLayout.size(ofValue: addr.sun_path) else {
            close(fd)
            throw SocketError(operation: "bind \(path) (path too long)", code: ENAMETOOLONG)
        }
        withUnsafeMutableBytes(of: &addr.sun_path) { $0.copyBytes(from: bytes) }
        // An abstract name is exactly its bytes: the address length must not include the rest of sun_path.
        let length = abstract ? MemoryLayout<sa_family_t>.size + bytes.count : MemoryLayout<sockaddr_un>.size
        let rc = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(length)) }
        }
        if rc != 0 {
            let e = errno
            close(fd)
            throw SocketError(operation: "bind \(path)", code: e)
        }
    }

    deinit {
        close(fd)
        if !path.hasPrefix("@") { unlink(path) }
    }

    /// Every variable of every message so far, in order (`"READY=1\nSTATUS=x"` gives `READY=1`, `STATUS=x`).
    public var assignments: [String] { messages.flatMap { $0.split(separator: "\n").map(String.init) } }

    /// Receives messages until `predicate` holds for the assignments so far, or `timeout` seconds pass;
    /// returns whether it held.
    @discardableResult
    public func wait(timeout: Double, until predicate: ([String]) -> Bool) -> Bool {
        let deadline = Date().addingTimeInterval(timeout)
        while !predicate(assignments) {
            let left = max(0, deadline.timeIntervalSinceNow)
            guard Socket.wait(fd, wakeFD: nil, timeout: left) == .ready else { return predicate(assignments) }
            var buffer = [UInt8](repeating: 0, count: 4096)
            let n = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if n > 0 { messages.append(String(decoding: buffer[0..<n], as: UTF8.self)) }
        }
        return true
    }

    /// Takes every message that has arrived, without waiting for more.
    public func drain() { wait(timeout: 0) { _ in false } }
}
