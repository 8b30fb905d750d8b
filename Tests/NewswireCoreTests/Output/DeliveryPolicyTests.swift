import Foundation
import Testing
@testable import NewswireCore

@Suite struct DeliveryPolicyTests {
    static var output: OutputConfig {
        var o = OutputConfig(name: "a", url: "http://127.0.0.1:1/")
        o.retryInitial = 10
        o.retryMax = 300
        o.maxAge = 3600
        return o
    }

    @Test func a2xxIsDeliveredAndFailuresBackOffWithJitterUpToTheMax() {
        let o = Self.output
        #expect(DeliveryPolicy.decide(status: 204, retryAfter: nil, attempts: 1, createdAt: 0, now: 5, output: o, random: 0.5) == .delivered)
        for (attempts, base) in [(1, 10.0), (2, 20), (3, 40), (5, 160), (6, 300), (20, 300)] {
            for random in [0.0, 0.5, 0.999] {
                guard case .retry(let at) = DeliveryPolicy.decide(status: 500, retryAfter: nil, attempts: attempts, createdAt: 0,
                                                                  now: 100, output: o, random: random) else {
                    Issue.record("attempt \(attempts) not retried"); continue
                }
                let delay = Double(at - 100)
                #expect(delay >= (base * 0.8).rounded(.down) && delay <= (base * 1.2).rounded(.up), "attempt \(attempts): \(delay)")
            }
        }
        // No response at all (timeout, refused) is retried the same way.
        #expect(DeliveryPolicy.decide(status: nil, retryAfter: nil, attempts: 1, createdAt: 0, now: 100, output: o, random: 0.5) == .retry(at: 110))
    }

    @Test func retryAfterIsHonouredOn429And503Only() {
        let o = Self.output
        #expect(DeliveryPolicy.decide(status: 429, retryAfter: 120, attempts: 1, createdAt: 0, now: 100, output: o, random: 0.5) == .retry(at: 220))
        #expect(DeliveryPolicy.decide(status: 503, retryAfter: 7, attempts: 4, createdAt: 0, now: 100, output: o, random: 0.5) == .retry(at: 107))
        #expect(DeliveryPolicy.decide(status: 500, retryAfter: 120, attempts: 1, createdAt: 0, now: 100, output: o, random: 0.5) == .retry(at: 110))
    }

    @Test func noRetryPassesMaxAgeAndAFailureThenIsDead() {
        let o = Self.output
        #expect(DeliveryPolicy.decide(status: 429, retryAfter: 86_400, attempts: 1, createdAt: 0, now: 3000, output: o, random: 0.5) == .retry(at: 3600))
        #expect(DeliveryPolicy.decide(status: 500, retryAfter: nil, attempts: 9, createdAt: 0, now: 3600, output: o, random: 0.5) == .dead)
        #expect(DeliveryPolicy.decide(status: 200, retryAfter: nil, attempts: 9, createdAt: 0, now: 9999, output: o, random: 0.5) == .delivered)
    }
}

@Suite struct OutputPayloadTests {
    /// RFC 4231 test case 2, and the header form GitHub uses.
    @Test func signatureIsHMACSHA256OfTheRawBody() {
        #expect(OutputPayload.signature(body: Array("what do ya want for nothing?".utf8), secret: "Jefe")
                == "sha256=5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843")
    }

    @Test func theBodyIsJSONWithKeyTimeAndTheArchiveRecords() throws {
        var r = sampleRecord(1)
        r.story = r.id
        r.content = String(repeating: "long content ", count: 1000)
        let members = OutputPayload.members(event: .alert, output: "hooks", item: r, story: r.id, firstItem: r, outlets: 2,
                                            maxBytes: 4096)
        let body = OutputPayload.body(key: "k1", sentAt: Date(timeIntervalSince1970: 1_753_520_400), members: members)
        #expect(body.count <= 4096)
        let json = try #require(try JSONSerialization.jsonObject(with: Data(body)) as? [String: Any])
        #expect(json["delivery"] as? String == "k1")
        #expect(json["sent_at"] as? String == "2025-07-26T09:00:00Z")
        #expect(json["event"] as? String == "alert")
        #expect(json["truncated"] as? Bool == true, "content left out past max_body_bytes")
        let item = try #require(json["item"] as? [String: Any])
        #expect(item["id"] as? String == r.id && item["schema"] as? Int == 1 && item["content"] is NSNull)
        let story = try #require(json["story"] as? [String: Any])
        #expect(story["outlets"] as? Int == 2 && (story["first_item"] as? [String: Any])?["id"] as? String == r.id)
        #expect(OutputPayload.key(output: "hooks", event: .alert, itemID: r.id) == OutputPayload.key(output: "hooks", event: .alert, itemID: r.id))
        #expect(OutputPayload.key(output: "hooks", event: .alert, itemID: r.id) != OutputPayload.key(output: "other", event: .alert, itemID: r.id))
    }
}
