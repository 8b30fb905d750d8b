/// A complete response; the server adds `Content-Length` (and `Connection: close` when it closes).
public struct HTTPResponse: Sendable {
    public var status: Int
    public var reason: String?
    public var headers: HTTPHeaders
    public var body: [UInt8]

    public init(status: Int = 200, reason: String? = nil, headers: HTTPHeaders = [:], body: [UInt8] = []) {
        self.status = status
        self.reason = reason
        self.headers = headers
        self.body = body
    }

    public init(status: Int = 200, headers: HTTPHeaders = [:], body: String) {
        self.init(status: status, headers: headers, body: Array(body.utf8))
    }

    public static func text(_ body: String, status: Int = 200) -> HTTPResponse {
        HTTPResponse(status: status, headers: ["Content-Type": "text/plain; charset=utf-8"], body: body)
    }

    public static var notFound: HTTPResponse { .text("not found\n", status: 404) }

    /// A redirect to `location` (absolute or relative to the server).
    public static func redirect(to location: String, status: Int = 302) -> HTTPResponse {
        HTTPResponse(status: status, headers: ["Location": location], body: [])
    }

    /// Whether a response with this status may carry a body (RFC 9110 §6.4.1).
    var mayHaveBody: Bool { !(100..<200).contains(status) && status != 204 && status != 304 }

    /// The status line and header block, ending with the empty line.
    func head(closing: Bool, omitLength: Bool = false) -> [UInt8] {
        var h = headers
        if !omitLength, mayHaveBody, !h.contains("Content-Length"), !h.contains("Transfer-Encoding") {
            h.add("Content-Length", String(body.count))
        }
        if closing { h.set("Connection", "close") }
        var text = "HTTP/1.1 \(status) \(reason ?? HTTPResponse.reasonPhrase(status))\r\n"
        for field in h { text += "\(field.name): \(field.value)\r\n" }
        text += "\r\n"
        return Array(text.utf8)
    }

    public static func reasonPhrase(_ status: Int) -> String {
        switch status {
        case 200: "OK"
        case 204: "No Content"
        case 301: "Moved Permanently"
        case 302: "Found"
        case 303: "See Other"
        case 304: "Not Modified"
        case 307: "Temporary Redirect"
        case 308: "Permanent Redirect"
        case 400: "Bad Request"
        case 404: "Not Found"
        case 410: "Gone"
        case 429: "Too Many Requests"
        case 500: "Internal Server Error"
        case 502: "Bad Gateway"
        case 503: "Service Unavailable"
        default: "Status \(status)"
        }
    }
}
