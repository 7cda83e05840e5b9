import BKCC
import CBKCCHeader
import CJansson

@_cdecl("bkcc_client_new")
public func bkcc_client_new(_ config: UnsafePointer<json_t>?, _ err: UnsafeMutablePointer<bkcc_error>?) -> OpaquePointer? {
    withStatus(err) { () throws(BKCCError) in
        let json = try requiredJSON(config, "config")
        return ClientHandle.open(ClientHandle(client: try Client(configuration: Configuration(json: json))))
    }
}

@_cdecl("bkcc_client_new_json")
public func bkcc_client_new_json(_ configJSON: UnsafePointer<CChar>?, _ err: UnsafeMutablePointer<bkcc_error>?) -> OpaquePointer? {
    withStatus(err) { () throws(BKCCError) in
        let json = try parsedJSON(configJSON, "config_json")
        // Only the key and kind reach a message: a parse error never quotes the text, which holds secrets.
        return ClientHandle.open(ClientHandle(client: try Client(configuration: Configuration(json: json ?? .null))))
    }
}

@_cdecl("bkcc_client_free")
public func bkcc_client_free(_ client: OpaquePointer?) {
    ClientHandle.close(client)
}

@_cdecl("bkcc_client_set_transport")
public func bkcc_client_set_transport(_ client: OpaquePointer?, _ fn: bkcc_transport_fn?, _ user: UnsafeMutableRawPointer?) {
    guard let handle = try? ClientHandle.borrow(client) else { return }
    handle.callbacks.withLock {
        $0.value.transport = fn
        $0.value.transportUser = fn == nil ? nil : user
    }
}

@_cdecl("bkcc_client_set_progress")
public func bkcc_client_set_progress(_ client: OpaquePointer?, _ fn: bkcc_progress_fn?, _ user: UnsafeMutableRawPointer?) {
    guard let handle = try? ClientHandle.borrow(client) else { return }
    handle.callbacks.withLock {
        $0.value.progress = fn
        $0.value.progressUser = fn == nil ? nil : user
    }
}
