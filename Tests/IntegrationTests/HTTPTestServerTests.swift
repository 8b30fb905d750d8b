import Foundation
import Synchronization
import Testing
import TestSupport

/// Tests of the test server itself, with a byte-level client, so that the integration tests can trust it.
@Suite struct HTTPTestServerTests {
    @Test func listensOnLoopbackRoutesAndRecordsRequests() throws {
        let server = try HTTPTestServer()
        server.route("/hello") { request in .text("hello \(request.query ?? "")") }
        try server.start()
        defer { server.stop() }
        #expect(server.port != 0)
        #expect(server.baseURL == "http://127.0.0.1:\(server.port)")

        let client = try TestHTTPClient(port: server.port)
        let ok = try client.get("/hello?x=1", headers: ["If-None-Match": "\"abc\"", "User-Agent": "t/1"])
        #expect(ok.status == 200)
        #expect(ok.text == "hello x=1")
        #expect(ok.headers["content-length"] == "9")
        let missing = try client.get("/nope")
        #expect(missing.status == 404)

        let log = server.exchanges
        #expect(log.map(\.request.path) == ["/hello", "/nope"])
        #expect(log.map(\.status) == [200, 404])
        #expect(log[0].request.target == "/hello?x=1")
        #expect(log[0].request.headers["if-none-match"] == "\"abc\"")
        #expect(log[0].request.headers["USER-AGENT"] == "t/1")
        // Both requests went over one kept-alive connection.
        #expect(log[0].request.connectionID == log[1].request.connectionID)
        #expect(server.connectionsAccepted == 1)
    }

    @Test func servesManyConnectionsAtOnce() throws {
        let server = try HTTPTestServer()
        server.route("/slow-ok") { request in
            usleep(100_000) // every handler holds its connection for 0.1 s
            return .text(request.query ?? "")
        }
        try server.start()
        defer { server.stop() }
        let started = Date()
        let answers = Mutex<[String]>([])
        let clients = DispatchGroup()
        for n in 0..<24 { // one thread per client, so that all 24 are connected at once
            clients.enter()
            Thread.detachNewThread {
                let text = (try? TestHTTPClient(port: server.port).get("/slow-ok?\(n)").text) ?? "failed"
                answers.withLock { $0.append(text) }
                clients.leave()
            }
        }
        #expect(clients.wait(timeout: .now() + 10) == .success)
        #expect(Set(answers.withLock { $0 }) == Set((0..<24).map(String.init)))
        #expect(Date().timeIntervalSince(started) < 1.2, "served in parallel: one after another takes 2.4 s")
        #expect(server.connectionsAccepted == 24)
        #expect(server.requests(path: "/slow-ok").count == 24)
    }

    @Test func conditionalDocumentAnswers304ToMatchingValidators() throws {
        let server = try HTTPTestServer()
        let modified = Date(timeIntervalSince1970: 1_753_500_000)
        let doc = ConditionalDocument(body: "<rss/>", etag: "\"v1\"", lastModified: modified)
        server.serve("/feed.xml", doc)
        try server.start()
        defer { server.stop() }
        let client = try TestHTTPClient(port: server.port)

        let first = try client.get("/feed.xml")
        #expect(first.status == 200)
        #expect(first.text == "<rss/>")
        #expect(first.headers["ETag"] == "\"v1\"")
        #expect(first.headers["Last-Modified"] == "Sat, 26 Jul 2025 03:20:00 GMT")

        #expect(try client.get("/feed.xml", headers: ["If-None-Match": "\"v1\""]).status == 304)
        #expect(try client.get("/feed.xml", headers: ["If-None-Match": "W/\"v0\", \"v1\""]).status == 304)
        #expect(try client.get("/feed.xml", headers: ["If-Modified-Since": "Sat, 26 Jul 2025 03:20:00 GMT"]).status == 304)
        #expect(try client.get("/feed.xml", headers: ["If-Modified-Since": "Sat, 26 Jul 2025 03:19:59 GMT"]).status == 200)
        // If-None-Match decides when present, even if the date would match.
        #expect(try client.get("/feed.xml", headers: ["If-None-Match": "\"v0\"",
                                                       "If-Modified-Since": "Sat, 26 Jul 2025 03:20:00 GMT"]).status == 200)

        doc.update(body: "<rss>2</rss>", etag: "\"v2\"", lastModified: modified.addingTimeInterval(60))
        let changed = try client.get("/feed.xml", headers: ["If-None-Match": "\"v1\""])
        #expect(changed.status == 200)
        #expect(changed.text == "<rss>2</rss>")
        #expect(changed.headers["ETag"] == "\"v2\"")
    }

    @Test func gzipBodyDecodesWithSystemGzip() throws {
        let server = try HTTPTestServer()
        let text = String(repeating: "Export controls on advanced chips. ", count: 3000) // > one 64 KiB stored block
        server.serve("/feed.xml", ConditionalDocument(body: text, gzip: true))
        try server.start()
        defer { server.stop() }
        let client = try TestHTTPClient(port: server.port)

        let plain = try client.get("/feed.xml")
        #expect(plain.headers["Content-Encoding"] == nil)
        #expect(plain.text == text)
        let zipped = try client.get("/feed.xml", headers: ["Accept-Encoding": "deflate, gzip"])
        #expect(zipped.headers["Content-Encoding"] == "gzip")
        #expect(zipped.body.starts(with: [0x1f, 0x8b]))
        #expect(try gunzip(zipped.body) == Array(text.utf8))
    }

    @Test func trickleSendsOneBytePerInterval() throws {
        let server = try HTTPTestServer()
        server.rawRoute("/slow", RawHandlers.trickle(.text("abcd"), interval: 0.1))
        try server.start()
        defer { server.stop() }
        let client = try TestHTTPClient(port: server.port)
        let sent = Date()
        try client.send("GET /slow HTTP/1.1\r\nHost: x\r\n\r\n")
        let head = String(decoding: try client.readSome(), as: UTF8.self)
        #expect(head.hasPrefix("HTTP/1.1 200 OK\r\n"))
        #expect(head.contains("Content-Length: 4\r\n"))
        #expect(head.hasSuffix("\r\n\r\n"), "the head arrives alone, before any body byte")
        var pieces: [[UInt8]] = []
        while true {
            let piece = try client.readSome()
            if piece.isEmpty { break }
            pieces.append(piece)
        }
        #expect(pieces == [[97], [98], [99], [100]], "one byte per write")
        #expect(Date().timeIntervalSince(sent) >= 0.38)
        #expect(server.exchanges.map(\.status) == [nil], "raw answers are logged without a status")
    }

    @Test func fastTrickleKeepsItsOverallRate() throws {
        let server = try HTTPTestServer()
        let body = String(repeating: "x", count: 2000)
        server.rawRoute("/fast", RawHandlers.trickle(.text(body), interval: 0.5 / 2000)) // 0.25 ms a byte
        try server.start()
        defer { server.stop() }
        let client = try TestHTTPClient(port: server.port)
        let sent = Date()
        let response = try client.get("/fast")
        let took = Date().timeIntervalSince(sent)
        #expect(response.text == body)
        #expect(took >= 0.5 && took < 1.0, "2000 bytes at 0.25 ms each take 0.5 s, not 2000 timer ticks: \(took) s")
    }

    @Test func slowHeadersArriveLineByLineAndStillParse() throws {
        let server = try HTTPTestServer()
        server.rawRoute("/slow-head", RawHandlers.slowHeaders(HTTPResponse(headers: ["X-A": "1", "X-B": "2"], body: "ok"),
                                                              interval: 0.05))
        try server.start()
        defer { server.stop() }
        let client = try TestHTTPClient(port: server.port)
        let sent = Date()
        let response = try client.get("/slow-head")
        #expect(Date().timeIntervalSince(sent) >= 0.2) // X-A, X-B, Content-Length, Connection, empty line
        #expect(response.status == 200)
        #expect(response.headers["X-B"] == "2")
        #expect(response.text == "ok")
    }

    @Test func endlessChunkedStopsWhenTheClientHangsUp() throws {
        let server = try HTTPTestServer()
        server.rawRoute("/endless", RawHandlers.endlessChunked(Array("<item/>".utf8), interval: 0.02))
        try server.start()
        defer { server.stop() }
        let client = try TestHTTPClient(port: server.port)
        try client.send("GET /endless HTTP/1.1\r\nHost: x\r\n\r\n")
        var received: [UInt8] = []
        while received.count < 200 { received += try client.readSome() }
        let text = String(decoding: received, as: UTF8.self)
        #expect(text.contains("Transfer-Encoding: chunked\r\n"))
        #expect(text.contains("\r\n\r\n7\r\n<item/>\r\n7\r\n<item/>\r\n"))
        client.close()
        let deadline = Date().addingTimeInterval(2)
        while server.openConnections > 0, Date() < deadline { usleep(10_000) }
        #expect(server.openConnections == 0, "the handler noticed the hang-up and its thread ended")
    }

    @Test func stopInterruptsAHandlerThatNeverAnswers() throws {
        let server = try HTTPTestServer()
        server.rawRoute("/silent", RawHandlers.silence())
        try server.start()
        let client = try TestHTTPClient(port: server.port)
        try client.send("GET /silent HTTP/1.1\r\nHost: x\r\n\r\n")
        let deadline = Date().addingTimeInterval(2)
        while server.exchanges.isEmpty, Date() < deadline { usleep(5_000) }
        #expect(server.exchanges.count == 1)
        let stopping = Date()
        #expect(server.stop(), "every thread joined")
        #expect(Date().timeIntervalSince(stopping) < 1)
        #expect(server.openConnections == 0)
        #expect(try client.readToEnd().isEmpty, "closed without an answer")
        #expect(throws: SocketError.self) { try TestHTTPClient(port: server.port) }
    }

    @Test func delayedAnswerIsLoggedAtOnceAndSentLater() throws {
        let server = try HTTPTestServer()
        server.rawRoute("/later", RawHandlers.delayed(1.0) { _ in .text("done") })
        try server.start()
        defer { server.stop() }
        let client = try TestHTTPClient(port: server.port)
        let sent = Date()
        try client.send("GET /later HTTP/1.1\r\nHost: x\r\n\r\n")
        let deadline = Date().addingTimeInterval(2)
        while server.requests(path: "/later").isEmpty, Date() < deadline { usleep(5_000) }
        #expect(Date().timeIntervalSince(sent) < 0.8, "in the log before the answer")
        let response = try client.readResponse()
        #expect(Date().timeIntervalSince(sent) >= 1.0)
        #expect(response.status == 200)
        #expect(response.text == "done")
        #expect(response.headers["Connection"] == "close")
    }

    @Test func stopClosesEverySocket() throws {
        let server = try HTTPTestServer()
        server.route("/x") { _ in .text("x") }
        server.rawRoute("/silent", RawHandlers.silence())
        try server.start()
        let port = server.port
        #expect(tcpStates(localPort: port).contains("LISTEN"))
        let idle = try TestHTTPClient(port: port)
        #expect(try idle.get("/x").status == 200) // now an idle kept-alive connection
        let waiting = try TestHTTPClient(port: port)
        try waiting.send("GET /silent HTTP/1.1\r\nHost: x\r\n\r\n")
        let deadline = Date().addingTimeInterval(2)
        while server.requests(path: "/silent").isEmpty, Date() < deadline { usleep(5_000) }
        // The server's side of the two connections (peers: the two clients; a socket of another test can share
        // the port number on its own side of some other connection).
        let peers: Set<UInt16> = [idle.localPort, waiting.localPort]
        #expect(tcpStates(localPort: port, peers: peers).filter { $0 == "ESTABLISHED" }.count == 2,
                "\(tcpStates(localPort: port))")

        #expect(server.stop())
        // The server's side of every connection is closed (FIN_WAIT/TIME_WAIT are the kernel's, not open
        // descriptors); nothing listens any more.
        let left = tcpStates(localPort: port)
        #expect(!left.contains("LISTEN") && !left.contains("ESTABLISHED") && !left.contains("CLOSE_WAIT"), "\(left)")
        #expect(try idle.readToEnd().isEmpty)
        #expect(try waiting.readToEnd().isEmpty)
    }

    @Test func redirectLoopNeverEnds() throws {
        let server = try HTTPTestServer()
        server.redirectLoop(at: "/loop")
        try server.start()
        defer { server.stop() }
        let client = try TestHTTPClient(port: server.port)
        let first = try client.get("/loop")
        #expect(first.status == 302)
        #expect(first.headers["Location"] == "/loop?hop=1")
        #expect(try client.get("/loop?hop=1").headers["Location"] == "/loop?hop=2")
    }

    @Test func closedPortRefusesConnections() throws {
        let closed = try ClosedPort()
        #expect(closed.port != 0)
        #expect(closed.url("/feed.xml") == "http://127.0.0.1:\(closed.port)/feed.xml")
        let error = #expect(throws: SocketError.self) { try TestHTTPClient(port: closed.port) }
        #expect(error?.code == ECONNREFUSED)
    }

    @Test func droppingTheServerStopsIt() throws {
        weak var dropped: HTTPTestServer?
        var port: UInt16 = 0
        do {
            let server = try HTTPTestServer()
            server.route("/x") { _ in .text("x") }
            try server.start()
            port = server.port
            #expect(try TestHTTPClient(port: port).get("/x").status == 200)
            dropped = server
        }
        #expect(dropped == nil, "no thread keeps the server alive")
        let error = #expect(throws: SocketError.self) { try TestHTTPClient(port: port) }
        #expect(error?.code == ECONNREFUSED)
    }
}

/// Decompresses with the system's gzip, an implementation independent of ours.
func gunzip(_ data: [UInt8]) throws -> [UInt8] {
    let file = FileManager.default.temporaryDirectory.appendingPathComponent("itest-\(UUID().uuidString).gz")
    try Data(data).write(to: file)
    defer { try? FileManager.default.removeItem(at: file) }
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = ["gzip", "-dc", file.path]
    let out = Pipe()
    process.standardOutput = out
    try process.run()
    let bytes = out.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    #expect(process.terminationStatus == 0)
    return Array(bytes)
}

/// The states of the TCP sockets (IPv4) whose local port is `port`, from /proc/net/tcp.
func tcpStates(localPort port: UInt16, peers: Set<UInt16>? = nil) -> [String] {
    let names = ["01": "ESTABLISHED", "02": "SYN_SENT", "03": "SYN_RECV", "04": "FIN_WAIT1", "05": "FIN_WAIT2",
                 "06": "TIME_WAIT", "07": "CLOSE", "08": "CLOSE_WAIT", "09": "LAST_ACK", "0A": "LISTEN", "0B": "CLOSING"]
    // Not String(contentsOfFile:): it stops after the first 4 KiB of a /proc file, which reports no size.
    guard let data = FileHandle(forReadingAtPath: "/proc/net/tcp")?.readDataToEndOfFile() else { return [] }
    let table = String(decoding: data, as: UTF8.self)
    let hexPort = String(format: "%04X", port)
    return table.split(separator: "\n").dropFirst().compactMap { line in
        let fields = line.split(separator: " ")
        guard fields.count > 3, fields[1].hasSuffix(":" + hexPort) else { return nil }
        if let peers {
            guard let peer = fields[2].split(separator: ":").last.flatMap({ UInt16($0, radix: 16) }), peers.contains(peer)
            else { return nil }
        }
        return names[String(fields[3])] ?? String(fields[3])
    }
}
