/// Limits of the CMDB's API.
public enum BatchLimits {
    /// Instances per batch_create_inst call (`BKCC_MAX_BATCH`), hard-coded in the server.
    public static let maxBatch = 200
    /// Rows per search_inst page.
    public static let maxSearchPage = 200
}
