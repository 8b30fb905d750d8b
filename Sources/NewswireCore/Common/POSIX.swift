import Foundation

/// The POSIX calls that take a buffer or a socket address, for the files that need them: the archive's
/// torn-line repair, the state lock's holder, the metrics responder and sd_notify. C-facing, like
/// `Fetch/Curl.swift` and `Store/SQLite.swift`: the callers see byte arrays and Swift values only.
///
/// Invariants each function keeps:
/// - a pointer is formed for the one call that takes it and never outlives that call;
/// - every length handed to the kernel is that of the buffer or the address it goes with;
/// - an address is passed as `sockaddr` only for the family it was built as (`sin_family`, `sin6_family`,
///   `sun_family` set first).
enum POSIX {
    /// Up to `count` bytes of `fd` from `offset` (fewer at the end of the file, none past it); nil on an error.
    static func pread(_ fd: Int32, count: Int, at offset: off_t) -> [UInt8]? {
        var buffer = [UInt8](repeating: 0, count: count)
        let n = buffer.withUnsafeMutableBytes { Glibc.pread(fd, $0.baseAddress, $0.count, offset) }
        guard n >= 0 else { return nil }
        buffer.removeLast(count - n)
        return buffer
    }

    /// The size of the open file `fd`, or nil when fstat(2) fails.
    static func fileSize(_ fd: Int32) -> off_t? {
        var st = stat()
        return fstat(fd, &st) == 0 ? st.st_size : nil
    }

    /// Up to `count` bytes from a connected socket (none when the peer closed it); nil on an error or time-out.
    static func receive(_ socket: Int32, upTo count: Int) -> [UInt8]? {
        var buffer = [UInt8](repeating: 0, count: count)
        let n = buffer.withUnsafeMutableBytes { recv(socket, $0.baseAddress, $0.count, 0) }
        guard n >= 0 else { return nil }
        buffer.removeLast(count - n)
        return buffer
    }

    /// setsockopt(2) with a value of its own type (an `Int32` flag, a `timeval`).
    @discardableResult
    static func setOption<Value: BitwiseCopyable>(_ socket: Int32, _ level: Int32, _ name: Int32, _ value: Value) -> Bool {
        var value = value
        return setsockopt(socket, level, name, &value, socklen_t(MemoryLayout<Value>.size)) == 0
    }

    /// Binds `socket` to a numeric IPv4 or IPv6 address and a port (0: the kernel picks one); false when the
    /// address does not parse or bind(2) fails (errno says why).
    static func bind(_ socket: Int32, host: String, port: Int, ipv6: Bool) -> Bool {
        let netPort = in_port_t(UInt16(truncatingIfNeeded: port).bigEndian)
        if ipv6 {
            var addr = sockaddr_in6()
            addr.sin6_family = sa_family_t(AF_INET6)
            addr.sin6_port = netPort
            guard inet_pton(AF_INET6, host, &addr.sin6_addr) == 1 else { return false }
            return withAddress(&addr) { Glibc.bind(socket, $0, $1) } == 0
        }
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_port = netPort
        guard inet_pton(AF_INET, host, &addr.sin_addr) == 1 else { return false }
        return withAddress(&addr) { Glibc.bind(socket, $0, $1) } == 0
    }

    /// The port a bound IPv4 or IPv6 socket listens on.
    static func localPort(_ socket: Int32) -> Int {
        var storage = sockaddr_storage()
        var len = socklen_t(MemoryLayout<sockaddr_storage>.size)
        let ok = withUnsafeMutablePointer(to: &storage) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(socket, $0, &len) }
        } == 0
        guard ok else { return 0 }
        switch Int32(storage.ss_family) {
        case AF_INET6:
            return withUnsafePointer(to: &storage) {
                $0.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { Int(UInt16(bigEndian: $0.pointee.sin6_port)) }
            }
        case AF_INET:
            return withUnsafePointer(to: &storage) {
                $0.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { Int(UInt16(bigEndian: $0.pointee.sin_port)) }
            }
        default:
            return 0
        }
    }

    /// Sends `payload` as one datagram on the Unix datagram socket `fd` to the socket at `path` (bytes of a
    /// filesystem path, or of an abstract name with its leading NUL). The bytes sent, or nil when the path
    /// does not fit a `sockaddr_un` or sendto(2) fails.
    static func sendDatagram(_ payload: [UInt8], on fd: Int32, toUnixPath path: [UInt8]) -> Int? {
        var addr = sockaddr_un()
        addr.sun_family = sa_family_t(AF_UNIX)
        guard path.count < MemoryLayout.size(ofValue: addr.sun_path) else { return nil }
        withUnsafeMutableBytes(of: &addr.sun_path) { $0.copyBytes(from: path) }
        // A filesystem path's length counts its terminating NUL; an abstract name's does not.
        let len = socklen_t(MemoryLayout<sa_family_t>.size + path.count + (path.first == 0 ? 0 : 1))
        let sent = withAddress(&addr, length: len) { sa, len in
            payload.withUnsafeBytes { sendto(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL), sa, len) }
        }
        return sent < 0 ? nil : sent
    }

    /// Calls `body` with `addr` as the `sockaddr` the socket calls take, and its length (all of it by default).
    private static func withAddress<Address, R>(_ addr: inout Address, length: socklen_t? = nil,
                                                _ body: (UnsafePointer<sockaddr>, socklen_t) -> R) -> R {
        let len = length ?? socklen_t(MemoryLayout<Address>.size)
        return withUnsafePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { body($0, len) } }
    }
}
