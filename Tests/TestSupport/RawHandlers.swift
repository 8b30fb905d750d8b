/// Ready-made raw handlers for hostile or broken servers. Each ends when the server stops or the client hangs up.
public enum RawHandlers {
    /// Sends the status line, then one header line every `interval` seconds, then the body.
    public static func slowHeaders(_ response: HTTPResponse, interval: Double) -> HTTPTestServer.RawHandler {
        { _, connection in
            try connection.write("HTTP/1.1 \(response.status) \(HTTPResponse.reasonPhrase(response.status))\r\n")
            var headers = response.headers
            headers.set("Content-Length", String(response.body.count))
            headers.set("Connection", "close")
            for field in headers {
                try connection.pause(interval)
                try connection.write("\(field.name): \(field.value)\r\n")
            }
            try connection.pause(interval)
            try connection.write("\r\n")
            try connection.write(response.body)
        }
    }

    /// Sends the head at once (with the full Content-Length), then the body one byte every `interval` seconds.
    public static func trickle(_ response: HTTPResponse, interval: Double) -> HTTPTestServer.RawHandler {
        { _, connection in
            var headers = response.headers
            headers.set("Content-Length", String(response.body.count))
            try connection.writeHead(status: response.status, headers: headers)
            try connection.trickle(response.body, every: interval)
        }
    }

    /// A chunked body that never ends: `chunk` every `interval` seconds until the client gives up.
    public static func endlessChunked(_ chunk: [UInt8], interval: Double,
                                      contentType: String = "application/xml") -> HTTPTestServer.RawHandler {
        { _, connection in
            try connection.writeHead(headers: ["Content-Type": contentType, "Transfer-Encoding": "chunked"])
            while true {
                try connection.writeChunk(chunk)
                try connection.pause(interval)
            }
        }
    }

    /// Answers with `handler`'s response after `seconds` (the request is in the server's log from the start).
    public static func delayed(_ seconds: Double, _ handler: @escaping HTTPTestServer.Handler) -> HTTPTestServer.RawHandler {
        { request, connection in
            try connection.pause(seconds)
            try connection.write(handler(request))
        }
    }

    /// Accepts the request and never answers.
    public static func silence() -> HTTPTestServer.RawHandler {
        { _, connection in
            while true { try connection.pause(3600) }
        }
    }

    /// Writes `bytes` and closes: a truncated or garbage response.
    public static func bytes(_ bytes: [UInt8]) -> HTTPTestServer.RawHandler {
        { _, connection in try connection.write(bytes) }
    }
}

extension HTTPTestServer {
    /// Makes `path` redirect to itself (`Location` carries a counter so each hop looks new), forever.
    public func redirectLoop(at path: String, status: Int = 302) {
        route(path) { request in
            let hop = Int(request.query?.split(separator: "=").last ?? "0") ?? 0
            return .redirect(to: "\(path)?hop=\(hop + 1)", status: status)
        }
    }
}
