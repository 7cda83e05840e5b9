/// Limits of the CMDB's API.
public enum BatchLimits {
    /// Instances per batch_create_inst call (`BKCC_MAX_BATCH`), hard-coded in the server.
    public static let maxBatch = 200
    /// Rows per search_inst page.
    public static let maxSearchPage = 200
    /// Items per batch_update_inst / batch_delete_inst request.
    public static let maxUpdateBatch = 200
    public static let maxDeleteBatch = 200
    /// Rows per search_object_instances page, the server's limit.
    public static let maxInstancePage = 500
}
