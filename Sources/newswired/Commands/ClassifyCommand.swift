import ArgumentParser

struct ClassifyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "classify", abstract: "Classify text against the topic model (not built yet).")
    func run() throws { throw ValidationError("classify is not built yet") }
}
