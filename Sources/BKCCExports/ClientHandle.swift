import BKCC
import CBKCCHeader
import Synchronization

/// What a `bkcc_client *` points to: the core client and the C callbacks installed on it.
final class ClientHandle: Sendable {
    struct Callbacks {
        var transport: bkcc_transport_fn?
        var transportUser: UnsafeMutableRawPointer?
        var progress: bkcc_progress_fn?
        var progressUser: UnsafeMutableRawPointer?
    }

    let client: Client
    /// Set by one thread, read by the threads that run batch calls.
    let callbacks = Mutex<CallbacksBox>(CallbacksBox(Callbacks()))

    init(client: Client) { self.client = client }

    /// The callbacks hold C pointers, which Swift does not know to be sendable; the host owns their thread rules.
    struct CallbacksBox: @unchecked Sendable {
        var value: Callbacks
        init(_ value: Callbacks) { self.value = value }
    }

    var currentCallbacks: Callbacks { callbacks.withLock { $0.value } }

    /// A new `bkcc_client *` holding one reference to `handle`.
    static func open(_ handle: ClientHandle) -> OpaquePointer {
        OpaquePointer(Unmanaged.passRetained(handle).toOpaque())
    }

    /// The handle behind a `bkcc_client *`, borrowed for the call.
    static func borrow(_ pointer: OpaquePointer?) throws(BKCCError) -> ClientHandle {
        guard let pointer else { throw BKCCError(.invalidArgument, "client: must not be NULL") }
        return Unmanaged<ClientHandle>.fromOpaque(UnsafeRawPointer(pointer)).takeUnretainedValue()
    }

    /// Gives back the reference `open` made.
    static func close(_ pointer: OpaquePointer?) {
        guard let pointer else { return }
        Unmanaged<ClientHandle>.fromOpaque(UnsafeRawPointer(pointer)).release()
    }
}
