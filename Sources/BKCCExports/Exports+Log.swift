import BKCC
import CBKCCHeader

/// The host's log function and its user pointer, which Swift cannot know to be sendable: the host owns their
/// thread rules (bkcc.h: called on the thread that runs the call).
private struct LogTarget: @unchecked Sendable {
    let fn: bkcc_log_fn
    let user: UnsafeMutableRawPointer?
}

@_cdecl("bkcc_client_set_log")
public func bkcc_client_set_log(_ client: OpaquePointer?, _ level: Int32, _ fn: bkcc_log_fn?, _ user: UnsafeMutableRawPointer?) {
    guard let handle = try? ClientHandle.borrow(client) else { return }
    guard let fn, let wanted = RequestLog.Level(rawValue: Int(min(max(level, 0), 2))) else {
        handle.client.setRequestLog(nil)
        return
    }
    let target = LogTarget(fn: fn, user: user)
    handle.client.setRequestLog(RequestLog(level: wanted) { level, text in
        text.withCString { target.fn(Int32(level.rawValue), $0, target.user) }
    })
}
