import BKCC
import CBKCCHeader
import CJansson

@_cdecl("bkcc_batch_delete_inst")
public func bkcc_batch_delete_inst(_ client: OpaquePointer?, _ objectID: UnsafePointer<CChar>?, _ ids: UnsafePointer<json_t>?,
                                   _ options: UnsafePointer<json_t>?, _ err: UnsafeMutablePointer<bkcc_error>?) -> UnsafeMutablePointer<json_t>? {
    batchExport(delete, client, objectID, ids, "inst_ids", options, err)
}

@_cdecl("bkcc_batch_delete_inst_json")
public func bkcc_batch_delete_inst_json(_ client: OpaquePointer?, _ objectID: UnsafePointer<CChar>?, _ idsJSON: UnsafePointer<CChar>?,
                                        _ optionsJSON: UnsafePointer<CChar>?, _ err: UnsafeMutablePointer<bkcc_error>?) -> UnsafeMutablePointer<CChar>? {
    batchExportJSON(delete, client, objectID, idsJSON, "inst_ids_json", optionsJSON, err)
}

private func delete(_ client: Client, _ objectID: String, _ items: JSON, _ options: BatchOptions, _ transport: (any Transport)?,
                    _ progress: ((ProgressEvent) -> Bool)?) throws(BKCCError) -> BatchResult {
    try client.batchDeleteInstances(objectID: objectID, instanceIDs: items, options: options, transport: transport, progress: progress)
}
