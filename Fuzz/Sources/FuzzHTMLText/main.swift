import CLibFuzzer
import Foundation

// libFuzzer's command line (corpus directories, -max_len=, -runs=, a file to replay, …) runs the
// target in FuzzHTMLText.swift.
var argc = CommandLine.argc
var argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = CommandLine.unsafeArgv
exit(LLVMFuzzerRunDriver(&argc, &argv, fuzzHTMLText))
