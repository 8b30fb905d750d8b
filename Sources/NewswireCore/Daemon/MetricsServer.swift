import Foundation
import Synchronization

/// A minimal HTTP/1.0 endpoint on a loopback address: `GET /metrics` (Prometheus text exposition) and
/// `GET /healthz` (200 while the scheduling loop ticked within `healthyWithin` seconds and no alarm is raised, else 503).
/// One thread, one request at a time, each bounded to 2 s of reading; it serves no other path.
public final class MetricsServer: Sendable {
    private let fd: Int32
    public let port: Int
    /// Signalled by the responder thread as it exits: `stop()` joins it.
    private let exited = DispatchSemaphore(value: 0)
    private let stopped = Atomic<Bool>(false)

    /// `metrics` renders the exposition text for each GET /metrics.
    public init(listen: ListenAddress, metrics: @escaping @Sendable () -> [UInt8], heartbeat: LoopHeartbeat,
                healthyWithin: Double = 30) throws {
        let family = listen.isIPv6 ? AF_INET6 : AF_INET
        let s = socket(family, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard s >= 0 else { throw Self.error("socket", listen) }
        POSIX.setOption(s, SOL_SOCKET, SO_REUSEADDR, Int32(1))
        guard POSIX.bind(s, host: listen.host, port: listen.port, ipv6: listen.isIPv6), Glibc.listen(s, 16) == 0 else {
            let e = Self.error("bind", listen)
            close(s)
            throw e
        }
        port = POSIX.localPort(s)
        fd = s
        let responder = Responder(metrics: metrics, heartbeat: heartbeat, healthyWithin: healthyWithin)
        let exited = self.exited
        let thread = Thread {
            responder.acceptLoop(fd: s)
            exited.signal()
        }
        thread.name = "newswired-metrics"
        thread.start()
    }

    private static func error(_ what: String, _ listen: ListenAddress) -> ConfigError {
        ConfigError(file: "metrics", key: "metrics.listen",
                    message: "cannot \(what) \(listen.host):\(listen.port): \(String(cString: strerror(errno)))")
    }

    /// Stops accepting and waits for the responder thread to end (a request it is answering is bounded to 2 s).
    /// Idempotent.
    public func stop() {
        guard !stopped.exchange(true, ordering: .relaxed) else { return }
        shutdown(fd, Int32(SHUT_RDWR))
        exited.wait()
        close(fd)
    }

    deinit { stop() }

}

/// Answers the requests; runs on the server's own thread.
private struct Responder: Sendable {
    let metrics: @Sendable () -> [UInt8]
    let heartbeat: LoopHeartbeat
    let healthyWithin: Double

    func acceptLoop(fd: Int32) {
        while true {
            let c = accept(fd, nil, nil)
            if c < 0 {
                if errno == EINTR { continue }
                return  // closed by stop()
            }
            handle(c)
            close(c)
        }
    }

    private func handle(_ c: Int32) {
        let timeout = timeval(tv_sec: 2, tv_usec: 0)
        POSIX.setOption(c, SOL_SOCKET, SO_RCVTIMEO, timeout)
        POSIX.setOption(c, SOL_SOCKET, SO_SNDTIMEO, timeout)
        var request = [UInt8]()
        while request.count < 8192 {
            guard let chunk = POSIX.receive(c, upTo: 2048), !chunk.isEmpty else { break }
            request += chunk
            if request.count >= 4, request.suffix(4) == [13, 10, 13, 10] { break }
            if request.firstIndex(of: 10) != nil, request.starts(with: Array("GET ".utf8)) == false { break }
        }
        let line = String(decoding: request.prefix { $0 != 13 && $0 != 10 }, as: UTF8.self)
        let parts = line.split(separator: " ")
        let method = parts.first.map(String.init) ?? ""
        let path = parts.count > 1 ? String(parts[1].split(separator: "?").first ?? "") : ""
        let status: String, type: String, body: [UInt8]
        switch (method, path) {
        case ("GET", "/metrics"):
            status = "200 OK"
            type = "text/plain; version=0.0.4; charset=utf-8"
            body = metrics()
        case ("GET", "/healthz"):
            let age = heartbeat.secondsSinceLastBeat
            if let alarm = heartbeat.alarm, age <= healthyWithin {
                status = "503 Service Unavailable"
                body = Array("unhealthy: \(alarm)\n".utf8)
            } else if age <= healthyWithin {
                status = "200 OK"
                body = Array("ok: scheduling loop ticked \(String(format: "%.1f", age))s ago\n".utf8)
            } else {
                status = "503 Service Unavailable"
                body = Array("unhealthy: scheduling loop last ticked \(String(format: "%.1f", age))s ago\n".utf8)
            }
            type = "text/plain; charset=utf-8"
        case ("GET", _):
            status = "404 Not Found"
            type = "text/plain; charset=utf-8"
            body = Array("not found: /metrics and /healthz are served here\n".utf8)
        default:
            status = "405 Method Not Allowed"
            type = "text/plain; charset=utf-8"
            body = Array("only GET\n".utf8)
        }
        let head = "HTTP/1.0 \(status)\r\nContent-Type: \(type)\r\nContent-Length: \(body.count)\r\nConnection: close\r\n\r\n"
        let out = Array(head.utf8) + body
        Bytes.writeAll(out) { send(c, $0, $1, Int32(MSG_NOSIGNAL)) }
    }
}
