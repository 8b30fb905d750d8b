import Foundation

/// sd_notify(3) without libsystemd: one datagram per message to the socket named by NOTIFY_SOCKET
/// (a filesystem path, or an abstract name written with a leading `@`). Without NOTIFY_SOCKET, a no-op.
public final class SystemdNotifier: Sendable {
    private let socketPath: String?
    /// WATCHDOG_USEC as seconds, when systemd expects pings from this process.
    public let watchdogInterval: Double?

    public init(environment: [String: String] = ProcessInfo.processInfo.environment) {
        socketPath = environment["NOTIFY_SOCKET"].flatMap { $0.isEmpty ? nil : $0 }
        let forUs = environment["WATCHDOG_PID"].map { Int32($0) == getpid() } ?? true
        if forUs, let usec = environment["WATCHDOG_USEC"].flatMap(UInt64.init), usec > 0 {
            watchdogInterval = Double(usec) / 1e6
        } else {
            watchdogInterval = nil
        }
    }

    /// CLOCK_MONOTONIC in microseconds, for `MONOTONIC_USEC=` in a reload notification.
    public static func monotonicMicroseconds() -> UInt64 {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return UInt64(ts.tv_sec) * 1_000_000 + UInt64(ts.tv_nsec) / 1000
    }

    public var isActive: Bool { socketPath != nil }

    /// Sends `READY=1`, `STATUS=…`, `STOPPING=1` and the like; returns false when it could not.
    @discardableResult
    public func notify(_ message: String) -> Bool {
        guard let path = socketPath else { return false }
        let fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        var address = Array(path.utf8)
        if address.first == UInt8(ascii: "@") { address[0] = 0 }  // abstract namespace
        let payload = Array(message.utf8)
        let sent = POSIX.sendDatagram(payload, on: fd, toUnixPath: address)
        return sent == payload.count
    }
}
