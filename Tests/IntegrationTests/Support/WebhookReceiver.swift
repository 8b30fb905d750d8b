import Foundation
import Synchronization
import TestSupport

/// A webhook receiver on 127.0.0.1: answers each POST as `behaviour` says for that request's number (0, 1, …)
/// and records every request with what it was answered.
final class WebhookReceiver: Sendable {
    enum Answer: Sendable, Equatable {
        case status(Int, retryAfter: Int? = nil, bodyBytes: Int = 3)
        /// Reads the request and answers nothing for this long (the daemon's timeout ends it first).
        case stall(Double)
    }

    struct Received: Sendable {
        var request: HTTPRequest
        var answer: Answer
        var key: String { request.headers["X-Newswired-Delivery"] ?? "" }
        var signature: String? { request.headers["X-Newswired-Signature-256"] }
        var json: [String: Any]? { try? JSONSerialization.jsonObject(with: Data(request.body)) as? [String: Any] }
        var event: String? { json?["event"] as? String }
        var itemID: String? { (json?["item"] as? [String: Any])?["id"] as? String }
        var story: [String: Any]? { json?["story"] as? [String: Any] }
        var delivered: Bool { if case .status(let s, _, _) = answer { return (200...299).contains(s) } else { return false } }
    }

    /// What the handler thread and the test share.
    private final class Shared: Sendable {
        let log = Mutex<[Received]>([])
        let behaviour: Mutex<@Sendable (Int) -> Answer>
        init(_ b: @escaping @Sendable (Int) -> Answer) { behaviour = Mutex(b) }
    }

    let server: HTTPTestServer
    private let shared: Shared

    init(_ behaviour: @escaping @Sendable (Int) -> Answer = { _ in .status(200) }) throws {
        server = try HTTPTestServer()
        let shared = Shared(behaviour)
        self.shared = shared
        server.rawRoute("/hook") { request, connection in
            let answer = shared.log.withLock { received in
                let a = shared.behaviour.withLock { $0 }(received.count)
                received.append(Received(request: request, answer: a))
                return a
            }
            switch answer {
            case .status(let status, let retryAfter, let bodyBytes):
                var headers: HTTPHeaders = ["Content-Type": "text/plain"]
                if let retryAfter { headers.add("Retry-After", "\(retryAfter)") }
                try connection.write(HTTPResponse(status: status, headers: headers, body: [UInt8](repeating: 0x6B, count: bodyBytes)))
            case .stall(let seconds):
                try connection.pause(seconds)
            }
        }
        try server.start()
    }

    var url: String { server.url("/hook") }
    var received: [Received] { shared.log.withLock { $0 } }
    func setBehaviour(_ b: @escaping @Sendable (Int) -> Answer) { shared.behaviour.withLock { $0 = b } }
    func stop() { server.stop() }

    /// Waits until `predicate` holds for what was received, or throws after `timeout` seconds.
    @discardableResult
    func require(timeout: Double, _ what: String, daemon: RunningNewswired? = nil,
                 until predicate: ([Received]) -> Bool) throws -> [Received] {
        let deadline = Date().addingTimeInterval(timeout)
        while true {
            let r = received
            if predicate(r) { return r }
            if Date() >= deadline {
                throw HarnessError("no \(what) within \(timeout) s; received \(r.map { "\($0.key.prefix(8)) \($0.event ?? "?") \($0.answer)" }); stderr:\n\(daemon?.stderr ?? "")")
            }
            usleep(50_000)
        }
    }

    /// Checks every signature with Python's hmac (as the README's receiver does): the requests whose
    /// `X-Newswired-Signature-256` is not HMAC-SHA256 of the raw body with `secret`.
    static func badSignatures(_ requests: [Received], secret: String) throws -> [String] {
        let input = requests.map { ["body": Data($0.request.body).base64EncodedString(), "sig": $0.signature ?? "", "key": $0.key] }
        let script = """
            import base64, hashlib, hmac, json, sys
            secret = sys.argv[1].encode()
            for r in json.load(sys.stdin):
                want = "sha256=" + hmac.new(secret, base64.b64decode(r["body"]), hashlib.sha256).hexdigest()
                if not hmac.compare_digest(want, r["sig"]):
                    print(r["key"])
            """
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", "-c", script, secret]
        let stdin = Pipe(), stdout = Pipe()
        process.standardInput = stdin
        process.standardOutput = stdout
        try process.run()
        stdin.fileHandleForWriting.write(try JSONSerialization.data(withJSONObject: input))
        try stdin.fileHandleForWriting.close()
        let out = stdout.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { throw HarnessError("python3 hmac check failed (\(process.terminationStatus))") }
        return String(decoding: out, as: UTF8.self).split(separator: "\n").map(String.init)
    }
}
