import ArgumentParser

struct ModelCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "model", abstract: "Build, train and evaluate the topic model (not built yet).")
    func run() throws { throw ValidationError("model is not built yet") }
}
