import Foundation
import Logging

/// The daemon on a PostgreSQL store shared with other daemons: instead of a schedule of its own, it claims due
/// feeds under a lease (`PostgresCluster.claim`), fetches them as one round, renews the leases while transfers
/// run, and releases them once the round is committed. A daemon that dies keeps its feeds only until their
/// leases expire. The archive is written by whichever daemon holds its lock (`Pipeline.drainArchive`).
extension Daemon {
    /// Feeds claimed at once: enough to keep every transfer slot busy for a round.
    var claimSize: Int { config.fetch.maxConcurrent * 2 }

    func run(in cluster: PostgresCluster, stop: StopSignal, reload: SettingsLoader?) {
        register(in: cluster)
        logger.info("start", metadata: [
            "feeds": "\(feeds.count)", "node": .string(cluster.node), "lease_s": "\(cluster.lease)",
            "version": .string(NewswireVersion.string),
            "watchdog": .string(notifier.watchdogInterval.map { "\($0)s" } ?? "off"),
        ])
        tick()
        notifier.notify("READY=1\nSTATUS=\(statusLine())")
        let tickPeriod = min(5.0, (notifier.watchdogInterval ?? 10) / 2)
        var storeDown: (since: Date, delay: Double)?
        var lastHeartbeat = Date()
        while !stop.isRequested {
            tick()
            if Date().timeIntervalSince(lastHeartbeat) >= Double(cluster.lease) / 3 {
                // While idle too: `status` tells a live daemon from a lost one by its heartbeat.
                lastHeartbeat = Date()
                let leases = (try? cluster.renew()) ?? 0
                DaemonMetrics.cluster(leases: leases, archiveWriter: cluster.writesArchive)
            }
            if stop.takeReload(), let reload {
                var unused = DueQueue()
                self.reload(reload, queue: &unused)
                register(in: cluster)
            }
            let urls = feeds.map(\.url)
            let claimed: [String]
            do {
                claimed = try cluster.claim(among: urls, limit: claimSize)
                if let down = storeDown {
                    logger.notice("store", metadata: ["recovered": "true", "after_s": "\(Int(Date().timeIntervalSince(down.since)))"])
                    storeDown = nil
                }
            } catch {
                // The server is down or unreachable: retried with backoff, from 1 s to 60 s.
                let delay = min((storeDown?.delay ?? 0.5) * 2, 60)
                if storeDown == nil {
                    logger.error("store", metadata: ["error": "\(error)", "reason": "cannot claim feeds; retrying with backoff"])
                }
                storeDown = (storeDown?.since ?? Date(), delay)
                stop.sleep(seconds: delay)
                continue
            }
            if claimed.isEmpty {
                // Nothing claimable: the next due time, or a second when due feeds are leased or their hosts held.
                let wait = (try? cluster.secondsUntilDue(among: urls)) ?? nil
                stop.sleep(seconds: max(1, min(Double(wait ?? Int(tickPeriod)), tickPeriod)))
                continue
            }
            let taken = Set(claimed)
            var lastRenewal = Date()
            var dueAt: [String: Int] = [:]
            let round = fetch(feeds.filter { taken.contains($0.url) }, stop: stop, between: {
                guard Date().timeIntervalSince(lastRenewal) >= Double(cluster.lease) / 3 else { return }
                lastRenewal = Date()
                do {
                    let held = try cluster.renew()
                    DaemonMetrics.cluster(leases: held, archiveWriter: cluster.writesArchive)
                    if held < claimed.count {
                        self.logger.warning("lease", metadata: ["claimed": "\(claimed.count)", "held": "\(held)",
                                                                "reason": "leases expired before renewal; another node may fetch those feeds"])
                    }
                } catch {
                    self.logger.error("lease", metadata: ["error": "\(error)", "reason": "cannot renew leases"])
                }
            }) { feed, result in dueAt[feed.url] = result.nextDueAt }
            applyFetchOptions()
            do {
                try cluster.release(claimed, dueAt: dueAt, fetched: round.fetched, newItems: round.newItems)
            } catch {
                logger.error("lease", metadata: ["error": "\(error)", "reason": "cannot release leases; they expire"])
            }
            if round.fetched == 0 { stop.sleep(seconds: 1) }  // nothing came of the round (a store failing): no busy loop
            notifier.notify("STATUS=\(statusLine())")
        }
        cluster.leave()
        notifier.notify("STOPPING=1")
        logger.info("stop", metadata: ["signal": .string(stop.signalName ?? "request")])
    }

    /// `once` in a cluster: every configured feed, due or not, that no daemon fetched since this pass began,
    /// claimed in rounds until none is left (feeds other daemons hold meanwhile are skipped).
    func runOnce(in cluster: PostgresCluster, stop: StopSignal?) -> PassSummary {
        register(in: cluster)
        logger.info("pass", metadata: ["feeds": "\(feeds.count)", "mode": "once", "node": .string(cluster.node)])
        let errorsBefore = pipeline.errorCount
        var summary = PassSummary()
        var left = feeds.map(\.url)
        let started = Int(Date().timeIntervalSince1970)
        while !left.isEmpty, stop?.isRequested != true {
            let claimed: [String]
            do {
                claimed = try cluster.claim(among: left, limit: claimSize, notFetchedSince: started)
            } catch {
                logger.error("store", metadata: ["error": "\(error)", "reason": "cannot claim feeds"])
                summary.errors += 1
                break
            }
            if claimed.isEmpty { break }  // the rest are leased by other daemons, or on hosts they hold
            let taken = Set(claimed)
            left.removeAll { taken.contains($0) }
            let round = fetch(feeds.filter { taken.contains($0.url) }, stop: stop)
            try? cluster.release(claimed, fetched: round.fetched, newItems: round.newItems)
            summary.add(round)
        }
        cluster.leave()
        summary.unarchived = pipeline.unarchivedCount()
        summary.errors += pipeline.errorCount - errorsBefore
        logger.info("pass_done", metadata: summary.logMetadata.merging(["skipped": "\(left.count)"]) { $1 })
        return summary
    }

    /// Every configured feed has its row and host in the shared store.
    private func register(in cluster: PostgresCluster) {
        do {
            try cluster.register(feeds: feeds.map(\.url))
        } catch {
            logger.error("store", metadata: ["error": "\(error)", "reason": "cannot register the configured feeds"])
        }
    }
}
