import Dispatch
import Foundation
import Synchronization

/// Turns SIGTERM and SIGINT into a stop request, and SIGHUP into a reload request, that the daemon loop
/// can poll and sleep on. The first stop signal asks for a graceful stop; a second one exits at once.
public final class StopSignal: Sendable {
    private struct State {
        var requestedAt: DispatchTime?
        var signalName: String?
        var reloadPending = false
    }

    private let state = Mutex(State())
    private let wake = DispatchSemaphore(value: 0)
    /// Keeps the signal sources alive. Invariant behind `@unchecked Sendable`: appended only by `install`, on one
    /// thread, before any signal is handled; never read.
    private final class Sources: @unchecked Sendable { var list: [any DispatchSourceSignal] = [] }
    private let sources = Sources()

    public init() {}

    /// Installs the handlers. Call before announcing readiness: a signal raised before its source exists is lost.
    /// SIGUSR1 calls `onReopenLog` (from a Dispatch queue) when given.
    public func install(signals: [Int32] = [SIGTERM, SIGINT, SIGHUP], onReopenLog: (@Sendable () -> Void)? = nil) {
        var signals = signals
        if onReopenLog != nil { signals.append(SIGUSR1) }
        for sig in signals {
            signal(sig, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: sig, queue: .global())
            source.setEventHandler { [weak self] in
                guard let self else { return }
                if sig == SIGHUP {
                    self.requestReload()
                    return
                }
                if sig == SIGUSR1 {
                    onReopenLog?()
                    return
                }
                if self.isRequested { _exit(1) }  // a second signal: exit at once
                self.request(name: sig == SIGINT ? "SIGINT" : sig == SIGTERM ? "SIGTERM" : "signal \(sig)")
            }
            source.resume()
            sources.list.append(source)
        }
    }

    public func request(name: String = "request") {
        state.withLock {
            if $0.requestedAt == nil {
                $0.requestedAt = .now()
                $0.signalName = name
            }
        }
        wake.signal()
    }

    public func requestReload() {
        state.withLock { $0.reloadPending = true }
        wake.signal()
    }

    /// True once per SIGHUP received (several before the loop looks count as one).
    public func takeReload() -> Bool {
        state.withLock { s in
            defer { s.reloadPending = false }
            return s.reloadPending
        }
    }

    public var isRequested: Bool { state.withLock { $0.requestedAt != nil } }
    public var signalName: String? { state.withLock { $0.signalName } }

    /// Seconds since the stop was requested (nil while running).
    public var secondsSinceRequest: Double? {
        state.withLock { s in
            s.requestedAt.map { Double(DispatchTime.now().uptimeNanoseconds - $0.uptimeNanoseconds) / 1e9 }
        }
    }

    /// Sleeps up to `seconds`, returning early when a stop or a reload is requested.
    public func sleep(seconds: Double) {
        guard !isRequested, seconds > 0 else { return }
        _ = wake.wait(timeout: .now() + seconds)
        if isRequested { wake.signal() }  // keep later sleeps from blocking
    }
}
