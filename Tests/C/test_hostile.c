/* What a caller or a server can throw at libbkcc without taking the host down or leaking a secret (issue:
 * "every answer read as the servers mean it"): details nested 50,000 deep, invalid UTF-8, cycles; answers that
 * echo the secret, that cannot be trusted, that come after the backend acted, and rate limits. The server is a
 * scripted transport callback, so each case states exactly what the "server" said and how often it was asked.
 * Run plain, under valgrind and with ASan by `make test`. Prints "N passed, N failed". */
#include <bkcc.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"

#define SECRET "S3CRET-hostile-value"
static const char *CONFIG = "{\"url\": \"http://127.0.0.1:9/\", \"app_code\": \"app\", \"app_secret\": \"" SECRET "\","
                            " \"username\": \"admin\", \"retries\": 2}";

/* One scripted answer, given to every request; counts the requests. */
typedef struct {
  int status;
  const char *body;
  int calls;
} script;

static int scripted(const json_t *request, json_t **response, void *user) {
  (void)request;
  script *s = user;
  s->calls++;
  *response = json_pack("{s:i, s:{}, s:s}", "status", s->status, "headers", "body", s->body);
  return 0;
}

static int contains(const char *haystack, const char *needle) { return haystack && strstr(haystack, needle) != NULL; }

static json_t *details(int n) {
  json_t *array = json_array();
  char name[32];
  for (int i = 0; i < n; i++) {
    snprintf(name, sizeof name, "SW-%d", i);
    json_array_append_new(array, json_pack("{s:s, s:s}", "bk_inst_name", name, "bk_asset_id", name));
  }
  return array;
}

static bkcc_client *scripted_client(script *s) {
  bkcc_error err;
  bkcc_client *client = bkcc_client_new_json(CONFIG, &err);
  if (client) bkcc_client_set_transport(client, scripted, s);
  return client;
}

/* Frees a deep chain of one-element arrays without jansson's recursive json_delete. */
static void free_chain(json_t *outer) {
  while (outer) {
    json_t *inner = json_array_get(outer, 0);
    if (inner) json_incref(inner);
    json_array_clear(outer);
    json_decref(outer);
    outer = inner;
  }
}

static void test_deep_nesting(void) {
  json_t *deep = json_array();
  for (int i = 0; i < 50000; i++) {
    json_t *outer = json_array();
    json_array_append_new(outer, deep);
    deep = outer;
  }
  json_t *list = details(2);
  json_object_set(json_array_get(list, 1), "bk_detail", deep);
  bkcc_error err;
  json_t *problems = bkcc_validate("bk_switch", list, &err);
  CHECK_STATUS(err, BKCC_OK);
  CHECK(contains(json_string_value(json_object_get(problems, "1")), "details[1].bk_detail: nested deeper than 8 levels"));
  CHECK(json_object_get(problems, "0") == NULL);
  json_decref(problems);
  script s = {200, "{}", 0};
  bkcc_client *client = scripted_client(&s);
  CHECK(bkcc_build_request(client, "bk_switch", list, &err) == NULL);
  CHECK_STATUS(err, BKCC_EINVAL);
  CHECK(contains(err.message, "details[1].bk_detail: nested deeper"));
  CHECK(bkcc_batch_create_inst(client, "bk_switch", list, NULL, &err) == NULL);
  CHECK_STATUS(err, BKCC_EVALIDATION);
  CHECK(s.calls == 0);
  /* on_invalid skip: the deep one failed, the other sent. */
  s.body = "{\"result\": true, \"code\": 0, \"message\": \"success\", \"data\": {\"success_created\": {\"0\": 5}, \"error_msg\": {}}}";
  json_t *options = json_pack("{s:s}", "on_invalid", "skip");
  json_t *result = bkcc_batch_create_inst(client, "bk_switch", list, options, &err);
  CHECK_STATUS(err, BKCC_EPARTIAL);
  CHECK(s.calls == 1 && json_integer_value(json_object_get(json_object_get(result, "success_created"), "0")) == 5);
  CHECK(contains(json_string_value(json_object_get(json_object_get(result, "error_msg"), "1")), "nested deeper"));
  json_decref(result);
  json_decref(options);
  bkcc_client_free(client);
  json_object_del(json_array_get(list, 1), "bk_detail");
  json_decref(list);
  free_chain(deep);
}

static void test_invalid_utf8_and_cycles(void) {
  json_t *list = details(3);
  json_object_set_new(json_array_get(list, 0), "bk_sn", json_stringn_nocheck("\xff\xfe", 2));
  json_object_set_new_nocheck(json_array_get(list, 1), "bad\xc3", json_string("x"));
  json_t *a = json_array(), *b = json_array();
  json_array_append(a, b);
  json_array_append(b, a); /* a cycle of two: jansson refuses only a direct self-append */
  json_object_set(json_array_get(list, 2), "bk_detail", a);
  bkcc_error err;
  json_t *problems = bkcc_validate("bk_switch", list, &err);
  CHECK_STATUS(err, BKCC_OK);
  CHECK(contains(json_string_value(json_object_get(problems, "0")), "details[0].bk_sn: not valid UTF-8"));
  CHECK(contains(json_string_value(json_object_get(problems, "1")), "details[1]: must have keys of valid UTF-8"));
  CHECK(contains(json_string_value(json_object_get(problems, "2")), "details[2].bk_detail: nested deeper than 8 levels (or a cycle)"));
  json_decref(problems);
  script s = {200, "{}", 0};
  bkcc_client *client = scripted_client(&s);
  CHECK(bkcc_batch_create_inst(client, "bk_switch", list, NULL, &err) == NULL);
  CHECK_STATUS(err, BKCC_EVALIDATION); /* not BKCC_ENOMEM "cannot build the request" */
  CHECK(s.calls == 0);
  bkcc_client_free(client);
  json_array_clear(b); /* break the cycle so that both can be freed */
  json_decref(a);
  json_decref(b);
  json_decref(list);
}

/* One row of the retry rule through the C ABI: the items' map, the status, how often the server was asked. */
static void rule(const char *name, int status, const char *body, const char *map, int expected, int calls) {
  script s = {status, body, 0};
  bkcc_client *client = scripted_client(&s);
  json_t *list = details(3);
  bkcc_error err;
  json_t *result = bkcc_batch_create_inst(client, "bk_switch", list, NULL, &err);
  CHECK(result != NULL);
  if (err.status != expected) fprintf(stderr, "case %s: %s\n", name, err.message);
  CHECK_STATUS(err, expected);
  CHECK(json_object_size(json_object_get(result, map)) == 3);
  if (s.calls != calls) fprintf(stderr, "case %s: %d requests, expected %d\n", name, s.calls, calls);
  CHECK(s.calls == calls);
  CHECK(err.http_status == status);
  char *text = json_dumps(result, 0);
  CHECK(!contains(text, SECRET) && !contains(err.message, SECRET));
  free(text);
  json_decref(result);
  json_decref(list);
  bkcc_client_free(client);
}

static void test_retry_rule(void) {
  rule("gateway 504", 504, "{\"code\": 1650401, \"code_name\": \"REQUEST_BACKEND_TIMEOUT\", \"message\": \"timeout\", \"result\": false, \"data\": null}",
       "unknown", BKCC_EAPI, 1);
  rule("gateway 502", 502, "{\"code\": 1650201, \"code_name\": \"ERROR_REQUESTING_RESOURCE\", \"message\": \"x\", \"result\": false, \"data\": null}",
       "unknown", BKCC_EAPI, 1);
  rule("topo 1199002", 200, "{\"result\": false, \"code\": 1199002, \"message\": \"HTTP request failed\", \"data\": null}", "unknown", BKCC_EAPI, 1);
  rule("ESB 1306201", 200, "{\"result\": false, \"code\": 1306201, \"message\": \"timeout\", \"data\": null}", "unknown", BKCC_EAPI, 1);
  rule("CMDB limiter 1199997", 200, "{\"result\": false, \"code\": 1199997, \"message\": \"too many requests\", \"data\": null}",
       "skipped", BKCC_EAPI, 3);
  rule("gateway 1642903", 429, "{\"code\": 1642903, \"code_name\": \"RATE_LIMIT\", \"message\": \"x\", \"result\": false, \"data\": null}",
       "skipped", BKCC_EAPI, 3);
  rule("one id twice", 200,
       "{\"result\": true, \"code\": 0, \"message\": \"success\", \"data\": {\"success_created\": {\"0\": 7, \"1\": 7, \"2\": 8}, \"error_msg\": {}}}",
       "unknown", BKCC_EPROTOCOL, 1);
  rule("result:true, code 1199002", 200,
       "{\"result\": true, \"code\": 1199002, \"message\": \"\", \"data\": {\"success_created\": {}, \"error_msg\": {}}}",
       "unknown", BKCC_EPROTOCOL, 1);
  rule("refused 1199038", 200, "{\"result\": false, \"code\": 1199038, \"message\": \"need data details is null\", \"data\": null}",
       "error_msg", BKCC_EAPI, 1);
}

static int count_events(const json_t *event, void *user) {
  char *text = json_dumps(event, 0);
  if (contains(text, SECRET)) ++*(int *)user;
  free(text);
  return 0;
}

static void test_secret_echo_and_request_id(void) {
  script s = {200,
              "{\"result\": true, \"code\": 0, \"message\": \"success\", \"request_id\": \"req-7\", \"data\": {\"success_created\": {},"
              " \"error_msg\": {\"0\": \"duplicated, secret " SECRET "\", \"1\": \"{\\\"bk_app_secret\\\":\\\"" SECRET "\\\"}\","
              " \"2\": \"duplicated instances exist, fields [ bk_asset_id: \\\"SW-2\\\" ] duplicated\"}}}",
              0};
  bkcc_client *client = scripted_client(&s);
  int leaks = 0;
  bkcc_client_set_progress(client, count_events, &leaks);
  json_t *list = details(3);
  bkcc_error err;
  json_t *result = bkcc_batch_create_inst(client, "bk_switch", list, NULL, &err);
  CHECK_STATUS(err, BKCC_EAPI);
  /* every item refused one by one: the status still names the request that was made and answered */
  CHECK(strcmp(err.request_id, "req-7") == 0 && err.http_status == 200);
  char *text = json_dumps(result, 0);
  CHECK(!contains(text, SECRET) && !contains(err.message, SECRET) && leaks == 0);
  CHECK(contains(json_string_value(json_object_get(json_object_get(result, "error_msg"), "0")), "secret ***"));
  free(text);
  json_decref(result);
  /* a server's error message and an HTML page's title */
  s.body = "{\"result\": false, \"code\": 1306000, \"message\": \"wrong app secret " SECRET "\", \"data\": null}";
  result = bkcc_batch_create_inst(client, "bk_switch", list, NULL, &err);
  CHECK(!contains(err.message, SECRET) && contains(err.message, "wrong app secret ***"));
  json_decref(result);
  s.status = 502;
  s.body = "<html><head><title>bad " SECRET "</title></head></html>";
  result = bkcc_batch_create_inst(client, "bk_switch", list, NULL, &err);
  text = json_dumps(result, 0);
  CHECK_STATUS(err, BKCC_EHTTP);
  CHECK(!contains(err.message, SECRET) && !contains(text, SECRET) && contains(err.message, "bad ***"));
  free(text);
  json_decref(result);
  json_decref(list);
  bkcc_client_free(client);
}

int main(void) {
  test_deep_nesting();
  test_invalid_utf8_and_cycles();
  test_retry_rule();
  test_secret_echo_and_request_id();
  printf("%d passed, %d failed\n", passed, failed);
  return failed == 0 ? 0 : 1;
}
