/*
 * bkcc.h — create BlueKing CMDB model instances in batches.
 *
 * This header is the whole public API of libbkcc: anything not declared here is not API and may change.
 * Versioning follows semver; the library's SONAME is libbkcc.so.0 for the whole 0.x line, and symbols are
 * only ever added. New behaviour arrives as new keys in the JSON configuration and options objects, so it
 * needs no new symbols.
 *
 * JSON crosses this boundary as jansson values (json_t, jansson >= 2.11). The host and libbkcc share one
 * jansson: link the host with -ljansson (pkg-config --libs bkcc does this).
 *
 * Conventions, as in jansson and libcurl:
 *   - Handles are opaque. Every handle from a _new call is released with its _free call; _free(NULL) is a
 *     no-op.
 *   - Every fallible call takes `bkcc_error *err` (OUT, may be NULL). The caller owns the struct (usually on
 *     the stack); the library fills it on every call, success included (status BKCC_OK, message ""), and
 *     never allocates or frees it.
 *   - A `json_t *` that a call returns is a NEW reference: the caller json_decref()s it (or calls
 *     bkcc_json_decref from an FFI). A `json_t *` argument is BORROWED: the library never changes it and
 *     keeps no reference after the call returns.
 *   - A `char *` that a call returns is allocated by libbkcc and freed with bkcc_free(). A `const char *`
 *     that a call returns is static: never free it.
 *   - Strings are UTF-8 and NUL-terminated. Invalid UTF-8 is an error (BKCC_EINVAL), never a crash.
 *   - No call aborts, traps or exits the host process, whatever its arguments or whatever a server answers.
 *     NULL for any pointer that is not documented as optional gives BKCC_EINVAL.
 *   - Secrets (app_secret, token, access_token, the X-Bkapi-Authorization value) never appear in a
 *     bkcc_error message, a result, or a progress event, even when a server or a transport callback quotes
 *     them: every such text has them replaced by "***" (values shorter than 4 bytes are not masked).
 *     bkcc_build_request is the one exception: it returns the request exactly as it would be sent,
 *     credentials included, because a host may send it itself.
 *
 * Threads: the sans-IO functions (bkcc_validate, bkcc_parse_response, bkcc_status_name, bkcc_status_text,
 * bkcc_config_schema, bkcc_version) may be called from any thread at any time. One bkcc_client may be used by several threads at once: each
 * bkcc_batch_create_inst call runs its own transfers. Do not free a client while another thread is using
 * it. Callbacks (transport, progress) run on the thread that called bkcc_batch_create_inst or
 * bkcc_reconcile. Like every jansson user, do not modify a json_t while a call that borrows it is running.
 */
#ifndef BKCC_H
#define BKCC_H

#include <stddef.h>
#include <jansson.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(__GNUC__) || defined(__clang__)
#define BKCC_WARN_UNUSED __attribute__((warn_unused_result))
#else
#define BKCC_WARN_UNUSED
#endif

/* ---- Version ------------------------------------------------------------------------------------- */

#define BKCC_VERSION_MAJOR 0
#define BKCC_VERSION_MINOR 1
#define BKCC_VERSION_PATCH 0
#define BKCC_VERSION_STRING "0.1.0"

/* The library's own version ("0.1.0"), to compare with BKCC_VERSION_STRING at run time. Static string. */
const char *bkcc_version(void);

/* The most instances the CMDB accepts in one batch_create_inst request. */
#define BKCC_MAX_BATCH 200

/* ---- Errors -------------------------------------------------------------------------------------- */

/* Status codes. Values are fixed and only ever appended to. */
typedef enum {
  BKCC_OK = 0,
  BKCC_EINVAL = 1,      /* bad argument or configuration */
  BKCC_EVALIDATION = 2, /* details failed client-side checks; nothing was sent */
  BKCC_ETRANSPORT = 3,  /* no HTTP answer: connect, DNS, TLS, timeout, reset */
  BKCC_EHTTP = 4,       /* HTTP error status with no CMDB envelope */
  BKCC_EPROTOCOL = 5,   /* answer is not a well-formed CMDB envelope */
  BKCC_EAPI = 6,        /* CMDB / ESB / gateway answered result:false */
  BKCC_EPARTIAL = 7,    /* a batch call finished but not every item was created */
  BKCC_ECANCELLED = 8,  /* the progress callback asked to stop */
  BKCC_ENOMEM = 9       /* out of memory */
} bkcc_status;

/* Filled by every fallible call. Caller-allocated; pass NULL when the detail is not wanted. */
typedef struct {
  int status;             /* a bkcc_status */
  long long api_code;     /* CMDB/ESB/gateway code, 0 if none */
  int http_status;        /* 0 if no HTTP answer */
  char request_id[64];    /* the failing request's id: the server's request_id when it sent one, else the
                             X-Request-Id bkcc sent; "" when no request was involved */
  char message[512];      /* UTF-8, NUL-terminated, truncated on a character boundary; never a secret */
} bkcc_error;

/* The enum constant's name ("BKCC_EAPI"), or "BKCC_UNKNOWN" for a value outside the enum. Static. */
const char *bkcc_status_name(int status);

/* One sentence saying what the status means ("The CMDB, the ESB or the API gateway answered
   result:false."), like curl_easy_strerror; a sentence for unknown values too. Static. */
const char *bkcc_status_text(int status);

/*
 * The configuration keys as static JSON text, one object per key, in the order documented below:
 * [{"key": "url", "type": "string"|"integer"|"number"|"boolean"|"object", "default": "<JSON text>"|null,
 *   "range": [low, high|null] (numbers only), "choices": [...], "environment": ["BK_COMPONENT_API_URL", ...],
 *   "required": bool, "secret": bool, "help": "..."}, ...]. Bindings derive their settings from it.
 */
const char *bkcc_config_schema(void);

/* Frees a char * returned by libbkcc. NULL is a no-op. */
void bkcc_free(void *p);

/* json_decref() for hosts that cannot call jansson's inline functions (ctypes, other FFIs). NULL is a
   no-op. */
void bkcc_json_decref(json_t *json);

/* ---- Client ------------------------------------------------------------------------------------- */

typedef struct bkcc_client bkcc_client;

/*
 * Creates a client from a configuration object (BORROWED):
 *   url (string, required)        ESB or API-gateway base URL, http:// or https://
 *   api ("esb" | "apigw")         which route to speak; default "esb"
 *   stage (string)                API-gateway stage; default "prod"
 *   app_code, app_secret          required
 *   username | token              one is required for "esb"; for "apigw" one of them or access_token
 *   access_token (string)         API gateway only
 *   auth ("body" | "header")      where ESB credentials go; default "body"; the gateway always uses the
 *                                 X-Bkapi-Authorization header
 *   language ("en" | "zh-cn")     language of the server's messages
 *   timeout_ms (60000), connect_timeout_ms (10000)
 *   verify_tls (true), ca_file (string), proxy (string)
 *   concurrency (4, 1..64)        requests in flight at once during a batch call
 *   max_requests_per_second (0 = no limit)
 *   retries (3, 0..10)            retries of a request the server provably did not act on
 *   user_agent (string), headers ({"Name": "value", …}: extra headers)
 * Unknown keys, wrong types and missing required keys give NULL with BKCC_EINVAL and a message naming the
 * key. Returns a new handle, freed with bkcc_client_free.
 */
BKCC_WARN_UNUSED bkcc_client *bkcc_client_new(const json_t *config, bkcc_error *err);

/* The same, from the configuration as JSON text. */
BKCC_WARN_UNUSED bkcc_client *bkcc_client_new_json(const char *config_json, bkcc_error *err);

/* Releases a client. NULL is a no-op. Must not be called while another thread uses the client. */
void bkcc_client_free(bkcc_client *client);

/* ---- Batch create -------------------------------------------------------------------------------- */

/*
 * Creates every instance of `details` (BORROWED JSON array of objects, any length) as instances of model
 * `bk_obj_id`: splits them into requests of at most BKCC_MAX_BATCH, runs up to `concurrency` requests at
 * once over reused connections, retries a request only when the server provably did nothing (connection
 * never made; rate limited), and merges every answer back to the caller's indices.
 *
 * options (BORROWED, may be NULL): {"on_invalid": "abort" | "skip", "model": <bkcc_get_model's JSON>}.
 * The details are checked by the offline rules (see bkcc_validate) or, with "model", against that model
 * (see bkcc_validate_model; its warnings are not part of the result). abort (default): when a detail fails
 * the checks nothing is sent (NULL, BKCC_EVALIDATION, message naming the first problem).
 * skip: the valid details are sent and the invalid ones are reported in error_msg.
 *
 * Returns a NEW reference to the result, in which each index of `details` (as a decimal string) appears
 * in exactly one of the four maps:
 *   {"success_created": {"0": 1001, …},   created, with its bk_inst_id
 *    "error_msg": {"1": "…", …},           not created: the server's or the validator's message
 *    "unknown": {"2": "…", …},             sent, but no answer tells its fate (see bkcc_reconcile)
 *    "skipped": {"3": "…", …},             never sent: cancelled, or stopped after a fatal error
 *    "requests": [{"first": 0, "count": 200, "request_id": "…", "client_request_id": "…",
 *                  "http_status": 200, "code": 0, "message": "", "elapsed_ms": 12, "attempts": 1,
 *                  "status": "BKCC_OK"}, …],
 *    "summary": {"total": 4, "created": 1, "failed": 1, "unknown": 1, "skipped": 1}}
 * One requests entry per request sent, in index order: "request_id" is the server's id (else the
 * client's), "client_request_id" the X-Request-Id bkcc sent, "first" the lowest index it carried.
 * A request that fails with result:false puts "[code] message" for its items in error_msg (audit
 * failures 1109001/1109005 put them in unknown: the inserts happened), and keeps the server's
 * "permission" object on its requests entry. After a failure that would repeat for every request
 * (authentication, permission, built-in, mainline or unknown model) the remaining requests are skipped.
 *
 * err->status is BKCC_OK when every item was created; BKCC_EPARTIAL when some were; when none was, the
 * most telling failure: the error that stopped the call or the first request's error (BKCC_EAPI,
 * BKCC_ETRANSPORT, BKCC_EHTTP, BKCC_EPROTOCOL), BKCC_ECANCELLED, BKCC_EAPI when the server answered but
 * refused every item (e.g. all duplicates; api_code 0), or BKCC_EVALIDATION when on_invalid "skip" left
 * nothing valid to send.
 * Returns NULL only when nothing was attempted: BKCC_EINVAL, BKCC_EVALIDATION, BKCC_ENOMEM.
 */
BKCC_WARN_UNUSED json_t *bkcc_batch_create_inst(bkcc_client *client, const char *bk_obj_id,
                                                const json_t *details, const json_t *options,
                                                bkcc_error *err);

/* The same with JSON text in and out: returns the result as compact JSON text (free with bkcc_free).
   options_json may be NULL. When every detail is a flat object (strings, integers, booleans, nulls) that
   passes the checks on its bytes, each is sent as details_json writes it (its spacing and escapes): nothing
   is parsed into values or serialized again. Anything else is parsed and checked as bkcc_batch_create_inst
   does; the results and messages are the same either way. */
BKCC_WARN_UNUSED char *bkcc_batch_create_inst_json(bkcc_client *client, const char *bk_obj_id,
                                                   const char *details_json, const char *options_json,
                                                   bkcc_error *err);

/*
 * Looks up the "unknown" items of an earlier result (BORROWED) on the server by their unique field and
 * returns a NEW result in which each of them has moved to success_created (it exists; with its
 * bk_inst_id) or to "not_created" (it does not exist: safe to send again). `details` (BORROWED) must be
 * the array the result was made from. options (BORROWED, may be NULL): {"unique_field": "bk_asset_id"}.
 * An unknown item whose unique value is missing stays unknown. The summary gains "not_created"; the
 * result's "requests" are the earlier result's (a reconcile creates nothing). Lookups are reads: they are
 * retried under the client's "retries". err->status is that of the reconciled result (BKCC_OK when every
 * item is now created, else BKCC_EPARTIAL or the reason nothing is) — or, when a lookup failed, the
 * lookup's error, with the items left in unknown. Returns NULL only on bad arguments (BKCC_EINVAL).
 */
BKCC_WARN_UNUSED json_t *bkcc_reconcile(bkcc_client *client, const char *bk_obj_id, const json_t *details,
                                        const json_t *result, const json_t *options, bkcc_error *err);

/* The same with JSON text in and out (options_json may be NULL); returns the reconciled result as compact
   JSON text (free with bkcc_free), NULL only on bad arguments. */
BKCC_WARN_UNUSED char *bkcc_reconcile_json(bkcc_client *client, const char *bk_obj_id, const char *details_json,
                                           const char *result_json, const char *options_json, bkcc_error *err);

/* ---- The instance family: update, delete, paged search ------------------------------------------- */

/*
 * Updates any number of instances of bk_obj_id. updates (BORROWED): [{"bk_inst_id": 1001, "bk_sn": "…", …}]:
 * each a positive integer bk_inst_id and at least one attribute to set; no id twice (checked first, like
 * bkcc_validate: with options {"on_invalid": "abort"} (default) one bad update and nothing is sent; "skip" sends
 * the others). Sent as batch_update_inst requests of at most 200, each one transaction on the server: an
 * accepted request updated every item of it, a refused one none. Returns a NEW result shaped as
 * bkcc_batch_create_inst's, with "updated": {"<index>": bk_inst_id} in place of "success_created" and
 * "updated" in the summary. Setting the same values twice changes nothing, so a request that got no answer is
 * sent again (up to "retries"); an answer after which the server may have acted and no retry settles makes the
 * items "unknown". err->status as for bkcc_batch_create_inst. An attribute the model does not let you edit (the
 * server would drop it silently) is refused before sending, naming it: bk_asset_id on bk_switch, bk_router,
 * bk_load_balance and bk_firewall.
 */
BKCC_WARN_UNUSED json_t *bkcc_batch_update_inst(bkcc_client *client, const char *bk_obj_id, const json_t *updates,
                                                const json_t *options, bkcc_error *err);
BKCC_WARN_UNUSED char *bkcc_batch_update_inst_json(bkcc_client *client, const char *bk_obj_id, const char *updates_json,
                                                   const char *options_json, bkcc_error *err);

/*
 * Deletes instances by id. inst_ids (BORROWED): [1001, 1002, …], positive integers, none twice. Requests of at
 * most 200 (batch_delete_inst), each one transaction. Returns a NEW result with "deleted": {"<index>":
 * bk_inst_id} in place of "success_created": the instance no longer exists (the server skips ids that name no
 * instance and answers success, so a delete sent twice ends as once: a request that got no answer is sent
 * again, up to "retries").
 */
BKCC_WARN_UNUSED json_t *bkcc_batch_delete_inst(bkcc_client *client, const char *bk_obj_id, const json_t *inst_ids,
                                                const json_t *options, bkcc_error *err);
BKCC_WARN_UNUSED char *bkcc_batch_delete_inst_json(bkcc_client *client, const char *bk_obj_id, const char *inst_ids_json,
                                                   const char *options_json, bkcc_error *err);

/* Receives one page of instances (BORROWED array of objects, valid until the callback returns); non-zero stops
   the search. */
typedef int (*bkcc_page_fn)(const json_t *instances, void *user);
/* The same page as JSON text (valid until the callback returns). */
typedef int (*bkcc_page_json_fn)(const char *instances_json, void *user);

/*
 * Streams every instance of bk_obj_id matching query (BORROWED, may be NULL: everything):
 * {"fields": ["bk_inst_name", …] (bk_inst_id is always returned), "filter": {"bk_asset_id": "SW-1", …}
 * (each attribute equal to the value), "page_size": 1..500 (default 500)}. Calls fn with each page, on the
 * calling thread, in bk_inst_id order. Pages are read one after another, each asking for "bk_inst_id greater
 * than the last one seen" (search_object_instances), not by offset: every instance that exists for the whole
 * search is passed exactly once, whatever is created or deleted meanwhile, and one created during it at most
 * once. Memory is bounded by a page. A page lost to a timeout, a 5xx or a rate limit is asked again (up to
 * "retries"). Returns BKCC_OK when every page was read, BKCC_ECANCELLED when fn stopped it, else the error
 * (also in err).
 */
int bkcc_search_inst(bkcc_client *client, const char *bk_obj_id, const json_t *query, bkcc_page_fn fn, void *user,
                     bkcc_error *err);
int bkcc_search_inst_json(bkcc_client *client, const char *bk_obj_id, const char *query_json, bkcc_page_json_fn fn,
                          void *user, bkcc_error *err);

/* ---- Sans-IO pieces (no network) ------------------------------------------------------------------ */

/*
 * Checks bk_obj_id and details by the offline rules (what holds without reading the model): bk_obj_id a
 * non-empty identifier and not a built-in or mainline model; details a non-empty array of objects, each with
 * a non-empty string bk_inst_name; on the four device models whose default model requires it (bk_switch,
 * bk_router, bk_load_balance, bk_firewall) also a non-empty string bk_asset_id, bk_sn and bk_operator strings
 * when present, and no bk_asset_id twice; on every other model no bk_inst_name twice (a new model's default
 * unique rule). A custom model's own required attributes and types are bkcc_validate_model's;
 * each detail nested at most 8 levels deep, at most 100,000 values, not cyclic, every key and string valid
 * UTF-8 (walked without recursion; the same check runs again before any request is built, so such a detail
 * never reaches jansson's recursive serializer). Returns a NEW object {"<index>": "problem; problem", …}, {} when every detail is valid.
 * NULL with BKCC_EINVAL when an argument is NULL or details is not an array; NULL with BKCC_EVALIDATION
 * when bk_obj_id is unusable or details is empty.
 */
BKCC_WARN_UNUSED json_t *bkcc_validate(const char *bk_obj_id, const json_t *details, bkcc_error *err);

/* The same with JSON text: returns the problems object as JSON text (free with bkcc_free). */
BKCC_WARN_UNUSED char *bkcc_validate_json(const char *bk_obj_id, const char *details_json, bkcc_error *err);

/* ---- The model -------------------------------------------------------------------------------------- */

/*
 * Reads model `bk_obj_id` from the server: its attributes (search_object_attribute) and its unique rules
 * (search_object_unique on the API gateway; the ESB has no such component, so there each attribute the
 * server marks "isonly" is a rule of its own). Returns a NEW reference:
 *   {"bk_obj_id": "rack", "name": "rack",
 *    "attributes": [{"id": "rack_u", "name": "U数", "type": "int", "required": false, "editable": true,
 *                    "option": {"min": 1, "max": 60}, "multiple": null, "default": null, "unit": "",
 *                    "placeholder": "", "group": "基础信息"}, …],      in the server's display order
 *    "unique": [["bk_inst_name"], …]}
 * "type" is the server's bk_property_type (singlechar, longchar, int, float, enum, enummulti, enumquote,
 * date, time, timezone, bool, objuser, list, organization, …); "option" as the server gives it. Read once
 * per client and model, then served from the client's cache (thread-safe). NULL on failure: BKCC_EINVAL,
 * a transport/HTTP/API error of the read, or BKCC_EAPI when the server knows no attribute of the model.
 * The reads are retried like every read (timeouts, 5xx, rate limits).
 */
BKCC_WARN_UNUSED json_t *bkcc_get_model(bkcc_client *client, const char *bk_obj_id, bkcc_error *err);

/* The same as JSON text (free with bkcc_free). */
BKCC_WARN_UNUSED char *bkcc_get_model_json(bkcc_client *client, const char *bk_obj_id, bkcc_error *err);

/*
 * Checks details (BORROWED array) against a model (BORROWED, the JSON of bkcc_get_model, which may have
 * been stored and read back) as the CMDB does when it creates them: every required attribute present (a
 * string empty after trimming counts as missing); each value by its attribute's type — text at most 256
 * bytes (single-line) or 2000 bytes (long text) after trimming, BYTES not characters (a Chinese character
 * takes 3), and the model's regex; int and float any JSON number (float also a numeric string) within the
 * option's min/max; enum an option id; enummulti an array of ids; list one of the list's values; bool
 * true/false; date YYYY-MM-DD; time "YYYY-MM-DD hh:mm:ss" or RFC 3339 with a zone; timezone; objuser user
 * names; organization an array of ids — and every unique rule across the details (an absent text attribute
 * is stored as "" and collides with another ""). Returns a NEW object like bkcc_validate's
 * {"<index>": "details[3].rack_u (U数): 61 is above the maximum 60; …"}, plus, only when there are any,
 * "warnings": {"<index>": "details[0].bk_port_count: not an attribute of bk_switch: the CMDB drops it"}
 * for attributes the model does not have (the server drops them silently). {} when the model takes every
 * detail as it is. NULL with BKCC_EINVAL for a NULL argument, a model that is not of that shape (the
 * message names the member) or details that are not an array; BKCC_EVALIDATION when details is empty.
 * Pure: no network, any thread.
 */
BKCC_WARN_UNUSED json_t *bkcc_validate_model(const json_t *model, const json_t *details, bkcc_error *err);

/* The same with JSON text in and out (free with bkcc_free). */
BKCC_WARN_UNUSED char *bkcc_validate_model_json(const char *model_json, const char *details_json, bkcc_error *err);

/* ---- Sync: make a model match a list of rows ------------------------------------------------------- */

/*
 * Plans what would make model `bk_obj_id` say what `rows` (BORROWED array of objects) says, matched by one key
 * attribute, and sends nothing. options (BORROWED, may be NULL): {"key": "bk_asset_id", "model": <bkcc_get_model's
 * JSON>} — key defaults to the model's single-field unique rule; the model is read from the server (cached)
 * unless given. Every row is checked against the model first (the first problem: NULL, BKCC_EVALIDATION); a
 * row without a key, or with a key an earlier row has, is BKCC_EVALIDATION too. Then every instance is read
 * through the paged search (the key and the attributes the rows name) and a NEW plan is returned:
 *   {"bk_obj_id": "rack", "key": "bk_inst_name",
 *    "counts": {"create": 2, "update": 1, "unchanged": 997, "ambiguous": 0, "blocked": 0, "extra": 3},
 *    "rows": [{"index": 0, "key": "R-1", "action": "update", "bk_inst_id": 1001,
 *              "changes": [{"attribute": "rack_u", "before": 4, "after": 33, "editable": true}],
 *              "update": {"bk_inst_id": 1001, "rack_u": 33}}, …],        one per row, in row order
 *    "extra": [{"key": "R-9", "bk_inst_id": 1009}, …]}                 instances no row names
 * action: create (the server has no instance with the key), update ("update" is the batch_update_inst item
 * with the editable changes only), unchanged, blocked (only attributes that cannot be edited differ: never
 * sent), ambiguous (several instances have the key: left alone). Carry a plan out with
 * bkcc_batch_create_inst (the create rows), bkcc_batch_update_inst (the "update" items) and, to prune,
 * bkcc_batch_delete_inst (the extra ids); planning again afterwards finds nothing to do.
 */
BKCC_WARN_UNUSED json_t *bkcc_sync_plan(bkcc_client *client, const char *bk_obj_id, const json_t *rows,
                                        const json_t *options, bkcc_error *err);

/* The same with JSON text in and out (free with bkcc_free); options_json may be NULL. */
BKCC_WARN_UNUSED char *bkcc_sync_plan_json(bkcc_client *client, const char *bk_obj_id, const char *rows_json,
                                           const char *options_json, bkcc_error *err);

/*
 * Builds the request for at most BKCC_MAX_BATCH details exactly as the client would send it:
 * {"method": "POST", "url": "…", "headers": {"Content-Type": "application/json", "X-Request-Id": "…", …},
 *  "body": {…}}. Returns a NEW reference. Note: the result holds the client's credentials (in the body
 * or in X-Bkapi-Authorization): handle it like the configuration. Does not validate the details
 * (see bkcc_validate); more than BKCC_MAX_BATCH or an empty array is BKCC_EINVAL.
 */
BKCC_WARN_UNUSED json_t *bkcc_build_request(const bkcc_client *client, const char *bk_obj_id,
                                            const json_t *details, bkcc_error *err);

/* The same with JSON text in and out: the request as compact JSON text (free with bkcc_free). */
BKCC_WARN_UNUSED char *bkcc_build_request_json(const bkcc_client *client, const char *bk_obj_id,
                                               const char *details_json, bkcc_error *err);

/*
 * Parses one answer to a batch_create_inst request of `detail_count` details. `body` holds `length`
 * bytes (need not be NUL-terminated; may be NULL when length is 0).
 * Any well-formed CMDB envelope (either spelling: code/message or bk_error_code/bk_error_msg) gives a NEW
 * object {"result", "code", "message", "request_id", "permission", "success_created", "error_msg"};
 * for result:false err->status is BKCC_EAPI with api_code set. Anything else gives NULL with BKCC_EHTTP
 * (an HTTP error status without an envelope, e.g. a proxy's HTML page) or BKCC_EPROTOCOL (not JSON,
 * truncated, wrong types, an index outside 0..detail_count-1 or in both maps, an id that is not a
 * positive integer, one id for two items, result:true with a non-zero code or an HTTP error status).
 */
BKCC_WARN_UNUSED json_t *bkcc_parse_response(int http_status, const char *body, size_t length,
                                             size_t detail_count, bkcc_error *err);

/* The same, returning JSON text (free with bkcc_free). */
BKCC_WARN_UNUSED char *bkcc_parse_response_json(int http_status, const char *body, size_t length,
                                                size_t detail_count, bkcc_error *err);

/* ---- Callbacks ----------------------------------------------------------------------------------- */

/*
 * A host's own HTTP stack. `request` (BORROWED) is {"method", "url", "headers": {…}, "body": "<string>",
 * "timeout_ms": n}. Answer by storing a NEW reference in *response: {"status": int, "headers": {…},
 * "body": "<string>"}, and return 0. Return 1 when nothing reached the server (safe to retry), 2 when the
 * request was sent but no answer came (its items become unknown). Any other return, or 0 without a valid
 * *response, counts as 2. The function may be called from the thread that called the batch function
 * only, one request at a time (concurrency does not apply to callback transports).
 */
typedef int (*bkcc_transport_fn)(const json_t *request, json_t **response, void *user);

/* Installs (fn non-NULL) or removes (fn NULL: back to libcurl) a transport. Not while a call runs. */
void bkcc_client_set_transport(bkcc_client *client, bkcc_transport_fn fn, void *user);

/*
 * Called after every finished request with a BORROWED event
 * {"type": "request", "first": n, "count": n, "done": items finished so far, "total": n,
 *  "created": n, "failed": n, "unknown": n, "skipped": n, "request_id": "…", "status": "BKCC_OK"}.
 * Return 0 to go on; non-zero cancels: requests in flight finish, the rest are skipped and the call ends
 * with BKCC_ECANCELLED (or BKCC_EPARTIAL when something was created).
 */
typedef int (*bkcc_progress_fn)(const json_t *event, void *user);

/* Installs (fn non-NULL) or removes (fn NULL) the progress callback. Not while a call runs. */
void bkcc_client_set_progress(bkcc_client *client, bkcc_progress_fn fn, void *user);

/* ---- Request log --------------------------------------------------------------------------------- */

/* Request log levels (bkcc_client_set_log). */
#define BKCC_LOG_OFF 0
#define BKCC_LOG_REQUESTS 1 /* one line per HTTP attempt (retries included): method, path, HTTP status (or
                               not-sent / no-answer with error="…"), request_id, items, elapsed_ms, attempt */
#define BKCC_LOG_BODIES 2   /* also, before each line, the request ("> " lines: method, URL, headers, body) and
                               the answer ("< " lines: status, headers, body); bodies over 256 KiB are cut */

/*
 * Receives one text of the request log: a line (BKCC_LOG_REQUESTS) or a request or answer of several lines
 * (BKCC_LOG_BODIES), UTF-8, without a final newline. `text` is BORROWED, valid until the function returns.
 * Every secret (app_secret, token, access_token, bk_app_secret, the X-Bkapi-Authorization values) is "***".
 */
typedef void (*bkcc_log_fn)(int level, const char *text, void *user);

/*
 * Installs the request log of every call on `client` (fn non-NULL and level 1 or 2), or removes it (fn NULL
 * or level 0 or less; a level above 2 is 2; a NULL client is ignored). Costs nothing when removed; BKCC_LOG_BODIES serializes every request
 * body once more. May be called from any thread at any time: a call reads the log once when it starts, and
 * calls fn on the thread that made the call, between requests (several calls on several threads call fn
 * concurrently). `user` is passed to fn as is; the library never frees it.
 */
void bkcc_client_set_log(bkcc_client *client, int level, bkcc_log_fn fn, void *user);

#ifdef __cplusplus
}
#endif

#endif /* BKCC_H */
