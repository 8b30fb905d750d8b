import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// The socket of one request, handed to a raw handler, which writes the answer's bytes itself — as slowly,
/// brokenly or endlessly as the test needs. The server closes the connection when the handler returns or throws.
/// Every wait returns early (throwing `RawConnection.Interrupted`) when the server stops or the client hangs up,
/// so a handler written as an endless loop of `write` and `pause` still ends.
public final class RawConnection {
    public enum Interrupted: Error, Equatable {
        case serverStopping
        case clientClosed
    }

    let fd: Int32
    let wakeFD: Int32
    /// Bytes written so far.
    public private(set) var bytesWritten = 0

    init(fd: Int32, wakeFD: Int32) {
        self.fd = fd
        self.wakeFD = wakeFD
    }

    public func write(_ bytes: [UInt8]) throws {
        try Socket.sendAll(fd, bytes)
        bytesWritten += bytes.count
    }

    public func write(_ text: String) throws { try write(Array(text.utf8)) }

    /// Writes a status line and headers (and the empty line that ends them).
    public func writeHead(status: Int = 200, headers: HTTPHeaders = [:]) throws {
        try write(HTTPResponse(status: status, headers: headers).head(closing: true, omitLength: true))
    }

    /// Writes a complete response (with its Content-Length, and `Connection: close`: the server closes after a
    /// raw handler).
    public func write(_ response: HTTPResponse) throws {
        try write(response.head(closing: true) + (response.mayHaveBody ? response.body : []))
    }

    /// Waits `seconds`, or throws as soon as the server stops or the client closes the connection.
    public func pause(_ seconds: Double) throws {
        switch Socket.wait(fd, events: Socket.pollRDHUP | Int16(POLLHUP), wakeFD: wakeFD, timeout: seconds) {
        case .timedOut: return
        case .woken: throw Interrupted.serverStopping
        case .ready: throw Interrupted.clientClosed
        }
    }

    /// Writes `bytes` at one byte per `interval` seconds: byte *i* is due `(i + 1) × interval` after the start.
    /// With an interval of a few milliseconds or more, that is one byte per write; with a shorter one (below the
    /// timer's resolution) every byte already due goes out in one write, so the whole still takes
    /// `bytes.count × interval`.
    public func trickle(_ bytes: [UInt8], every interval: Double) throws {
        let start = Date()
        var sent = 0
        while sent < bytes.count {
            let wait = start.addingTimeInterval(Double(sent + 1) * interval).timeIntervalSinceNow
            if wait > 0 { try pause(wait) }
            let due = interval > 0 ? Int(Date().timeIntervalSince(start) / interval) : bytes.count
            let end = min(bytes.count, max(sent + 1, due))
            try write(Array(bytes[sent..<end]))
            sent = end
        }
    }

    /// Writes one chunk of a `Transfer-Encoding: chunked` body (an empty one ends the body).
    public func writeChunk(_ bytes: [UInt8]) throws {
        try write(Array(String(bytes.count, radix: 16).utf8) + [13, 10] + bytes + [13, 10])
    }
}
