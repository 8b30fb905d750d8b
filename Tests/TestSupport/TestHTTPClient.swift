import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A minimal blocking HTTP/1.1 client over a raw socket, for testing `HTTPTestServer` itself byte by byte.
public final class TestHTTPClient {
    public struct Response {
        public var status: Int
        public var headers: HTTPHeaders
        public var body: [UInt8]
        public var text: String { String(decoding: body, as: UTF8.self) }
    }

    private var fd: Int32
    private var buffer: [UInt8] = []
    public var timeout: Double

    public init(port: UInt16, timeout: Double = 5) throws {
        fd = try Socket.connectLoopback(port: port)
        self.timeout = timeout
    }

    deinit { close() }

    /// The client side's port (what the server's side of the connection sees as its peer's).
    public var localPort: UInt16 {
        var addr = sockaddr_in()
        var len = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &len) } }
        return UInt16(bigEndian: addr.sin_port)
    }

    public func close() {
        if fd >= 0 { Glibc.close(fd) }
        fd = -1
    }

    public func send(_ text: String) throws { try Socket.sendAll(fd, Array(text.utf8)) }

    /// `GET path` with the given extra header lines.
    public func get(_ path: String, headers: HTTPHeaders = [:]) throws -> Response {
        var text = "GET \(path) HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        for field in headers { text += "\(field.name): \(field.value)\r\n" }
        try send(text + "\r\n")
        return try readResponse()
    }

    /// The next bytes to arrive (what is buffered first); empty at end of stream; throws on timeout.
    public func readSome() throws -> [UInt8] {
        if !buffer.isEmpty { defer { buffer = [] }; return buffer }
        return try Socket.receive(fd, wakeFD: nil, timeout: timeout) ?? []
    }

    /// Everything until the server closes the connection.
    public func readToEnd() throws -> [UInt8] {
        var all: [UInt8] = []
        while true {
            let more = try readSome()
            if more.isEmpty { return all }
            all += more
        }
    }

    /// One response: head, then a Content-Length body, or a body up to the end of the stream (no length, a
    /// response to HEAD or a 304 has none). Chunked bodies are returned still framed.
    public func readResponse(method: String = "GET") throws -> Response {
        while true {
            if let end = find([13, 10, 13, 10]) {
                let head = String(decoding: buffer[0..<end], as: UTF8.self)
                buffer.removeFirst(end + 4)
                var lines = head.components(separatedBy: "\r\n")
                let statusLine = lines.removeFirst().split(separator: " ")
                guard statusLine.count >= 2, let status = Int(statusLine[1]) else {
                    throw SocketError(operation: "bad status line \(head.prefix(80))", code: EPROTO)
                }
                var headers = HTTPHeaders()
                for line in lines {
                    if let colon = line.firstIndex(of: ":") {
                        headers.add(String(line[..<colon]), line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces))
                    }
                }
                var body: [UInt8] = []
                if method == "HEAD" || status == 304 || status == 204 {
                } else if let length = headers["Content-Length"].flatMap(Int.init) {
                    while buffer.count < length {
                        let more = try Socket.receive(fd, wakeFD: nil, timeout: timeout) ?? []
                        if more.isEmpty { throw SocketError(operation: "body cut short", code: EPROTO) }
                        buffer += more
                    }
                    body = Array(buffer[0..<length])
                    buffer.removeFirst(length)
                } else {
                    body = try readToEnd()
                }
                return Response(status: status, headers: headers, body: body)
            }
            let more = try Socket.receive(fd, wakeFD: nil, timeout: timeout) ?? []
            if more.isEmpty { throw SocketError(operation: "connection closed before a response head", code: EPROTO) }
            buffer += more
        }
    }

    private func find(_ needle: [UInt8]) -> Int? {
        guard buffer.count >= needle.count else { return nil }
        for i in 0...(buffer.count - needle.count) where Array(buffer[i..<i + needle.count]) == needle { return i }
        return nil
    }
}
