import CBKCCHeader

// Compile-time check that every export has exactly the type include/bkcc.h declares: each line fails to
// compile when the Swift function and the header's prototype disagree. Nothing here runs.

private struct SameType<T>: Sendable { init(_: T.Type, _: T.Type) {} }

private let headerAgreement: [any Sendable] = [
    SameType(type(of: BKCCExports.bkcc_version), type(of: CBKCCHeader.bkcc_version)),
    SameType(type(of: BKCCExports.bkcc_status_name), type(of: CBKCCHeader.bkcc_status_name)),
    SameType(type(of: BKCCExports.bkcc_status_text), type(of: CBKCCHeader.bkcc_status_text)),
    SameType(type(of: BKCCExports.bkcc_config_schema), type(of: CBKCCHeader.bkcc_config_schema)),
    SameType(type(of: BKCCExports.bkcc_free), type(of: CBKCCHeader.bkcc_free)),
    SameType(type(of: BKCCExports.bkcc_json_decref), type(of: CBKCCHeader.bkcc_json_decref)),
    SameType(type(of: BKCCExports.bkcc_client_new), type(of: CBKCCHeader.bkcc_client_new)),
    SameType(type(of: BKCCExports.bkcc_client_new_json), type(of: CBKCCHeader.bkcc_client_new_json)),
    SameType(type(of: BKCCExports.bkcc_client_free), type(of: CBKCCHeader.bkcc_client_free)),
    SameType(type(of: BKCCExports.bkcc_client_set_transport), type(of: CBKCCHeader.bkcc_client_set_transport)),
    SameType(type(of: BKCCExports.bkcc_client_set_progress), type(of: CBKCCHeader.bkcc_client_set_progress)),
    SameType(type(of: BKCCExports.bkcc_batch_create_inst), type(of: CBKCCHeader.bkcc_batch_create_inst)),
    SameType(type(of: BKCCExports.bkcc_batch_create_inst_json), type(of: CBKCCHeader.bkcc_batch_create_inst_json)),
    SameType(type(of: BKCCExports.bkcc_reconcile), type(of: CBKCCHeader.bkcc_reconcile)),
    SameType(type(of: BKCCExports.bkcc_batch_update_inst), type(of: CBKCCHeader.bkcc_batch_update_inst)),
    SameType(type(of: BKCCExports.bkcc_batch_update_inst_json), type(of: CBKCCHeader.bkcc_batch_update_inst_json)),
    SameType(type(of: BKCCExports.bkcc_batch_delete_inst), type(of: CBKCCHeader.bkcc_batch_delete_inst)),
    SameType(type(of: BKCCExports.bkcc_batch_delete_inst_json), type(of: CBKCCHeader.bkcc_batch_delete_inst_json)),
    SameType(type(of: BKCCExports.bkcc_search_inst), type(of: CBKCCHeader.bkcc_search_inst)),
    SameType(type(of: BKCCExports.bkcc_search_inst_json), type(of: CBKCCHeader.bkcc_search_inst_json)),
    SameType(type(of: BKCCExports.bkcc_reconcile_json), type(of: CBKCCHeader.bkcc_reconcile_json)),
    SameType(type(of: BKCCExports.bkcc_validate), type(of: CBKCCHeader.bkcc_validate)),
    SameType(type(of: BKCCExports.bkcc_validate_json), type(of: CBKCCHeader.bkcc_validate_json)),
    SameType(type(of: BKCCExports.bkcc_build_request), type(of: CBKCCHeader.bkcc_build_request)),
    SameType(type(of: BKCCExports.bkcc_build_request_json), type(of: CBKCCHeader.bkcc_build_request_json)),
    SameType(type(of: BKCCExports.bkcc_parse_response), type(of: CBKCCHeader.bkcc_parse_response)),
    SameType(type(of: BKCCExports.bkcc_parse_response_json), type(of: CBKCCHeader.bkcc_parse_response_json)),
    SameType(type(of: BKCCExports.bkcc_get_model), type(of: CBKCCHeader.bkcc_get_model)),
    SameType(type(of: BKCCExports.bkcc_get_model_json), type(of: CBKCCHeader.bkcc_get_model_json)),
    SameType(type(of: BKCCExports.bkcc_validate_model), type(of: CBKCCHeader.bkcc_validate_model)),
    SameType(type(of: BKCCExports.bkcc_validate_model_json), type(of: CBKCCHeader.bkcc_validate_model_json)),
    SameType(type(of: BKCCExports.bkcc_sync_plan), type(of: CBKCCHeader.bkcc_sync_plan)),
    SameType(type(of: BKCCExports.bkcc_sync_plan_json), type(of: CBKCCHeader.bkcc_sync_plan_json)),
    // The request log (Exports+Log.swift).
    SameType(type(of: BKCCExports.bkcc_client_set_log), type(of: CBKCCHeader.bkcc_client_set_log)),
]
