import Foundation

/// One request as the server received it.
public struct HTTPRequest: Sendable {
    public var method: String
    /// The request target as sent, e.g. `/feed.xml?x=1`.
    public var target: String
    /// The target's path, without the query.
    public var path: String
    public var query: String?
    public var version: String
    public var headers: HTTPHeaders
    public var body: [UInt8]
    /// Which connection it arrived on (1, 2, … in accept order); equal ids mean a reused connection.
    public var connectionID: Int
    public var receivedAt: Date

    public init(method: String, target: String, version: String = "HTTP/1.1", headers: HTTPHeaders = [:],
                body: [UInt8] = [], connectionID: Int = 0, receivedAt: Date = Date()) {
        self.method = method
        self.target = target
        if let q = target.firstIndex(of: "?") {
            path = String(target[..<q])
            query = String(target[target.index(after: q)...])
        } else {
            path = target
            query = nil
        }
        self.version = version
        self.headers = headers
        self.body = body
        self.connectionID = connectionID
        self.receivedAt = receivedAt
    }

    /// Whether the client wants the connection kept open after this exchange.
    var keepAlive: Bool {
        let connection = headers["Connection"]?.lowercased() ?? ""
        if version == "HTTP/1.0" { return connection.contains("keep-alive") }
        return !connection.contains("close")
    }
}

/// One exchange in the server's log: the request and the status it was answered with
/// (nil when a raw handler wrote the answer itself).
public struct HTTPExchange: Sendable {
    public var request: HTTPRequest
    public var status: Int?
}
