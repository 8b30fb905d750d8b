import Foundation
@testable import NewswireCore

extension Pipeline {
    /// A pipeline over a new store and archive in `t`, with the shipped model and the default schedule policy.
    static func fixture(_ t: TempState) throws -> Pipeline {
        Pipeline(store: try ItemStore(stateDirectory: t.url), archive: ArchiveWriter(stateDirectory: t.url),
                 classifier: TopicClassifier(model: try TopicModel.load(contentsOf: Paths.model)),
                 policy: SchedulePolicy(poll: DaemonConfig.Poll(), backoff: DaemonConfig.Backoff()))
    }
}
