"""The message catalogue and error codes: English texts are those of the CMDB / ESB / gateway sources; "zh" answers
Blueking-Language: zh-cn on the ESB and X-Bkcmdb-Language: zh-cn on the gateway."""

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
        "param_invalid": "'{0}' the parameter is invalid or does not exist",
        "param_check": "'{0}' data parameter verification does not pass",
        "page_limit": "page limit is exceeded",
        "audit": "failed to save the operation audit log",
        "no_permission": "no permission",
        # CMDB, one item
        "unassigned": "'{0}' unassigned",
        "need_string": "'{0}' must be a string type",
        "need_int": "'{0}' parameters must be integral",
        "need_float": "param '{0}' should be a fload number",
        "need_bool": "'{0}' must be boolean",
        "out_of_bounds": "'{0}' data out of bounds",
        "regex": "Regular verification of Field '{0}' failed",
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
        "model_not_found": "模型 [map[bk_obj_id:{0}]] 不存在",
        "need_data": "数据 {0} 不能为空",
        "exceed_limit": " {0} 超过限制 {1}",
        "http_failed": "HTTP请求失败",
        "param_invalid": "'{0}' 参数无效或不存在",
        "param_check": "'{0}' 数据参数校验不通过",
        "page_limit": "分页查询数量超过限制的最大值",
        "audit": "保存操作审计日志失败",
        "no_permission": "没有权限",
        "unassigned": "'{0}' 未赋值",
        "need_string": "'{0}' 必须为字符串类型",
        "need_int": "'{0}' 参数必须是整型",
        "need_float": "'{0}' 参数应为浮点数字",
        "need_bool": "'{0}' 必须为布尔类型",
        "out_of_bounds": "'{0}' 数据越界",
        "regex": "字段 '{0}' 正则校验失败",
        "duplicated": "数据唯一性校验失败， [{0}] 重复",
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
    "exceed_limit": 1199035, "need_data": 1199038, "model_not_found": 1199045,
    "page_limit": 1199059, "mainline_model": 1199075, "inner_model": 1199084,
    "audit": 1109001, "no_permission": 9900403,
}

ESB_AUTH_FAILED = 1306000
ESB_PARAM_ERROR = 1306406
ESB_RATE_LIMITED = 1306429
ESB_NOT_FOUND = 1306404
ESB_METHOD = 1306405
GW_INVALID_ARGS = 1640001
GW_NOT_FOUND = 1640401
GW_RATE_LIMITED = 1642902


def msg(lang, key, *args):
    table = MESSAGES.get(lang) or MESSAGES["en"]
    return table[key].format(*args)

