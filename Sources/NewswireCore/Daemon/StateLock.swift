import Foundation

/// One writer per state directory: `run`, `once` and `store rebuild` hold an exclusive `flock` on
/// `<state>/lock` for as long as they live, with the holder's PID in the file for the refusal message. Two
/// writers would each append items the other committed and had not yet archived. Readers (`archive`, `feeds
/// list`, `status`) take no lock. The kernel drops the lock when the process dies, so a crash leaves none.
public final class StateLock: Sendable {
    /// The open lock file; closing it releases the lock. Owned by this object alone.
    private let fd: Int32
    public let path: String

    /// Takes the lock or throws `StateLockError` naming the holder.
    public init(stateDirectory: URL) throws(StateLockError) {
        path = stateDirectory.appendingPathComponent("lock").path
        do {
            try FileManager.default.createDirectory(at: stateDirectory, withIntermediateDirectories: true)
        } catch {
            throw StateLockError(path: path, message: "cannot create the state directory: \(error.localizedDescription)")
        }
        let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else {
            let reason = errno == EACCES ? "permission denied" : String(cString: strerror(errno))
            throw StateLockError(path: path, message: "cannot open the lock file: \(reason)")
        }
        if flock(fd, LOCK_EX | LOCK_NB) != 0 {
            let busy = errno == EWOULDBLOCK
            let reason = String(cString: strerror(errno))
            let holder = Self.holder(fd: fd)
            close(fd)
            guard busy else { throw StateLockError(path: path, message: "cannot lock: \(reason)") }
            let who = holder.map { "newswired (pid \($0))" } ?? "another newswired process"
            throw StateLockError(path: path, message: "the state directory is in use by \(who); one daemon per state directory (read-only commands such as archive, feeds list and status work beside it)")
        }
        _ = ftruncate(fd, 0)
        Bytes.writeAll(Array("\(getpid())\n".utf8)) { write(fd, $0, $1) }
        self.fd = fd
    }

    deinit { close(fd) }

    /// The PID written by the lock's holder, if readable.
    private static func holder(fd: Int32) -> Int32? {
        guard let bytes = POSIX.pread(fd, count: 32, at: 0), !bytes.isEmpty else { return nil }
        return Int32(String(decoding: bytes, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines))
    }
}

public struct StateLockError: Error, Sendable, CustomStringConvertible {
    public var path: String
    public var message: String
    public var description: String { "\(path): \(message)" }
}
