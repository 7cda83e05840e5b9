#if canImport(Glibc)
import Glibc
#endif

/// SIGINT and SIGTERM during an import. The first one is noted here and acted on by the import: no new request
/// starts, requests in flight finish and are reported, the rest is reported skipped, the summary is printed and
/// the exit code is 128 + the signal (130, 143). A second one stops waiting for the requests in flight: the
/// process exits at once with that code; their intent lines, flushed before they were sent, leave their rows of
/// unknown fate in the report, and `--resume` looks them up.
nonisolated(unsafe) var interruptSignal: sig_atomic_t = 0

private let secondSignalNote: StaticString =
    "\nbkcc: stopped waiting for the requests in flight: their rows are of unknown fate in the report; --resume looks them up\n"

func installInterruptHandlers() {
    interruptSignal = 0
    let handler: @convention(c) (Int32) -> Void = { signo in
        if interruptSignal != 0 {
            // Only async-signal-safe calls here: write(2) and _exit(2).
            _ = write(2, secondSignalNote.utf8Start, secondSignalNote.utf8CodeUnitCount)
            _exit(128 + signo)
        }
        interruptSignal = sig_atomic_t(signo)
    }
    signal(SIGINT, handler)
    signal(SIGTERM, handler)
}

func removeInterruptHandlers() {
    signal(SIGINT, SIG_DFL)
    signal(SIGTERM, SIG_DFL)
}

/// The signal that interrupted the import (0: none), and its name.
var interruptedBy: Int32 { Int32(interruptSignal) }

func signalName(_ signo: Int32) -> String {
    switch signo {
    case SIGINT: "SIGINT"
    case SIGTERM: "SIGTERM"
    default: "signal \(signo)"
    }
}
