#if canImport(Glibc)
import Glibc
#endif
import Synchronization

/// Runs `body` on a new detached POSIX thread (no Foundation in the library); on the calling thread when no
/// thread can be had.
func runOnOwnThread(_ body: @escaping @Sendable () -> Void) {
    var thread = pthread_t()
    if startThread(&thread, body) {
        pthread_detach(thread)
    } else {
        body()
    }
}

/// A value computed on its own POSIX thread while the caller goes on; `value(unless:)` waits for it (a semaphore the
/// thread posts, then pthread_join, which also makes the thread's writes visible here). Computed by the wait itself
/// when no thread can be had.
public final class ThreadResult<Value: Sendable>: @unchecked Sendable {
    private let body: @Sendable () -> Value
    private var thread = pthread_t()
    private var running = false
    // Written by the thread before it posts `finished`, read only after the join.
    private var result: Value?
    private let finished = UnsafeMutablePointer<sem_t>.allocate(capacity: 1)
    private let done = Atomic<Bool>(false)

    private init(_ body: @escaping @Sendable () -> Value) {
        self.body = body
        sem_init(finished, 0, 0)
    }

    /// `body`, started on its own thread.
    public static func start(_ body: @escaping @Sendable () -> Value) -> ThreadResult {
        let task = ThreadResult(body)
        task.running = startThread(&task.thread) {
            task.result = task.body()
            task.done.store(true, ordering: .releasing)
            sem_post(task.finished)
        }
        return task
    }

    /// Whether the thread is still computing the value.
    public var isRunning: Bool { running && !done.load(ordering: .acquiring) }

    /// The value, or nil as soon as `stop` says so (checked every 100 ms at most, and whenever a signal handler
    /// runs: sem_timedwait then returns EINTR). Call from one thread only.
    public func value(unless stop: () -> Bool = { false }) -> Value? {
        if running {
            while true {
                if stop() { return nil }
                var deadline = timespec()
                clock_gettime(CLOCK_REALTIME, &deadline)
                deadline.tv_nsec += 100_000_000
                if deadline.tv_nsec >= 1_000_000_000 {
                    deadline.tv_sec += 1
                    deadline.tv_nsec -= 1_000_000_000
                }
                if sem_timedwait(finished, &deadline) == 0 { break }
            }
            pthread_join(thread, nil)
            running = false
        }
        if let result { return result }
        let computed = body()
        result = computed
        return computed
    }

    deinit {
        // The thread holds the task until its body is done; one never joined is detached so its resources go back.
        if running { pthread_detach(thread) }
        sem_destroy(finished)
        finished.deallocate()
    }
}

/// What a thread runs, handed to it through pthread_create's one pointer. A C function pointer cannot capture a
/// generic context, so every thread starts in the one non-generic `threadEntry` below.
private final class ThreadBody: @unchecked Sendable {
    let run: () -> Void
    init(_ run: @escaping () -> Void) { self.run = run }
}

private func threadEntry(_ raw: UnsafeMutableRawPointer?) -> UnsafeMutableRawPointer? {
    guard let raw else { return nil }
    Unmanaged<ThreadBody>.fromOpaque(raw).takeRetainedValue().run()
    return nil
}

/// Starts `body` on a new thread; false (nothing started) when no thread can be had.
private func startThread(_ thread: inout pthread_t, _ body: @escaping () -> Void) -> Bool {
    let box = Unmanaged.passRetained(ThreadBody(body)).toOpaque()
    guard pthread_create(&thread, nil, threadEntry, box) == 0 else {
        Unmanaged<ThreadBody>.fromOpaque(box).release()
        return false
    }
    return true
}
