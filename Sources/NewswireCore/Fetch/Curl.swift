import Foundation
internal import CCurl

/// Fetches feeds with libcurl's multi interface: many transfers on the calling thread.
///
/// Not thread-safe: one owner drives it from one thread (the invariant behind `@unchecked Sendable`).
/// Every limit holds on libcurl 7.88, where CURLOPT_MAXFILESIZE only rejects an announced length:
/// the write callback counts decoded bytes and aborts past `maxBodyBytes`.
public final class Fetcher: @unchecked Sendable {
    private let multi: UnsafeMutableRawPointer
    public let options: FetchOptions

    private static let globalInit: Void = { curl_global_init(Int(CURL_GLOBAL_DEFAULT)) }()

    public init(options: FetchOptions) {
        _ = Self.globalInit
        self.options = options
        multi = curl_multi_init()!
        ccurl_multi_setopt_long(multi, CURLMOPT_MAX_HOST_CONNECTIONS, options.maxPerHost)
        ccurl_multi_setopt_long(multi, CURLMOPT_MAX_TOTAL_CONNECTIONS, options.maxConcurrent)
        ccurl_multi_setopt_long(multi, CURLMOPT_PIPELINING, Int(CURLPIPE_MULTIPLEX))
    }

    deinit {
        curl_multi_cleanup(multi)
    }

    /// Fetches one URL to completion (for one-shot commands).
    public func fetchOne(_ request: FetchRequest) -> Result<FetchResponse, FetchError> {
        var result: Result<FetchResponse, FetchError> = .failure(FetchError(.transport, "no response"))
        fetch([request]) { _, r in result = r }
        return result
    }

    /// Runs every request, at most `maxConcurrent` at a time, calling `completion` as each ends.
    /// `shouldAbort` is asked between polls (at least every 100 ms): `.stopStarting` starts no new
    /// transfer, `.abortAll` ends the ones in flight with `FetchError.aborted`.
    public func fetch(_ requests: [FetchRequest],
                      control: () -> FetchControl = { .proceed },
                      completion: (FetchRequest, Result<FetchResponse, FetchError>) -> Void) {
        var queue = Array(requests)
        var active: [UnsafeMutableRawPointer: Transfer] = [:]
        var perHost: [String: Int] = [:]
        var stopStarting = false

        func finish(_ t: Transfer, _ code: CURLcode) {
            curl_multi_remove_handle(multi, t.easy)
            active[t.easy] = nil
            perHost[t.host, default: 1] -= 1
            completion(t.request, t.result(code))
        }

        /// The next queued request whose host is under its cap (our own queue: libcurl's pending queue
        /// would count the waiting time against the transfer's timeout).
        func nextStartable() -> FetchRequest? {
            guard let i = queue.firstIndex(where: { perHost[Self.hostKey($0.url), default: 0] < options.maxPerHost }) else { return nil }
            return queue.remove(at: i)
        }

        while !queue.isEmpty || !active.isEmpty {
            switch control() {
            case .proceed: break
            case .stopStarting: stopStarting = true
            case .abortAll:
                for t in Array(active.values) {
                    curl_multi_remove_handle(multi, t.easy)
                    active[t.easy] = nil
                    completion(t.request, .failure(FetchError(.aborted, "aborted at shutdown", elapsedMs: t.elapsedMs)))
                }
                return
            }
            if stopStarting { queue.removeAll() }
            while active.count < options.maxConcurrent, let req = nextStartable() {
                let t = Transfer(request: req, options: options)
                if let err = t.setupError {
                    completion(req, .failure(err))
                    continue
                }
                active[t.easy] = t
                perHost[t.host, default: 0] += 1
                curl_multi_add_handle(multi, t.easy)
            }
            if active.isEmpty { continue }
            var running: Int32 = 0
            curl_multi_perform(multi, &running)
            var left: Int32 = 0
            while let msg = curl_multi_info_read(multi, &left) {
                guard msg.pointee.msg == CURLMSG_DONE, let easy = msg.pointee.easy_handle, let t = active[easy] else { continue }
                finish(t, msg.pointee.data.result)
            }
            if !active.isEmpty {
                var numfds: Int32 = 0
                curl_multi_poll(multi, nil, 0, 100, &numfds)
            }
        }
    }

    /// Host and port of a URL, lower-cased: the unit of the per-host cap.
    static func hostKey(_ url: String) -> String {
        guard let c = URLComponents(string: url) else { return url }
        return "\(c.host?.lowercased() ?? ""):\(c.port ?? (c.scheme?.lowercased() == "https" ? 443 : 80))"
    }
}

/// What the fetch loop should do next (asked between polls).
public enum FetchControl: Sendable {
    case proceed
    case stopStarting
    case abortAll
}

/// One transfer: owns its easy handle and header list, which must outlive the transfer.
private final class Transfer {
    let request: FetchRequest
    let easy: UnsafeMutableRawPointer
    let host: String
    /// Internal addresses this transfer may connect to (the URL's own literal address); nil: any.
    private let allowedInternal: Set<String>?
    /// The status of every response in the redirect chain, in order.
    private var statuses: [Int] = []
    var blocked: String?
    private var headerList: UnsafeMutablePointer<curl_slist>?
    /// libcurl writes its detailed message here; allocated once so its address is stable.
    private let errorBuffer: UnsafeMutablePointer<CChar> = {
        let p = UnsafeMutablePointer<CChar>.allocate(capacity: Int(CURL_ERROR_SIZE) + 1)
        p.initialize(repeating: 0, count: Int(CURL_ERROR_SIZE) + 1)
        return p
    }()
    private let maxBytes: Int
    private let started = DispatchTime.now()
    var body = Data()
    var headers: [String: String] = [:]
    var overLimit = false
    var setupError: FetchError?

    init(request: FetchRequest, options: FetchOptions) {
        self.request = request
        self.maxBytes = request.post?.maxResponseBytes ?? options.maxBodyBytes
        host = Fetcher.hostKey(request.url)
        allowedInternal = request.allowPrivate ? nil : Self.literalInternalAddresses(of: request.url)
        easy = curl_easy_init()!
        let me = Unmanaged.passUnretained(self).toOpaque()
        let isFile = request.url.lowercased().hasPrefix("file:")
        if isFile && !request.allowFile {
            setupError = FetchError(.protocolRefused, "file:// is refused unless the feed entry sets allow_file")
        }
        ccurl_easy_setopt_string(easy, CURLOPT_URL, request.url)
        ccurl_easy_setopt_string(easy, CURLOPT_PROTOCOLS_STR, request.allowFile ? "http,https,file" : "http,https")
        ccurl_easy_setopt_string(easy, CURLOPT_REDIR_PROTOCOLS_STR, "http,https")
        ccurl_easy_setopt_long(easy, CURLOPT_FOLLOWLOCATION, 1)
        ccurl_easy_setopt_long(easy, CURLOPT_MAXREDIRS, options.maxRedirects)
        ccurl_easy_setopt_long(easy, CURLOPT_NOSIGNAL, 1)
        ccurl_easy_setopt_long(easy, CURLOPT_CONNECTTIMEOUT, options.connectTimeout)
        ccurl_easy_setopt_long(easy, CURLOPT_TIMEOUT, options.timeout)
        ccurl_easy_setopt_long(easy, CURLOPT_LOW_SPEED_LIMIT, options.lowSpeedLimit)
        ccurl_easy_setopt_long(easy, CURLOPT_LOW_SPEED_TIME, options.lowSpeedTime)
        ccurl_easy_setopt_off_t(easy, CURLOPT_MAXFILESIZE_LARGE, curl_off_t(options.maxBodyBytes))
        ccurl_easy_setopt_string(easy, CURLOPT_ACCEPT_ENCODING, "")  // every encoding libcurl can decode
        ccurl_easy_setopt_long(easy, CURLOPT_SSL_VERIFYPEER, 1)
        ccurl_easy_setopt_long(easy, CURLOPT_SSL_VERIFYHOST, 2)
        ccurl_easy_setopt_string(easy, CURLOPT_USERAGENT, options.userAgent)
        ccurl_easy_setopt_pointer(easy, CURLOPT_PRIVATE, me)
        ccurl_easy_setopt_pointer(easy, CURLOPT_ERRORBUFFER, errorBuffer)
        ccurl_easy_setopt_data_callback(easy, CURLOPT_WRITEFUNCTION, transferWrite)
        ccurl_easy_setopt_pointer(easy, CURLOPT_WRITEDATA, me)
        ccurl_easy_setopt_data_callback(easy, CURLOPT_HEADERFUNCTION, transferHeader)
        ccurl_easy_setopt_pointer(easy, CURLOPT_HEADERDATA, me)
        ccurl_easy_setopt_opensocket_callback(easy, CURLOPT_OPENSOCKETFUNCTION, transferOpenSocket)
        ccurl_easy_setopt_pointer(easy, CURLOPT_OPENSOCKETDATA, me)

        var lines = ["Accept: application/rss+xml, application/atom+xml, application/feed+json, application/rdf+xml;q=0.9, application/xml;q=0.9, text/xml;q=0.9, */*;q=0.8"]
        if let etag = request.etag { lines.append("If-None-Match: \(etag)") }
        if let lm = request.lastModified { lines.append("If-Modified-Since: \(lm)") }
        if let post = request.post {
            // A webhook delivery: the body is copied into the handle (POSTFIELDSIZE first, as libcurl requires),
            // redirects are not followed, and no `Expect: 100-continue` round trip delays a body over 1 KiB.
            ccurl_easy_setopt_long(easy, CURLOPT_FOLLOWLOCATION, 0)
            ccurl_easy_setopt_long(easy, CURLOPT_TIMEOUT, post.timeout)
            ccurl_easy_setopt_long(easy, CURLOPT_POST, 1)
            ccurl_easy_setopt_off_t(easy, CURLOPT_POSTFIELDSIZE_LARGE, curl_off_t(post.body.count))
            post.body.withUnsafeBytes { raw in
                _ = ccurl_easy_setopt_pointer(easy, CURLOPT_COPYPOSTFIELDS, UnsafeMutableRawPointer(mutating: raw.baseAddress))
            }
            ccurl_easy_setopt_off_t(easy, CURLOPT_MAXFILESIZE_LARGE, 0)
            lines = ["Accept: */*", "Content-Type: application/json", "Expect:"] + post.headers
        }
        for line in lines { headerList = curl_slist_append(headerList, line) }
        ccurl_easy_setopt_slist(easy, CURLOPT_HTTPHEADER, headerList)
    }

    deinit {
        curl_easy_cleanup(easy)
        curl_slist_free_all(headerList)
        errorBuffer.deallocate()
    }

    var elapsedMs: Int { Int((DispatchTime.now().uptimeNanoseconds - started.uptimeNanoseconds) / 1_000_000) }

    func append(_ ptr: UnsafeRawPointer, _ n: Int) -> Bool {
        if body.count + n > maxBytes {
            overLimit = true
            return false
        }
        body.append(ptr.assumingMemoryBound(to: UInt8.self), count: n)
        return true
    }

    func header(_ line: String) {
        if line.hasPrefix("HTTP/") {
            headers.removeAll()  // a new response in a redirect chain
            let parts = line.split(separator: " ")
            if parts.count >= 2, let status = Int(parts[1]), status >= 200 { statuses.append(status) }
            return
        }
        guard let colon = line.firstIndex(of: ":") else { return }
        let name = line[..<colon].trimmingCharacters(in: .whitespaces).lowercased()
        let value = line[line.index(after: colon)...].trimmingCharacters(in: .whitespacesAndNewlines)
        headers[name] = value
    }

    /// The SSRF guard, asked for every connection (first request and each redirect hop).
    func mayConnect(to address: [UInt8]) -> Bool {
        let isInternal = address.count == 4 ? AddressPolicy.isInternal(ipv4: address) : AddressPolicy.isInternal(ipv6: address)
        guard isInternal, let allowed = allowedInternal else { return true }
        if allowed.contains(AddressPolicy.text(address)) { return true }
        blocked = AddressPolicy.text(address)
        return false
    }

    /// The internal address a URL names literally (`http://127.0.0.1:8080/`, `http://[::1]/`, `localhost`):
    /// a feed configured on such an address may connect there.
    static func literalInternalAddresses(of url: String) -> Set<String> {
        guard var host = URLComponents(string: url)?.host?.lowercased() else { return [] }
        if host == "localhost" { return ["127.0.0.1", "0:0:0:0:0:0:0:1"] }
        if host.hasPrefix("[") { host = String(host.dropFirst().dropLast()) }
        if let v4 = AddressPolicy.ipv4(host) { return [AddressPolicy.text(v4)] }
        var v6 = in6_addr()
        if inet_pton(AF_INET6, host, &v6) == 1 {
            return [AddressPolicy.text(withUnsafeBytes(of: &v6) { Array($0) })]
        }
        return []
    }

    func result(_ code: CURLcode) -> Result<FetchResponse, FetchError> {
        let ms = elapsedMs
        if let blocked {
            return .failure(FetchError(.blockedAddress, "refused to connect to internal address \(blocked) (only the feed's own configured address may be internal and redirects never reach one; set allow_private: true on this feed if its host name is meant to resolve there)", elapsedMs: ms))
        }
        // A POST's response body is only read up to its small limit: past it the transfer stops, and the status
        // (already received) is the answer.
        let truncatedPost = request.post != nil && overLimit && code == CURLE_WRITE_ERROR
        guard code == CURLE_OK || truncatedPost else {
            let detail = String(cString: errorBuffer)
            let text = detail.isEmpty ? String(cString: curl_easy_strerror(code)) : detail
            let message = overLimit ? "body larger than \(maxBytes) bytes (decoded)"
                : code == CURLE_FILESIZE_EXCEEDED ? "announced body larger than \(maxBytes) bytes" : text
            return .failure(FetchError(Self.errorCode(code, overLimit: overLimit), message, elapsedMs: ms))
        }
        var status = 0
        ccurl_easy_getinfo_long(easy, CURLINFO_RESPONSE_CODE, &status)
        var redirects = 0
        ccurl_easy_getinfo_long(easy, CURLINFO_REDIRECT_COUNT, &redirects)
        var urlPtr: UnsafeMutablePointer<CChar>?
        ccurl_easy_getinfo_string(easy, CURLINFO_EFFECTIVE_URL, &urlPtr)
        let effective = urlPtr.map { String(cString: $0) } ?? request.url
        if request.url.lowercased().hasPrefix("file:") { status = 200 }
        let hops = statuses.dropLast()
        let moved = redirects > 0 && !hops.isEmpty && hops.allSatisfy { $0 == 301 || $0 == 308 } ? effective : nil
        return .success(FetchResponse(status: status, headers: headers, body: body, effectiveURL: effective,
                                      redirects: redirects, permanentlyMovedTo: moved, elapsedMs: ms))
    }

    static func errorCode(_ code: CURLcode, overLimit: Bool) -> FetchError.Code {
        if overLimit { return .tooLarge }
        switch code {
        case CURLE_COULDNT_RESOLVE_HOST, CURLE_COULDNT_RESOLVE_PROXY: return .dns
        case CURLE_COULDNT_CONNECT: return .connect
        case CURLE_OPERATION_TIMEDOUT: return .timeout
        case CURLE_FILESIZE_EXCEEDED: return .tooLarge
        case CURLE_TOO_MANY_REDIRECTS: return .tooManyRedirects
        case CURLE_UNSUPPORTED_PROTOCOL: return .protocolRefused
        case CURLE_SSL_CONNECT_ERROR, CURLE_PEER_FAILED_VERIFICATION, CURLE_SSL_CERTPROBLEM, CURLE_SSL_CIPHER,
             CURLE_SSL_CACERT_BADFILE, CURLE_SSL_ISSUER_ERROR, CURLE_SSL_PINNEDPUBKEYNOTMATCH,
             CURLE_SSL_INVALIDCERTSTATUS:
            return .tls
        default: return .transport
        }
    }
}

private func transferWrite(_ ptr: UnsafeMutablePointer<CChar>?, _ size: Int, _ nmemb: Int, _ userdata: UnsafeMutableRawPointer?) -> Int {
    guard let ptr, let userdata else { return 0 }
    let t = Unmanaged<Transfer>.fromOpaque(userdata).takeUnretainedValue()
    let n = size * nmemb
    return t.append(UnsafeRawPointer(ptr), n) ? n : 0
}

private func transferOpenSocket(_ userdata: UnsafeMutableRawPointer?, _ purpose: curlsocktype,
                                _ address: UnsafeMutablePointer<curl_sockaddr>?) -> curl_socket_t {
    guard let userdata, let address else { return CURL_SOCKET_BAD }
    let t = Unmanaged<Transfer>.fromOpaque(userdata).takeUnretainedValue()
    let family = address.pointee.family
    let bytes: [UInt8]
    switch family {
    case AF_INET:
        bytes = withUnsafeBytes(of: &address.pointee.addr) { raw in
            Array(raw.bindMemory(to: sockaddr_in.self).baseAddress!.pointee.sin_addr.s_addr.bigEndian.bytes)
        }
    case AF_INET6:
        bytes = withUnsafePointer(to: &address.pointee.addr) { p in
            p.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { sin6 in
                withUnsafeBytes(of: sin6.pointee.sin6_addr) { Array($0) }
            }
        }
    default:
        return CURL_SOCKET_BAD  // only IP sockets (the protocols are http and https)
    }
    guard t.mayConnect(to: bytes) else { return CURL_SOCKET_BAD }
    return socket(family, address.pointee.socktype, address.pointee.protocol)
}

private extension UInt32 {
    /// Big-endian bytes of a host-order value.
    var bytes: [UInt8] { [UInt8(self >> 24), UInt8(self >> 16 & 0xFF), UInt8(self >> 8 & 0xFF), UInt8(self & 0xFF)] }
}

private func transferHeader(_ ptr: UnsafeMutablePointer<CChar>?, _ size: Int, _ nmemb: Int, _ userdata: UnsafeMutableRawPointer?) -> Int {
    guard let ptr, let userdata else { return 0 }
    let t = Unmanaged<Transfer>.fromOpaque(userdata).takeUnretainedValue()
    let n = size * nmemb
    let line = String(decoding: UnsafeRawBufferPointer(start: ptr, count: n), as: UTF8.self)
    t.header(line)
    return n
}
