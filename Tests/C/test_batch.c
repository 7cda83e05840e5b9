/* The batch runner through the C ABI, against the CMDB emulator (started here on a free loopback port):
 * exact stored sets, faults, threads, callbacks, a server killed mid-import, reconciliation (also as JSON text).
 * The emulator is started and driven through emulator.h.
 * Prints "N passed, N failed". */
#define _POSIX_C_SOURCE 200809L
#include <bkcc.h>

#include <curl/curl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "check.h"
#include "emulator.h"

/* ---- what the emulator stores -------------------------------------------------------------------- */

/* asset id -> bk_inst_id of what the emulator stores, as an object. */
static json_t *stored(const emulator *em, const char *obj) {
  json_t *list = emulator_instances(em, obj);
  json_t *map = json_object();
  size_t i;
  json_t *row;
  json_array_foreach(list, i, row) {
    json_object_set(map, json_string_value(json_object_get(row, "bk_asset_id")), json_object_get(row, "bk_inst_id"));
  }
  json_decref(list);
  return map;
}

/* ---- helpers -------------------------------------------------------------------------------------- */

static json_t *switches(int first, int count, const char *prefix) {
  json_t *array = json_array();
  for (int i = first; i < first + count; i++) {
    char name[64], asset[64];
    snprintf(name, sizeof name, "switch-%d", i);
    snprintf(asset, sizeof asset, "%s-%d", prefix, i);
    json_array_append_new(array, json_pack("{s:s, s:s}", "bk_inst_name", name, "bk_asset_id", asset));
  }
  return array;
}


static size_t map_size(const json_t *result, const char *key) { return json_object_size(json_object_get(result, key)); }

/* Every index 0..n-1 in exactly one of the four maps, and the summary agrees. */
static int accounted(const json_t *result, int n) {
  const char *maps[] = {"success_created", "error_msg", "unknown", "skipped", "not_created"};
  for (int i = 0; i < n; i++) {
    char key[16];
    snprintf(key, sizeof key, "%d", i);
    int seen = 0;
    for (size_t m = 0; m < 5; m++) seen += json_object_get(json_object_get(result, maps[m]), key) != NULL;
    if (seen != 1) {
      fprintf(stderr, "index %d is in %d maps\n", i, seen);
      return 0;
    }
  }
  return (int)json_integer_value(json_object_get(json_object_get(result, "summary"), "total")) == n;
}

/* Every created index's id is what the emulator stores for its asset id. */
static int ids_match(const json_t *result, const json_t *details, const json_t *store) {
  const char *key;
  json_t *id;
  json_object_foreach(json_object_get(result, "success_created"), key, id) {
    const char *asset = json_string_value(json_object_get(json_array_get(details, (size_t)atoi(key)), "bk_asset_id"));
    json_t *stored_id = json_object_get(store, asset);
    if (!stored_id || json_integer_value(stored_id) != json_integer_value(id)) {
      fprintf(stderr, "index %s (%s): id %lld, stored %lld\n", key, asset, json_integer_value(id),
              stored_id ? json_integer_value(stored_id) : -1);
      return 0;
    }
  }
  return 1;
}

/* What the emulator stores of bk_switch is `count` instances, and every created index's id is the stored one. */
static int stored_matches(const emulator *em, const json_t *result, const json_t *details, size_t count) {
  json_t *store = stored(em, "bk_switch");
  int ok = json_object_size(store) == count && result && ids_match(result, details, store);
  if (json_object_size(store) != count) fprintf(stderr, "stored %zu, expected %zu\n", json_object_size(store), count);
  json_decref(store);
  return ok;
}

/* ---- tests ---------------------------------------------------------------------------------------- */

static void test_ten_thousand(const emulator *em) {
  bkcc_client *client = emulator_client(em, ", \"concurrency\": 8");
  json_t *details = switches(0, 10000, "TT");
  bkcc_error err;
  json_t *result = bkcc_batch_create_inst(client, "bk_switch", details, NULL, &err);
  CHECK(err.status == BKCC_OK);
  CHECK(result && map_size(result, "success_created") == 10000);
  CHECK(result && json_array_size(json_object_get(result, "requests")) == 50);
  CHECK(stored_matches(em, result, details, 10000) && accounted(result, 10000));
  json_decref(result);
  json_decref(details);
  bkcc_client_free(client);
}

static void test_duplicates(const emulator *em) {
  bkcc_client *client = emulator_client(em, NULL);
  bkcc_error err;
  json_t *first = switches(0, 100, "DU");
  json_decref(bkcc_batch_create_inst(client, "bk_switch", first, NULL, &err));
  CHECK(err.status == BKCC_OK);
  json_t *details = switches(0, 1000, "DU");  /* 0..99 are stored already */
  for (int i = 990; i < 1000; i++) {          /* 990..999 repeat 980..989 */
    char asset[32];
    snprintf(asset, sizeof asset, "DU-%d", i - 10);
    json_object_set_new(json_array_get(details, (size_t)i), "bk_asset_id", json_string(asset));
  }
  json_t *aborted = bkcc_batch_create_inst(client, "bk_switch", details, NULL, &err);
  CHECK(aborted == NULL && err.status == BKCC_EVALIDATION && strstr(err.message, "details[990]") != NULL);
  json_t *options = json_pack("{s:s}", "on_invalid", "skip");
  json_t *result = bkcc_batch_create_inst(client, "bk_switch", details, options, &err);
  CHECK(err.status == BKCC_EPARTIAL);
  CHECK(result && map_size(result, "success_created") == 890 && map_size(result, "error_msg") == 110);
  CHECK(result && strstr(json_string_value(json_object_get(json_object_get(result, "error_msg"), "5")), "duplicated") != NULL);
  CHECK(result && strstr(json_string_value(json_object_get(json_object_get(result, "error_msg"), "995")), "repeats details[985]") != NULL);
  CHECK(stored_matches(em, result, details, 990) && accounted(result, 1000));
  json_decref(result);
  json_decref(options);
  json_decref(details);
  json_decref(first);
  bkcc_client_free(client);
}

/* One fault on the first of three requests: its 200 items get `kind`, the others are created; what the emulator
   stores is exactly what was created plus, for faults that strike after the inserts, the unknown items, once. */
static void fault_case(const emulator *em, const char *fault, const char *kind, int stored_unknown, int expected_status,
                       int expected_requests) {
  CHECK(emulator_reset(em) == 0);
  bkcc_client *client = emulator_client(em, ", \"concurrency\": 1, \"timeout_ms\": 1500");
  json_t *details = switches(0, 600, "FA");
  char faults[256];
  /* "name:arg" as a string, limited to the next request */
  snprintf(faults, sizeof faults, "[{\"name\": \"%.*s\", \"arg\": %s, \"count\": 1}]", (int)strcspn(fault, ":"), fault,
           strchr(fault, ':') ? strchr(fault, ':') + 1 : "null");
  CHECK(emulator_set_faults(em, faults) == 0);
  bkcc_error err;
  json_t *result = bkcc_batch_create_inst(client, "bk_switch", details, NULL, &err);
  json_t *store = stored(em, "bk_switch");
  long requests = emulator_creates(em);
  int ok = result != NULL && accounted(result, 600) && err.status == expected_status &&
           map_size(result, kind) == 200 && json_object_get(json_object_get(result, kind), "0") != NULL &&
           map_size(result, "success_created") == 400 && json_object_size(store) == 400 + (size_t)stored_unknown &&
           ids_match(result, details, store) && requests == expected_requests;
  if (!ok) {
    fprintf(stderr, "fault %s: status %s (%s), %s=%zu created=%zu stored=%zu requests=%ld\n", fault,
            bkcc_status_name(err.status), err.message, kind, result ? map_size(result, kind) : 0,
            result ? map_size(result, "success_created") : 0, json_object_size(store), requests);
  }
  CHECK(ok);
  json_decref(store);
  json_decref(result);
  json_decref(details);
  bkcc_client_free(client);
}

static void test_faults(const emulator *em) {
  fault_case(em, "reset", "unknown", 200, BKCC_EPARTIAL, 3);
  fault_case(em, "drop", "unknown", 0, BKCC_EPARTIAL, 3);
  fault_case(em, "stall:3000", "unknown", 200, BKCC_EPARTIAL, 3);
  fault_case(em, "http_502_html", "unknown", 0, BKCC_EPARTIAL, 3);
  fault_case(em, "truncate", "unknown", 200, BKCC_EPARTIAL, 3);
  fault_case(em, "not_json", "unknown", 0, BKCC_EPARTIAL, 3);
  fault_case(em, "audit_fail", "unknown", 200, BKCC_EPARTIAL, 3);
  /* Rate limited: nothing was done, so the request is sent again and everything is created. */
  CHECK(emulator_reset(em) == 0);
  bkcc_client *client = emulator_client(em, ", \"concurrency\": 1");
  json_t *details = switches(0, 600, "RL");
  CHECK(emulator_set_faults(em, "[{\"name\": \"rate_limit\", \"count\": 2}]") == 0);
  bkcc_error err;
  json_t *result = bkcc_batch_create_inst(client, "bk_switch", details, NULL, &err);
  CHECK(err.status == BKCC_OK && result && map_size(result, "success_created") == 600);
  CHECK(emulator_creates(em) == 5);
  json_decref(result);
  json_decref(details);
  bkcc_client_free(client);
}

/* bkcc_reconcile_json with the same arguments as JSON text gives the same result as bkcc_reconcile (`expected`, with
   `expected_status`). */
static int reconcile_json_agrees(bkcc_client *client, const json_t *details, const json_t *result, const char *options_json,
                                 const json_t *expected, int expected_status) {
  char *details_text = json_dumps(details, JSON_COMPACT);
  char *result_text = json_dumps(result, JSON_COMPACT);
  bkcc_error err;
  char *text = bkcc_reconcile_json(client, "bk_switch", details_text, result_text, options_json, &err);
  json_t *got = text ? json_loads(text, 0, NULL) : NULL;
  int ok = got && json_equal(got, expected) && err.status == expected_status && strchr(text, '\n') == NULL;
  if (!ok) {
    fprintf(stderr, "bkcc_reconcile_json (options %s): %s (%s), expected %s; %.300s\n", options_json ? options_json : "NULL",
            bkcc_status_name(err.status), err.message, bkcc_status_name(expected_status), text ? text : "NULL");
  }
  json_decref(got);
  bkcc_free(text);
  free(result_text);
  free(details_text);
  return ok;
}

/* What bkcc_reconcile_json refuses (NULL, BKCC_EINVAL): NULL arguments, bad JSON text, bad options. */
static void reconcile_json_refuses(bkcc_client *client, const json_t *details, const json_t *result) {
  char *d = json_dumps(details, JSON_COMPACT);
  char *r = json_dumps(result, JSON_COMPACT);
  bkcc_error err;
  const char *bad_options[] = {"{\"bad\": 1}", "{\"unique_field\": 7}", "{\"unique_field\": \"\"}", "[]", "{", "",
                               "{\"unique_field\": \"bk_asset_id\xff\"}"};
  for (size_t i = 0; i < sizeof bad_options / sizeof bad_options[0]; i++) {
    char *text = bkcc_reconcile_json(client, "bk_switch", d, r, bad_options[i], &err);
    if (text || err.status != BKCC_EINVAL) fprintf(stderr, "bad_options[%zu]: %s\n", i, bkcc_status_name(err.status));
    CHECK(text == NULL && err.status == BKCC_EINVAL);
    bkcc_free(text);
  }
  const struct {
    bkcc_client *client;
    const char *obj, *details, *result;
  } bad[] = {
      {NULL, "bk_switch", d, r},          {client, NULL, d, r},          {client, "bk_switch", NULL, r},
      {client, "bk_switch", d, NULL},     {client, "bk_switch", "[", r}, {client, "bk_switch", d, "{\"unknown\": "},
      {client, "bk_switch", "{}", r},     {client, "bk_switch", d, "[]"}, {client, "bk_switch", "[\"\xc3\"]", r},
      {client, "bk_sw\xc3", d, r},
  };
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    char *text = bkcc_reconcile_json(bad[i].client, bad[i].obj, bad[i].details, bad[i].result, NULL, &err);
    if (text || err.status != BKCC_EINVAL) fprintf(stderr, "bad[%zu]: %s %s\n", i, bkcc_status_name(err.status), err.message);
    CHECK(text == NULL && err.status == BKCC_EINVAL);
    bkcc_free(text);
  }
  CHECK(bkcc_reconcile_json(NULL, "bk_switch", d, r, NULL, NULL) == NULL); /* err may be NULL */
  free(r);
  free(d);
}

static void test_reconcile(const emulator *em) {
  CHECK(emulator_reset(em) == 0);
  bkcc_client *client = emulator_client(em, ", \"concurrency\": 1");
  json_t *details = switches(0, 400, "RC");
  CHECK(emulator_set_faults(em, "[{\"name\": \"reset\", \"count\": 1}]") == 0);  /* the first 200 are stored, their answer lost */
  bkcc_error err;
  json_t *result = bkcc_batch_create_inst(client, "bk_switch", details, NULL, &err);
  CHECK(result && map_size(result, "unknown") == 200);
  json_t *settled = bkcc_reconcile(client, "bk_switch", details, result, NULL, &err);
  CHECK(err.status == BKCC_OK);
  CHECK(settled && map_size(settled, "success_created") == 400 && map_size(settled, "unknown") == 0);
  CHECK(stored_matches(em, settled, details, 400));
  CHECK(json_array_size(json_object_get(settled, "requests")) == 2);
  CHECK(reconcile_json_agrees(client, details, result, NULL, settled, BKCC_OK));
  CHECK(reconcile_json_agrees(client, details, result, "{\"unique_field\": \"bk_asset_id\"}", settled, BKCC_OK));
  /* Unknown items that were never stored come back not_created. */
  json_t *fake = json_pack("{s:{}, s:{}, s:{s:s, s:s}, s:{}}", "success_created", "error_msg", "unknown", "0", "x", "1", "y",
                           "skipped");
  json_t *missing = switches(0, 2, "NOPE");
  json_t *again = bkcc_reconcile(client, "bk_switch", missing, fake, NULL, &err);
  CHECK(again && map_size(again, "not_created") == 2 && err.status != BKCC_OK);
  CHECK(again && reconcile_json_agrees(client, missing, fake, NULL, again, err.status));
  reconcile_json_refuses(client, missing, fake);
  json_t *bad_options = json_pack("{s:i}", "bad", 1);
  CHECK(bkcc_reconcile(client, "bk_switch", missing, fake, bad_options, &err) == NULL && err.status == BKCC_EINVAL);
  json_decref(bad_options);
  CHECK(bkcc_reconcile(NULL, "bk_switch", missing, fake, NULL, &err) == NULL && err.status == BKCC_EINVAL);
  CHECK(bkcc_reconcile(client, "bk_switch", missing, NULL, NULL, &err) == NULL && err.status == BKCC_EINVAL);
  json_decref(again);
  json_decref(missing);
  json_decref(fake);
  json_decref(settled);
  json_decref(result);
  json_decref(details);
  bkcc_client_free(client);
}

typedef struct {
  bkcc_client *client;
  int first;
  json_t *result;
  json_t *details;
  int status;
} thread_job;

static void *import_thread(void *arg) {
  thread_job *job = arg;
  bkcc_error err;
  job->details = switches(job->first, 500, "TH");
  job->result = bkcc_batch_create_inst(job->client, "bk_switch", job->details, NULL, &err);
  job->status = err.status;
  return NULL;
}

static void test_threads(const emulator *em) {
  CHECK(emulator_reset(em) == 0);
  bkcc_client *client = emulator_client(em, ", \"concurrency\": 2");
  pthread_t threads[8];
  thread_job jobs[8];
  for (int t = 0; t < 8; t++) {
    jobs[t] = (thread_job){client, t * 500, NULL, NULL, -1};
    pthread_create(&threads[t], NULL, import_thread, &jobs[t]);
  }
  for (int t = 0; t < 8; t++) pthread_join(threads[t], NULL);
  json_t *store = stored(em, "bk_switch");
  CHECK(json_object_size(store) == 4000);
  for (int t = 0; t < 8; t++) {
    CHECK(jobs[t].status == BKCC_OK && jobs[t].result && map_size(jobs[t].result, "success_created") == 500);
    CHECK(jobs[t].result && ids_match(jobs[t].result, jobs[t].details, store));
    json_decref(jobs[t].result);
    json_decref(jobs[t].details);
  }
  json_decref(store);
  bkcc_client_free(client);
}

/* A host transport: libcurl easy, as a host with its own HTTP stack would. user points at a mode. */
static int host_transport(const json_t *request, json_t **response, void *user) {
  int mode = *(int *)user;
  if (mode != 0) return mode;
  struct curl_slist *headers = NULL;
  const char *name;
  json_t *value;
  json_object_foreach(json_object_get(request, "headers"), name, value) {
    char line[1024];
    snprintf(line, sizeof line, "%s: %s", name, json_string_value(value));
    headers = curl_slist_append(headers, line);
  }
  emulator_buffer b = {NULL, 0};
  CURL *curl = curl_easy_init();
  curl_easy_setopt(curl, CURLOPT_URL, json_string_value(json_object_get(request, "url")));
  curl_easy_setopt(curl, CURLOPT_POSTFIELDS, json_string_value(json_object_get(request, "body")));
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, emulator_collect);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &b);
  CURLcode rc = curl_easy_perform(curl);
  long status = 0;
  curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
  curl_easy_cleanup(curl);
  curl_slist_free_all(headers);
  if (rc == CURLE_OK) *response = json_pack("{s:i, s:{}, s:s}", "status", (int)status, "headers", "body", b.data ? b.data : "");
  free(b.data);
  return rc == CURLE_OK ? 0 : 2;
}

static int cancel_after_first(const json_t *event, void *user) {
  int *calls = user;
  (*calls)++;
  return json_integer_value(json_object_get(event, "done")) >= 200 ? 1 : 0;
}

static void test_callbacks(const emulator *em) {
  CHECK(emulator_reset(em) == 0);
  bkcc_client *client = emulator_client(em, NULL);
  json_t *details = switches(0, 300, "CB");
  int mode = 0;
  bkcc_error err;
  bkcc_client_set_transport(client, host_transport, &mode);
  json_t *result = bkcc_batch_create_inst(client, "bk_switch", details, NULL, &err);
  CHECK(err.status == BKCC_OK && result && map_size(result, "success_created") == 300);
  json_decref(result);
  json_t *more = switches(300, 10, "CB");
  mode = 1;  /* nothing reaches the server: retried, then skipped */
  result = bkcc_batch_create_inst(client, "bk_switch", more, NULL, &err);
  CHECK(err.status == BKCC_ETRANSPORT && result && map_size(result, "skipped") == 10);
  json_decref(result);
  mode = 2;  /* sent, no answer: unknown */
  result = bkcc_batch_create_inst(client, "bk_switch", more, NULL, &err);
  CHECK(err.status == BKCC_ETRANSPORT && result && map_size(result, "unknown") == 10);
  json_decref(result);
  json_decref(more);
  bkcc_client_set_transport(client, NULL, NULL);

  bkcc_client_free(client);
  client = emulator_client(em, ", \"concurrency\": 1");
  json_t *cancelled = switches(1000, 1000, "CB");
  int calls = 0;
  bkcc_client_set_progress(client, cancel_after_first, &calls);
  result = bkcc_batch_create_inst(client, "bk_switch", cancelled, NULL, &err);
  if (err.status != BKCC_EPARTIAL || calls != 1) fprintf(stderr, "cancel: %s %s calls=%d\n", bkcc_status_name(err.status), err.message, calls);
  CHECK(err.status == BKCC_EPARTIAL && calls == 1);
  CHECK(result && map_size(result, "success_created") == 200 && map_size(result, "skipped") == 800 && accounted(result, 1000));
  json_decref(result);
  json_decref(cancelled);
  bkcc_client_free(client);
  json_decref(details);
}

typedef struct {
  bkcc_client *client;
  json_t *details;
  json_t *result;
} kill_job;

static void *kill_import(void *arg) {
  kill_job *job = arg;
  bkcc_error err;
  job->result = bkcc_batch_create_inst(job->client, "bk_switch", job->details, NULL, &err);
  return NULL;
}

static void test_killed_server(void) {
  emulator em;
  int started = emulator_start(&em, (const char *[]){"--fault", "latency:100", NULL}) == 0;
  CHECK(started);
  if (!started) return;
  bkcc_client *client = emulator_client(&em, ", \"concurrency\": 2, \"retries\": 1");
  kill_job job = {client, switches(0, 6000, "KI"), NULL};
  pthread_t thread;
  pthread_create(&thread, NULL, kill_import, &job);
  /* Kill it once a few requests went through (bounded: at most 10 s of polling). */
  struct timespec pause = {0, 20 * 1000 * 1000};
  for (int i = 0; i < 500; i++) {
    json_t *stats = emulator_stats(&em);
    json_int_t created = json_integer_value(json_object_get(stats, "items_created"));
    json_decref(stats);
    if (created >= 400) break;
    nanosleep(&pause, NULL);
  }
  CHECK(emulator_stop(&em, SIGKILL) == 128 + SIGKILL);
  pthread_join(thread, NULL);
  CHECK(job.result && accounted(job.result, 6000));
  CHECK(job.result && map_size(job.result, "error_msg") == 0);
  CHECK(job.result && map_size(job.result, "success_created") > 0 && map_size(job.result, "skipped") > 0);
  json_decref(job.result);
  json_decref(job.details);
  bkcc_client_free(client);
}

int main(void) {
  emulator em;
  if (emulator_begin(&em, NULL) != 0) return 2;
  test_ten_thousand(&em);
  CHECK(emulator_reset(&em) == 0);
  test_duplicates(&em);
  test_faults(&em);
  test_reconcile(&em);
  test_threads(&em);
  test_callbacks(&em);
  if (!emulator_alive(&em)) emulator_print_stderr(&em);
  CHECK(emulator_alive(&em));
  CHECK(emulator_stop(&em, SIGTERM) == 0); /* it stops cleanly on SIGTERM */
  test_killed_server();
  curl_global_cleanup();
  printf("%d passed, %d failed\n", passed, failed);
  return failed == 0 ? 0 : 1;
}
