import BKCC
import CBKCCHeader
import CJansson

@_cdecl("bkcc_batch_update_inst")
public func bkcc_batch_update_inst(_ client: OpaquePointer?, _ objectID: UnsafePointer<CChar>?, _ updates: UnsafePointer<json_t>?,
                                   _ options: UnsafePointer<json_t>?, _ err: UnsafeMutablePointer<bkcc_error>?) -> UnsafeMutablePointer<json_t>? {
    batchExport(update, client, objectID, updates, "updates", options, err)
}

@_cdecl("bkcc_batch_update_inst_json")
public func bkcc_batch_update_inst_json(_ client: OpaquePointer?, _ objectID: UnsafePointer<CChar>?, _ updatesJSON: UnsafePointer<CChar>?,
                                        _ optionsJSON: UnsafePointer<CChar>?, _ err: UnsafeMutablePointer<bkcc_error>?) -> UnsafeMutablePointer<CChar>? {
    batchExportJSON(update, client, objectID, updatesJSON, "updates_json", optionsJSON, err)
}

private func update(_ client: Client, _ objectID: String, _ items: JSON, _ options: BatchOptions, _ transport: (any Transport)?,
                    _ progress: ((ProgressEvent) -> Bool)?) throws(BKCCError) -> BatchResult {
    try client.batchUpdateInstances(objectID: objectID, updates: items, options: options, transport: transport, progress: progress)
}
