import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A failed socket call, with the call's name and errno.
public struct SocketError: Error, CustomStringConvertible {
    public var operation: String
    public var code: Int32
    public var description: String { "\(operation): \(String(cString: strerror(code))) (errno \(code))" }
}

/// Thin wrappers over the POSIX socket calls the test server and client use. Every descriptor is close-on-exec,
/// so the `newswired` subprocesses the tests start inherit none of them.
enum Socket {
    static let pollRDHUP: Int16 = 0x2000 // POLLRDHUP (needs _GNU_SOURCE in C, so not imported)

    static func check(_ result: Int32, _ operation: String) throws -> Int32 {
        if result < 0 { throw SocketError(operation: operation, code: errno) }
        return result
    }

    static func setCloseOnExec(_ fd: Int32) {
        _ = fcntl(fd, F_SETFD, fcntl(fd, F_GETFD) | FD_CLOEXEC)
    }

    static func loopbackAddress(port: UInt16) -> sockaddr_in {
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_port = port.bigEndian
        addr.sin_addr.s_addr = UInt32(0x7f00_0001).bigEndian // 127.0.0.1
        return addr
    }

    static func tcpSocket() throws -> Int32 {
        try check(socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0), "socket")
    }

    /// A socket bound to 127.0.0.1 on a kernel-chosen port; listening when `listen` is true.
    static func boundLoopback(listen doListen: Bool) throws -> (fd: Int32, port: UInt16) {
        let fd = try tcpSocket()
        do {
            var one: Int32 = 1
            _ = try check(setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size)), "setsockopt")
            var addr = loopbackAddress(port: 0)
            _ = try withUnsafePointer(to: &addr) {
                try $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    try check(bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)), "bind 127.0.0.1:0")
                }
            }
            if doListen { _ = try check(listen(fd, 64), "listen") }
            var bound = sockaddr_in()
            var len = socklen_t(MemoryLayout<sockaddr_in>.size)
            _ = try withUnsafeMutablePointer(to: &bound) {
                try $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { try check(getsockname(fd, $0, &len), "getsockname") }
            }
            return (fd, UInt16(bigEndian: bound.sin_port))
        } catch {
            close(fd)
            throw error
        }
    }

    static func connectLoopback(port: UInt16) throws -> Int32 {
        let fd = try tcpSocket()
        var addr = loopbackAddress(port: port)
        let rc = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        if rc < 0 {
            let e = errno
            close(fd)
            throw SocketError(operation: "connect 127.0.0.1:\(port)", code: e)
        }
        return fd
    }

    /// Writes every byte (no SIGPIPE: a closed peer is an EPIPE error).
    static func sendAll(_ fd: Int32, _ bytes: [UInt8]) throws {
        var sent = 0
        while sent < bytes.count {
            let n = bytes.withUnsafeBytes { buf in
                send(fd, buf.baseAddress! + sent, buf.count - sent, Int32(MSG_NOSIGNAL))
            }
            if n < 0 {
                if errno == EINTR { continue }
                throw SocketError(operation: "send", code: errno)
            }
            sent += n
        }
    }

    enum Wait { case ready, woken, timedOut }

    /// Waits until `fd` has `events`, or `wakeFD` becomes readable, or `timeout` seconds pass (nil: forever).
    static func wait(_ fd: Int32, events: Int16 = Int16(POLLIN), wakeFD: Int32?, timeout: Double?) -> Wait {
        let deadline = timeout.map { Date().addingTimeInterval($0) }
        while true {
            var fds = [pollfd(fd: fd, events: events, revents: 0)]
            if let wakeFD { fds.append(pollfd(fd: wakeFD, events: Int16(POLLIN), revents: 0)) }
            let ms: Int32 = deadline.map { Int32(max(0, min(Double(Int32.max), $0.timeIntervalSinceNow * 1000).rounded(.up))) } ?? -1
            let rc = poll(&fds, nfds_t(fds.count), ms)
            if rc < 0 {
                if errno == EINTR { continue }
                return .ready // let the following call report the error
            }
            if fds.count > 1, fds[1].revents != 0 { return .woken }
            if fds[0].revents != 0 { return .ready }
            if let deadline, deadline.timeIntervalSinceNow <= 0 { return .timedOut }
        }
    }

    /// Reads what is available (waiting as `wait` does); empty on end of stream.
    static func receive(_ fd: Int32, wakeFD: Int32?, timeout: Double?, max: Int = 65_536) throws -> [UInt8]? {
        switch wait(fd, wakeFD: wakeFD, timeout: timeout) {
        case .woken: return nil
        case .timedOut: throw SocketError(operation: "recv (timed out)", code: ETIMEDOUT)
        case .ready: break
        }
        var buffer = [UInt8](repeating: 0, count: max)
        while true {
            let n = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if n < 0 {
                if errno == EINTR { continue }
                throw SocketError(operation: "recv", code: errno)
            }
            return Array(buffer[0..<n])
        }
    }
}
