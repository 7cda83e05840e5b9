/// The route table: every CMDB API bkcc calls, with its ESB and API-gateway routes. A request is built from its
/// entry here (`RequestBuilder.request`), so a new operation adds one entry and nothing else in this layer.
///
/// ESB components all take `POST {base}/api/c/compapi/v2/cc/{name}/` with `bk_obj_id` in the JSON body; the
/// gateway takes `{method} {base}/api/bk-cmdb/{stage}{gatewayPath}` with `bk_obj_id` in the path.
public struct Route: Sendable, Equatable {
    /// The ESB component's name, e.g. "batch_create_inst".
    public let name: String
    /// The gateway's HTTP method.
    public let gatewayMethod: String
    /// The gateway's path below the stage; `{bk_obj_id}` stands for the model.
    public let gatewayPath: String
    /// False for an API the ESB has no component for (the gateway only).
    public let onESB: Bool

    public init(name: String, gatewayMethod: String, gatewayPath: String, onESB: Bool = true) {
        self.name = name
        self.gatewayMethod = gatewayMethod
        self.gatewayPath = gatewayPath
        self.onESB = onESB
    }

    public var esbPath: String { "/api/c/compapi/v2/cc/\(name)/" }

    /// bk-cmdb `src/apiserver` routes `createmany/instance/object/{bk_obj_id}` to the topo server's batch create.
    public static let batchCreateInst = Route(name: "batch_create_inst", gatewayMethod: "POST",
                                              gatewayPath: "/api/v3/createmany/instance/object/{bk_obj_id}")
    /// The instance search with conditions per model, used to look instances up by a unique field.
    public static let searchInst = Route(name: "search_inst", gatewayMethod: "POST",
                                         gatewayPath: "/api/v3/find/instassociation/object/{bk_obj_id}")

    /// Updates instances by id, one transaction per request.
    public static let batchUpdateInst = Route(name: "batch_update_inst", gatewayMethod: "PUT",
                                              gatewayPath: "/api/v3/updatemany/instance/object/{bk_obj_id}")
    /// Deletes instances by id, one transaction per request.
    public static let batchDeleteInst = Route(name: "batch_delete_inst", gatewayMethod: "DELETE",
                                              gatewayPath: "/api/v3/deletemany/instance/object/{bk_obj_id}")
    /// A model's instances by a filter, a page at a time (at most 500).
    public static let searchObjectInstances = Route(name: "search_object_instances", gatewayMethod: "POST",
                                                    gatewayPath: "/api/v3/search/instances/object/{bk_obj_id}")

    /// A model's attributes (bk-cmdb docs/apidoc/cc/cc.yaml: the ESB component's dest is /api/v3/find/objectattr;
    /// the gateway's resource in docs/apidoc/apigw/open/bk_apigw_resources_bk-cmdb.yaml). The model goes in the
    /// body on both: the path has no `{bk_obj_id}`.
    public static let searchObjectAttribute = Route(name: "search_object_attribute", gatewayMethod: "POST",
                                                    gatewayPath: "/api/v3/find/objectattr")
    /// A model's unique rules: a gateway resource only (docs/apidoc/apigw/backend/bk_apigw_resources_bk-cmdb.yaml);
    /// the ESB has no component for it, so over the ESB the rules come from the attributes' `isonly`.
    public static let searchObjectUnique = Route(name: "search_object_unique", gatewayMethod: "POST",
                                                 gatewayPath: "/api/v3/find/objectunique/object/{bk_obj_id}", onESB: false)

    public static let all: [Route] = [.batchCreateInst, .searchInst, .batchUpdateInst, .batchDeleteInst, .searchObjectInstances,
                                      .searchObjectAttribute, .searchObjectUnique]
}
