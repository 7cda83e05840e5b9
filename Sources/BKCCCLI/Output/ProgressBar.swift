/// A one-line progress bar on stderr: bar, percent, rows done of total, rate and ETA, redrawn at most 10 times a
/// second with `\r…\e[K`, and wiped before anything else is printed. Silent when disabled (stderr is not a
/// terminal, or `--no-progress`).
///
///     [###########-------------]  45%  4,500/10,000 rows  1,234 rows/s  ETA 0:05  3 failed
public final class ProgressBar {
    private let console: Console
    private let total: Int
    private let enabled: Bool
    private let clock: () -> UInt64
    private let started: UInt64
    private var lastDraw: UInt64 = 0
    private var drawn = false
    /// Rows already done when the bar started (resumed): not counted in the rate.
    private let baseline: Int

    public init(console: Console, total: Int, baseline: Int = 0, enabled: Bool, clock: @escaping () -> UInt64 = monotonicNanoseconds) {
        self.console = console
        self.total = total
        self.baseline = baseline
        self.enabled = enabled
        self.clock = clock
        started = clock()
    }

    /// Notes progress; redraws when 100 ms have passed since the last drawing (or `force`).
    public func update(done: Int, failed: Int, force: Bool = false) {
        guard enabled else { return }
        let now = clock()
        guard force || !drawn || now - lastDraw >= 100_000_000 else { return }
        lastDraw = now
        drawn = true
        console.rawError("\r" + line(done: done, failed: failed, elapsed: Double(now - started) / 1e9) + "\u{1B}[K")
    }

    /// Wipes the bar (before the summary).
    public func finish() {
        guard enabled, drawn else { return }
        console.rawError("\r\u{1B}[K")
        drawn = false
    }

    /// The text of the bar, fitted to the terminal's width.
    public func line(done: Int, failed: Int, elapsed: Double) -> String {
        let fraction = total > 0 ? min(1, Double(done) / Double(total)) : 0
        let width = 24
        let filled = Int((fraction * Double(width)).rounded(.down))
        let bar = "[" + String(repeating: "#", count: filled) + String(repeating: "-", count: width - filled) + "]"
        let percent = Int((fraction * 100).rounded(.down))
        let percentText = String(repeating: " ", count: max(0, 3 - String(percent).count)) + "\(percent)%"
        var parts = ["\(bar) \(percentText)", "\(grouped(done))/\(grouped(total)) rows"]
        if elapsed >= 0.5, done - baseline >= 50 {  // a rate from a handful of rows would be noise
            let rate = Double(done - baseline) / elapsed
            parts.append("\(grouped(Int(rate.rounded()))) rows/s")
            parts.append("ETA \(clockDuration(seconds: Double(total - done) / rate))")
        }
        if failed > 0 { parts.append("\(grouped(failed)) not created") }
        var text = parts.joined(separator: "  ")
        if text.count >= console.columns { text = String(text.prefix(max(10, console.columns - 1))) }
        return text
    }
}
