import BKCC
import CBKCCHeader
import CJansson

@_cdecl("bkcc_batch_create_inst")
public func bkcc_batch_create_inst(_ client: OpaquePointer?, _ objectID: UnsafePointer<CChar>?, _ details: UnsafePointer<json_t>?,
                                   _ options: UnsafePointer<json_t>?, _ err: UnsafeMutablePointer<bkcc_error>?) -> UnsafeMutablePointer<json_t>? {
    withStatus(err) { () throws(BKCCError) -> UnsafeMutablePointer<json_t>? in
        _ = try ClientHandle.borrow(client)
        throw BKCCError(.invalidArgument, "not built yet")
    } ?? nil
}

@_cdecl("bkcc_batch_create_inst_json")
public func bkcc_batch_create_inst_json(_ client: OpaquePointer?, _ objectID: UnsafePointer<CChar>?, _ detailsJSON: UnsafePointer<CChar>?,
                                        _ optionsJSON: UnsafePointer<CChar>?, _ err: UnsafeMutablePointer<bkcc_error>?) -> UnsafeMutablePointer<CChar>? {
    withStatus(err) { () throws(BKCCError) -> UnsafeMutablePointer<CChar>? in
        _ = try ClientHandle.borrow(client)
        throw BKCCError(.invalidArgument, "not built yet")
    } ?? nil
}

@_cdecl("bkcc_reconcile")
public func bkcc_reconcile(_ client: OpaquePointer?, _ objectID: UnsafePointer<CChar>?, _ details: UnsafePointer<json_t>?,
                           _ result: UnsafePointer<json_t>?, _ options: UnsafePointer<json_t>?,
                           _ err: UnsafeMutablePointer<bkcc_error>?) -> UnsafeMutablePointer<json_t>? {
    withStatus(err) { () throws(BKCCError) -> UnsafeMutablePointer<json_t>? in
        _ = try ClientHandle.borrow(client)
        throw BKCCError(.invalidArgument, "not built yet")
    } ?? nil
}
