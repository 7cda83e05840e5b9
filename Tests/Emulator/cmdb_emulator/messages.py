"""The message catalogue and error codes: English texts are those of the CMDB / ESB / gateway sources. CMDB answers in
English only for the language "en" and in Chinese ("zh") for anything else (envelopes.language); the ESB sends "en" when
Blueking-Language is absent, the gateway forwards X-Bkcmdb-Language as it is. The README ("Faults of the real servers")
cites the source file and line of every text below that a fault answers with."""

MESSAGES = {
    "en": {
        # CMDB, whole request
        "json": "Deserializing JSON data failed",
        "inner_model": "forbidden operate inner model instance with common instance API",
        "mainline_model": "forbidden operate mainline model instance with common instance API",
        "model_not_found": "model [map[bk_obj_id:{0}]] not found",
        "need_data": "need data {0} is null",
        "exceed_limit": " {0} exceed the limit {1}",
        "http_failed": "HTTP request failed",
        # a template without %s given an argument: Go's fmt appends %!(EXTRA string=...)
        "http_failed_extra": "HTTP request failed%!(EXTRA string={0})",
        "param_invalid": "'{0}' the parameter is invalid or does not exist",
        "param_check": "'{0}' data parameter verification does not pass",
        "page_limit": "page limit is exceeded",
        "not_found": "No relevant data found",
        "audit": "save audit log failed",   # resources/errors/english/en/common.json:93
        "no_permission": "no permission",
        # CMDB, one item (resources/errors/english/en/common.json; a text without %s given an argument gets Go's
        # %!(EXTRA string=...) suffix)
        "unassigned": "'{0}' unassigned",                                      # 1199010
        "need_string": "'{0}' must be a string type",                          # 1199007
        "need_int": "'{0}' parameters must be integral",                       # 1199009
        "need_bool": "'{0}' must be boolean",                                  # 1199025
        "need_timezone": "'{0}' must be a string type",                        # 1199024
        "over_limit": "Data out of bounds%!(EXTRA string={0})",                # 1199015
        "regex": "'{0}' Field regular check failed",                           # 1199016
        "single_choice": "current field type status is single choice, please set reasonable data"
                         "%!(EXTRA string={0})",                               # 1199092
        "list_option": "parsing property list content failed%!(EXTRA string={0})",   # 1199080
        # {0} is the Mongo duplicate key as CMDB cuts it out: ' bk_asset_id: "test_001" ' (spaces included)
        "duplicated": "duplicated instances exist, fields [{0}] duplicated",
        # ESB
        "esb_app_code": "APP Code [bk_app_code] cannot be empty",
        "esb_app_secret": "APP Secret [bk_app_secret] cannot be empty",
        "esb_app_wrong": "APP authentication failed, please check that bk_app_code and bk_app_secret are correct",
        "esb_user": "User authentication failed, please provide a valid user identity, such as bk_token, bk_username",
        "esb_auth_header": "Parameters error, request header [X-Bkapi-Authorization] is not a valid JSON object",
        "esb_param_required": "Parameters error, param {0} is required",
        "esb_rate": "Request rate exceeds the limit, please try again later",
        "esb_not_found": "The component [{0}] does not exist",
        "esb_method": "Request method [{0}] is not allowed for this component",
    },
    "zh": {
        "json": "反序列化JSON数据失败",
        "inner_model": "禁止使用通用实例接口操作内置模型实例",
        "mainline_model": "禁止使用通用实例接口操作主线模型实例",
        # the API server's auth parser builds this text with fmt.Errorf: English in every language
        "model_not_found": "model [map[bk_obj_id:{0}]] not found",
        "need_data": "数据 {0} 不能为空",
        "exceed_limit": " {0} 超过限制 {1}",
        "http_failed": "HTTP请求失败",
        "http_failed_extra": "HTTP请求失败%!(EXTRA string={0})",
        "param_invalid": "'{0}' 参数无效或不存在",
        "param_check": "'{0}' 数据参数校验不通过",
        "page_limit": "分页查询数量超过限制的最大值",
        "not_found": "未找到相关数据",
        "audit": "保存操作审计日志失败",
        "no_permission": "没有权限",
        "unassigned": "'{0}' 未赋值",
        "need_string": "'{0}' 必须为字符串类型",
        "need_int": "'{0}' 参数必须是整型",
        "need_bool": "'{0}' 必须为bool类型",
        "need_timezone": "'{0}' 必须为字符串类型",
        "over_limit": "'{0}' 数据越界",
        "regex": "'{0}' 字段正则校验失败",
        "single_choice": "当前字段类型状态为单选，请设置合理数据%!(EXTRA string={0})",
        "list_option": "解析属性列表内容失败%!(EXTRA string={0})",
        "duplicated": "数据唯一性校验失败， {0} 重复",
        "esb_app_code": "应用编码 [bk_app_code] 不能为空",
        "esb_app_secret": "应用密钥 [bk_app_secret] 不能为空",
        "esb_app_wrong": "应用认证失败，请确认 bk_app_code 和 bk_app_secret 是否正确",
        "esb_user": "用户认证失败，请提供有效的用户身份，如 bk_token、bk_username",
        "esb_auth_header": "参数错误，请求头 [X-Bkapi-Authorization] 不是有效的 JSON 对象",
        "esb_param_required": "参数错误，参数 {0} 为必填项",
        "esb_rate": "请求频率超过限制，请稍后重试",
        "esb_not_found": "组件 [{0}] 不存在",
        "esb_method": "该组件不支持请求方法 [{0}]",
    },
}

CODES = {
    "json": 1199000, "http_failed": 1199002, "param_check": 1199006, "param_invalid": 1199011,
    "duplicated": 1199014, "not_found": 1199019, "unassigned": 1199010,
    "exceed_limit": 1199035, "need_data": 1199038, "model_not_found": 1199045,
    "page_limit": 1199059, "mainline_model": 1199075, "inner_model": 1199084,
    "audit": 1109001, "no_permission": 9900403, "too_many_requests": 1199997, "unknown_error": 1199998,
}

# what the topo server's model check of a read (AuthManager.HasInstOpAuth) says when the model does not exist; a plain
# Go error, so CMDB answers it as 1199998 with this text, English in every language
CMDB_MODEL_NOT_FOUND_FOR_AUTH = "get model by objID failed, val: [{0}]"

# CMDB's own rate limiter (apiserver): a fixed English text whatever the language
CMDB_TOO_MANY_REQUESTS = "too many requests"
# what the topo server's core-service client reports when its HTTP call failed (errors.CCHttpError)
CMDB_HTTP_ERROR = "http request failed"

ESB_AUTH_FAILED = 1306000
ESB_PARAM_ERROR = 1306406
ESB_RATE_LIMITED = 1306429
ESB_NOT_FOUND = 1306404
ESB_METHOD = 1306405
GW_INVALID_ARGS = 1640001
GW_NOT_FOUND = 1640401
GW_RATE_LIMITED = 1642902
ESB_THIRD_PARTY_ERROR = 1306201
ESB_COMMON_ERROR = 1306000

# The ESB's answers when CMDB did not answer in time / answered something that is not JSON (always English)
ESB_TIMEOUT_SECONDS = 30
ESB_THIRD_PARTY_TEMPLATE = ("Component request third-party system [{system}] interface [{interface}] error: {error}, "
                            "please try again later or contact component developer to handle this")
ESB_READ_TIMEOUT = "Third-party system interface response time exceeds {0} seconds"
ESB_NOT_JSON = "Request interface error, the response content is not a json string: {0}"

# The API gateway's own errors (errorx.lua): fault name -> (HTTP status, code, code_name, message)
GW_UPSTREAM_TIMEOUT = "connection timed out while reading response header from upstream OR reading upstream"
GW_UPSTREAM_RESET = "connection reset by peer OR upstream prematurely closed connection"
GW_5XX = {
    "gw_504": (504, 1650401, "REQUEST_BACKEND_TIMEOUT",
               'Request backend service timeout [upstream_error="%s"]' % GW_UPSTREAM_TIMEOUT),
    "gw_502_requesting": (502, 1650201, "ERROR_REQUESTING_RESOURCE", "Request backend service failed"),
    "gw_502_bad_gateway": (502, 1650200, "BAD_GATEWAY", 'Bad Gateway [upstream_error="%s"]' % GW_UPSTREAM_RESET),
    "gw_500": (500, 1650000, "REQUEST_RESOURCE_5xx", "Request backend service status code is 5xx"),
    "gw_500_1650001": (500, 1650001, "INTERNAL_SERVER_ERROR", "Internal Server Error"),
    "gw_503": (503, 1650300, "SERVICE_UNAVAILABLE", "Service Unavailable"),
}
# fault name -> (code, code_name, message, the rate-limit plugin named in X-Bkapi-RateLimit-Plugin or None)
GW_429 = {
    "gw_429_1642901": (1642901, "RATE_LIMIT_RESTRICTION", "API rate limit exceeded by stage global limit",
                       "bk-stage-global-rate-limit"),
    "gw_429_1642902": (1642902, "RATE_LIMIT_RESTRICTION", "API rate limit exceeded by stage strategy",
                       "bk-stage-rate-limit"),
    "gw_429_1642903": (1642903, "RATE_LIMIT_RESTRICTION", "API rate limit exceeded by resource strategy",
                       "bk-resource-rate-limit"),
    "gw_429_1642904": (1642904, "CONCURRENCY_LIMIT_RESTRICTION", "Request concurrency exceeds", None),
}
GW_RATE_LIMIT_TOKENS = 100          # the per-resource default the reference names (100 requests/s)
GW_NAMES = {"apigw": "bk-cmdb", "esb": "bk-esb"}   # the gateway in front of each route (BK_ESB_GATEWAY_NAME)


def msg(lang, key, *args):
    table = MESSAGES.get(lang) or MESSAGES["en"]
    return table[key].format(*args)

