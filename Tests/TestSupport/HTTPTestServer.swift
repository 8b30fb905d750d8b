import Dispatch
import Foundation
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// A small programmable HTTP/1.1 server on real POSIX sockets, bound to 127.0.0.1 on a port the kernel picks.
///
///     let server = try HTTPTestServer()
///     server.route("/feed.xml") { request in HTTPResponse(body: "<rss/>") }
///     try server.start()
///     defer { server.stop() }
///     … fetch server.url("/feed.xml") …
///     #expect(server.requests(path: "/feed.xml").count == 1)
///
/// One thread accepts; each connection gets its own thread and is kept alive between requests unless the client
/// asks otherwise. `route` answers with a complete `HTTPResponse`; `rawRoute` hands the socket to a handler that
/// writes bytes itself (slow headers, trickling bodies, endless chunks; see `RawHandlers`). Every request is
/// recorded. `stop()` (or deinit) wakes and joins every thread and closes every descriptor.
public final class HTTPTestServer: Sendable {
    public typealias Handler = @Sendable (HTTPRequest) -> HTTPResponse
    public typealias RawHandler = @Sendable (HTTPRequest, RawConnection) throws -> Void

    /// The port on 127.0.0.1 the server listens on.
    public var port: UInt16 { core.port }
    /// The threads hold the core, not the server, so that dropping the server stops them (deinit).
    private let core: ServerCore

    public init() throws {
        core = try ServerCore()
    }

    deinit { core.stop(timeout: 5) }

    /// `http://127.0.0.1:<port>`.
    public var baseURL: String { "http://127.0.0.1:\(port)" }

    /// `http://127.0.0.1:<port><path>`.
    public func url(_ path: String) -> String { baseURL + path }

    // MARK: Routes

    /// Answers requests for `path` (exact match, query ignored) with the handler's response.
    public func route(_ path: String, _ handler: @escaping Handler) {
        core.state.withLock { $0.routes[path] = .response(handler) }
    }

    /// Hands requests for `path` to a handler that writes the raw answer to the socket itself.
    public func rawRoute(_ path: String, _ handler: @escaping RawHandler) {
        core.state.withLock { $0.routes[path] = .raw(handler) }
    }

    /// Serves `document` at `path`, with ETag, Last-Modified and 304 for matching conditional requests.
    public func serve(_ path: String, _ document: ConditionalDocument) {
        route(path) { document.respond(to: $0) }
    }

    public func removeRoute(_ path: String) {
        core.state.withLock { $0.routes[path] = nil }
    }

    // MARK: Request log

    /// Every exchange so far, in the order requests were received.
    public var exchanges: [HTTPExchange] { core.state.withLock { $0.log } }

    /// Every request so far, optionally only those for `path`.
    public func requests(path: String? = nil) -> [HTTPRequest] {
        exchanges.map(\.request).filter { path == nil || $0.path == path }
    }

    public func clearLog() { core.state.withLock { $0.log.removeAll() } }

    /// Connections accepted so far.
    public var connectionsAccepted: Int { core.state.withLock { $0.connectionsAccepted } }

    /// Connections currently open.
    public var openConnections: Int { core.state.withLock { $0.connections.count } }

    // MARK: Lifecycle

    public func start() throws { try core.start() }

    /// Stops accepting, interrupts every connection (including raw handlers that are pausing), waits for every
    /// thread to finish and closes every descriptor. Idempotent. Returns false if a thread did not finish within
    /// `timeout` seconds (a raw handler stuck outside `RawConnection`'s waits).
    @discardableResult
    public func stop(timeout: Double = 5) -> Bool { core.stop(timeout: timeout) }
}

/// The sockets, threads and state of one server; what the threads hold on to.
final class ServerCore: Sendable {
    enum Route {
        case response(HTTPTestServer.Handler)
        case raw(HTTPTestServer.RawHandler)
    }

    struct State {
        var routes: [String: Route] = [:]
        var log: [HTTPExchange] = []
        var connections: Set<Int32> = []
        var connectionsAccepted = 0
        var started = false
        var stopping = false
        var closed = false
    }

    let port: UInt16
    let state = Mutex(State())
    private let listenFD: Int32
    /// A pipe whose read end becomes readable, for good, when the server stops: every wait polls it.
    private let wakeRead: Int32
    private let wakeWrite: Int32
    private let threads = DispatchGroup()
    /// Longest a request head may be; longer ones get 431 and the connection is closed.
    private static let maxHead = 64 * 1024
    /// How long an idle kept-alive connection is held open.
    private static let idleTimeout = 30.0

    init() throws {
        (listenFD, port) = try Socket.boundLoopback(listen: true)
        var pipeFDs: [Int32] = [0, 0]
        if pipe(&pipeFDs) != 0 {
            let e = errno
            close(listenFD)
            throw SocketError(operation: "pipe2", code: e)
        }
        (wakeRead, wakeWrite) = (pipeFDs[0], pipeFDs[1])
        Socket.setCloseOnExec(wakeRead)
        Socket.setCloseOnExec(wakeWrite)
    }

    func start() throws {
        try state.withLock { s in
            guard !s.started, !s.stopping else { throw SocketError(operation: "start (already started or stopped)", code: EINVAL) }
            s.started = true
        }
        threads.enter()
        Thread.detachNewThread { [self] in
            acceptLoop()
            threads.leave()
        }
    }

    @discardableResult
    func stop(timeout: Double) -> Bool {
        let first = state.withLock { s -> Bool in
            guard !s.stopping else { return false }
            s.stopping = true
            for fd in s.connections { shutdown(fd, Int32(SHUT_RDWR)) }
            return true
        }
        if first {
            var byte: UInt8 = 1
            _ = Glibc.write(wakeWrite, &byte, 1)
        }
        // Every call waits (a later one may succeed where an earlier one timed out); the descriptors the threads
        // poll are closed once, and only after every thread has finished.
        guard threads.wait(timeout: .now() + timeout) == .success else { return false }
        state.withLock { s in
            guard !s.closed else { return }
            s.closed = true
            close(listenFD)
            close(wakeRead)
            close(wakeWrite)
        }
        return true
    }

    private func acceptLoop() {
        while true {
            guard Socket.wait(listenFD, wakeFD: wakeRead, timeout: nil) == .ready else { return }
            let fd = accept(listenFD, nil, nil)
            if fd < 0 {
                if errno == EINTR || errno == EAGAIN || errno == ECONNABORTED { continue }
                return
            }
            Socket.setCloseOnExec(fd) // accept4(SOCK_CLOEXEC) is a GNU extension Glibc's module does not export
            let id = state.withLock { s -> Int? in
                guard !s.stopping else { return nil }
                s.connections.insert(fd)
                s.connectionsAccepted += 1
                return s.connectionsAccepted
            }
            guard let id else {
                close(fd)
                return
            }
            threads.enter()
            Thread.detachNewThread { [self] in
                serve(fd: fd, connectionID: id)
                state.withLock { s in
                    // Closed under the lock so that stop() never shuts down a reused descriptor number.
                    s.connections.remove(fd)
                    close(fd)
                }
                threads.leave()
            }
        }
    }

    // MARK: One connection

    private func serve(fd: Int32, connectionID: Int) {
        var buffer: [UInt8] = []
        while true {
            guard let request = readRequest(fd: fd, buffer: &buffer, connectionID: connectionID) else { return }
            let route = state.withLock { $0.routes[request.path] }
            switch route {
            case .raw(let handler):
                record(request, status: nil)
                try? handler(request, RawConnection(fd: fd, wakeFD: wakeRead))
                return
            case .response(let handler):
                let response = handler(request)
                record(request, status: response.status)
                guard send(response, to: request, fd: fd) else { return }
            case nil:
                record(request, status: 404)
                guard send(.notFound, to: request, fd: fd) else { return }
            }
        }
    }

    private func record(_ request: HTTPRequest, status: Int?) {
        state.withLock { $0.log.append(HTTPExchange(request: request, status: status)) }
    }

    /// Writes the response; true when the connection stays open for another request.
    private func send(_ response: HTTPResponse, to request: HTTPRequest, fd: Int32) -> Bool {
        let keepAlive = request.keepAlive && !state.withLock { $0.stopping }
        var bytes = response.head(closing: !keepAlive)
        if request.method != "HEAD", response.mayHaveBody { bytes += response.body }
        do { try Socket.sendAll(fd, bytes) } catch { return false }
        return keepAlive
    }

    /// Reads one request (head and Content-Length body); nil when the connection ended, broke or was malformed
    /// (a malformed one is answered with 400 or 431 first).
    private func readRequest(fd: Int32, buffer: inout [UInt8], connectionID: Int) -> HTTPRequest? {
        let terminator: [UInt8] = [13, 10, 13, 10]
        var headEnd: Int?
        var searchFrom = 0
        while headEnd == nil {
            if let r = find(terminator, in: buffer, from: searchFrom) {
                headEnd = r
                break
            }
            searchFrom = max(0, buffer.count - 3)
            if buffer.count > Self.maxHead {
                _ = try? Socket.sendAll(fd, HTTPResponse.text("request head too large\n", status: 431).head(closing: true))
                return nil
            }
            guard let more = try? Socket.receive(fd, wakeFD: wakeRead, timeout: Self.idleTimeout), !more.isEmpty else {
                return nil
            }
            buffer += more
        }
        let end = headEnd!
        let headText = String(decoding: buffer[0..<end], as: UTF8.self)
        buffer.removeFirst(end + 4)
        var lines = headText.components(separatedBy: "\r\n")
        let requestLine = lines.removeFirst().split(separator: " ", omittingEmptySubsequences: false)
        guard requestLine.count == 3, requestLine[2].hasPrefix("HTTP/1.") else {
            _ = try? Socket.sendAll(fd, HTTPResponse.text("bad request line\n", status: 400).head(closing: true))
            return nil
        }
        var headers = HTTPHeaders()
        for line in lines {
            guard let colon = line.firstIndex(of: ":") else {
                _ = try? Socket.sendAll(fd, HTTPResponse.text("bad header line\n", status: 400).head(closing: true))
                return nil
            }
            headers.add(String(line[..<colon]), line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces))
        }
        if headers["Transfer-Encoding"] != nil {
            _ = try? Socket.sendAll(fd, HTTPResponse.text("chunked request bodies not supported\n", status: 501).head(closing: true))
            return nil
        }
        let length = Int(headers["Content-Length"] ?? "0") ?? 0
        while buffer.count < length {
            guard let more = try? Socket.receive(fd, wakeFD: wakeRead, timeout: Self.idleTimeout), !more.isEmpty else {
                return nil
            }
            buffer += more
        }
        let body = Array(buffer[0..<length])
        buffer.removeFirst(length)
        return HTTPRequest(method: String(requestLine[0]), target: String(requestLine[1]), version: String(requestLine[2]),
                           headers: headers, body: body, connectionID: connectionID)
    }

    private func find(_ needle: [UInt8], in haystack: [UInt8], from start: Int) -> Int? {
        guard haystack.count >= needle.count else { return nil }
        var i = start
        while i <= haystack.count - needle.count {
            if haystack[i] == needle[0], Array(haystack[i..<i + needle.count]) == needle { return i }
            i += 1
        }
        return nil
    }
}
