import Foundation

/// Appends archive records to `<state>/archive/YYYY-MM-DD.jsonl`, one line per unique item.
///
/// Records are written only after the store committed them, then marked archived in the store.
/// `reconcile` repairs the gap a crash can leave between the two: an item committed but not marked is
/// appended unless its line is already in its day file, so nothing is lost and nothing written twice.
public struct ArchiveWriter: Sendable {
    public let directory: URL

    public init(stateDirectory: URL) {
        directory = stateDirectory.appendingPathComponent("archive", isDirectory: true)
    }

    public func fileURL(day: String) -> URL {
        directory.appendingPathComponent("\(day).jsonl")
    }

    /// Appends the records to their day files and flushes them to disk (one fsync per file) before returning.
    /// Returns where each record's line went, in the records' order.
    ///
    /// Lines are written in the records' order, through one buffer of at most ~`chunkBytes`, so that appending a
    /// batch does not hold its whole encoding in memory (on the daemon's archive worker those pages would stay
    /// with the worker's malloc arena and raise the peak RSS). A line's offset is the file's size when opened
    /// (after its torn tail is cut) plus what was appended before it: one writer appends at a time (the state
    /// directory's lock, or the cluster's archive lock).
    @discardableResult
    public func append(_ records: [ArchiveRecord]) throws(ArchiveError) -> [ArchivedLine] {
        guard !records.isEmpty else { return [] }
        var files: [String: (fd: Int32, end: Int64)] = [:]
        var order: [String] = []
        var created = false
        defer { for f in files.values { close(f.fd) } }
        var placed: [ArchivedLine] = []
        placed.reserveCapacity(records.count)
        var buffer: [UInt8] = []
        buffer.reserveCapacity(Self.chunkBytes + 4096)
        var day = ""
        func flush() throws(ArchiveError) {
            guard !buffer.isEmpty else { return }
            try write(buffer, to: files[day]!.fd, path: fileURL(day: day).path)
            files[day]!.end += Int64(buffer.count)
            buffer.removeAll(keepingCapacity: true)
        }
        for r in records {
            if r.day != day {
                try flush()
                day = r.day
                if files[day] == nil {
                    let url = fileURL(day: day)
                    created = created || !FileManager.default.fileExists(atPath: url.path)
                    let fd = try openForAppending(url)
                    guard let size = POSIX.fileSize(fd) else {
                        close(fd)
                        throw ArchiveError(path: url.path, message: "cannot read its size: \(String(cString: strerror(errno)))")
                    }
                    files[day] = (fd, Int64(size))
                    order.append(day)
                }
            }
            let start = buffer.count
            ArchiveLineEncoder.append(r, to: &buffer)
            placed.append(ArchivedLine(id: r.id, location: ArchiveLineLocation(
                day: day, offset: files[day]!.end + Int64(start), length: buffer.count - start)))
            buffer.append(0x0A)
            if buffer.count >= Self.chunkBytes { try flush() }
        }
        try flush()
        for d in order {
            guard fsync(files[d]!.fd) == 0 else {
                throw ArchiveError(path: fileURL(day: d).path, message: "cannot flush: \(String(cString: strerror(errno)))")
            }
        }
        // A new day file's name is durable once its directory is: the store keeps no other copy of the text.
        if created { try sync(directory.path, directory: true) }
        return placed
    }

    static let chunkBytes = 64 << 10

    /// Appends every committed-but-unarchived item that its day file lacks, then marks them archived with where
    /// their lines are. Returns how many lines were written. Throws `ArchiveError` or the store's `StoreError`.
    @discardableResult
    public func reconcile(store: some ArchiveStorage) throws -> Int {
        let pending = try store.unarchivedItems()
        guard !pending.isEmpty else { return 0 }
        var missing: [ArchiveRecord] = []
        var found: [ArchivedLine] = []
        var known: [String: [String: ArchiveLineLocation]] = [:]
        for r in pending {
            let day = r.day
            if known[day] == nil { known[day] = try lines(in: day) }
            if let location = known[day]![r.id] {
                found.append(ArchivedLine(id: r.id, location: location))
            } else {
                missing.append(r)
            }
        }
        let written = try append(missing)
        // Lines found may still be only in the page cache (written before a crash, or by an append that failed
        // on a later day): on disk before their items' text leaves the store.
        for day in Set(found.map(\.location.day)) { try sync(fileURL(day: day).path, directory: false) }
        if !found.isEmpty { try sync(directory.path, directory: true) }
        try store.markArchived(found + written)
        return missing.count
    }

    /// Where each item's complete line is in a day file (`ArchiveReader.completeLines`: counting a torn last
    /// line would lose its item). An item twice in the file: its first line.
    func lines(in day: String) throws(ArchiveError) -> [String: ArchiveLineLocation] {
        guard let data = FileManager.default.contents(atPath: fileURL(day: day).path) else { return [:] }
        var out: [String: ArchiveLineLocation] = [:]
        var offset: Int64 = 0
        for line in ArchiveReader.completeLines(data) {
            if let id = Self.id(ofLine: line), out[id] == nil {
                out[id] = ArchiveLineLocation(day: day, offset: offset, length: line.count)
            }
            offset += Int64(line.count) + 1
        }
        return out
    }

    /// The id of a complete archive line: lines begin `{"schema":1,"id":"<64 hex>"`.
    static func id<S: Collection<UInt8>>(ofLine line: S) -> String? {
        let prefix = Array(#"{"schema":1,"id":""#.utf8)
        let bytes = Array(line)
        guard bytes.count > prefix.count + 64, bytes.starts(with: prefix), bytes.last == UInt8(ascii: "}") else { return nil }
        return String(decoding: bytes[prefix.count..<prefix.count + 64], as: UTF8.self)
    }

    /// Opens a day file for appending (created when missing), its torn last line cut off.
    private func openForAppending(_ file: URL) throws(ArchiveError) -> Int32 {
        do {
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        } catch {
            throw ArchiveError(path: directory.path, message: "cannot create the archive directory: \(error.localizedDescription)")
        }
        let fd = open(file.path, O_RDWR | O_CREAT | O_APPEND | O_CLOEXEC, 0o644)
        guard fd >= 0 else {
            throw ArchiveError(path: file.path, message: "cannot open for appending: \(String(cString: strerror(errno)))")
        }
        do throws(ArchiveError) {
            try dropTornTail(fd: fd, path: file.path)
        } catch {
            close(fd)
            throw error
        }
        return fd
    }

    /// fsync of a file or directory opened read-only for it.
    private func sync(_ path: String, directory: Bool) throws(ArchiveError) {
        let fd = open(path, O_RDONLY | O_CLOEXEC | (directory ? O_DIRECTORY : 0))
        guard fd >= 0 else { throw ArchiveError(path: path, message: "cannot open to flush: \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        guard fsync(fd) == 0 else { throw ArchiveError(path: path, message: "cannot flush: \(String(cString: strerror(errno)))") }
    }

    private func write(_ bytes: [UInt8], to fd: Int32, path: String) throws(ArchiveError) {
        let ok = Bytes.writeAll(bytes) { Glibc.write(fd, $0, $1) }
        guard ok else {
            throw ArchiveError(path: path, message: "cannot write: \(String(cString: strerror(errno)))")
        }
    }

    /// A crash in the middle of a write can leave a partial last line; cut it back to the last newline
    /// (its item is still unarchived in the store and is written again whole).
    private func dropTornTail(fd: Int32, path: String) throws(ArchiveError) {
        guard let size = POSIX.fileSize(fd), size > 0,
              let last = POSIX.pread(fd, count: 1, at: size - 1)?.first, last != UInt8(ascii: "\n") else { return }
        var end = size
        while end > 0 {
            let start = max(0, end - 4096)
            guard let chunk = POSIX.pread(fd, count: Int(end - start), at: start), !chunk.isEmpty else { break }
            if let i = chunk.lastIndex(of: UInt8(ascii: "\n")) {
                end = start + off_t(i) + 1
                break
            }
            end = start
        }
        guard ftruncate(fd, end) == 0 else {
            throw ArchiveError(path: path, message: "cannot cut a torn last line: \(String(cString: strerror(errno)))")
        }
    }
}
