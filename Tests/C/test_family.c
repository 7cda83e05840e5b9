/* The instance family through the C ABI against the CMDB emulator: create 1,000, search them all in pages,
 * update them and see the new values, delete them and see none; an instance created during a search is seen at
 * most once; a reset mid-update leaves that request's items unknown; every item accounted for. Prints
 * "N passed, N failed". */
#define _POSIX_C_SOURCE 200809L
#include <bkcc.h>

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "emulator.h"

#define ROWS 1000


/* What a search saw: every id once? in order? and one attribute's values. */
typedef struct {
  json_t *ids;    /* bk_inst_id -> count, as an object keyed by the id's digits */
  long last;      /* the last id seen, to check the order */
  int pages, out_of_order, stop_after;
  const char *watch; /* an attribute whose values are counted */
  int watched;       /* instances whose `watch` equals `expected` */
  const char *expected;
  const emulator *create_during; /* create one instance after the first page */
} seen;

static int on_page(const json_t *instances, void *user) {
  seen *s = user;
  s->pages++;
  size_t index;
  json_t *row;
  json_array_foreach(instances, index, row) {
    long id = (long)json_integer_value(json_object_get(row, "bk_inst_id"));
    if (id <= s->last) s->out_of_order++;
    s->last = id;
    char key[32];
    snprintf(key, sizeof key, "%ld", id);
    json_object_set_new(s->ids, key, json_integer(json_integer_value(json_object_get(s->ids, key)) + 1));
    const char *value = s->watch ? json_string_value(json_object_get(row, s->watch)) : NULL;
    if (value && s->expected && strcmp(value, s->expected) == 0) s->watched++;
  }
  if (s->create_during && s->pages == 1) {
    bkcc_client *client = emulator_client(s->create_during, NULL);
    json_t *one = json_pack("[{s:s, s:s}]", "bk_inst_name", "during", "bk_asset_id", "DURING-1");
    bkcc_error err;
    json_decref(bkcc_batch_create_inst(client, "bk_switch", one, NULL, &err));
    json_decref(one);
    bkcc_client_free(client);
  }
  return s->stop_after && s->pages >= s->stop_after;
}

static int every_once(const seen *s) {
  const char *key;
  json_t *count;
  json_object_foreach(s->ids, key, count) if (json_integer_value(count) != 1) return 0;
  return 1;
}

static void test_create_search_update_delete(const emulator *em) {
  bkcc_client *client = emulator_client(em, ", \"concurrency\": 4");
  json_t *details = json_array();
  for (int i = 0; i < ROWS; i++) {
    char name[32], asset[32];
    snprintf(name, sizeof name, "fam-%d", i);
    snprintf(asset, sizeof asset, "FAM-%d", i);
    json_array_append_new(details, json_pack("{s:s, s:s}", "bk_inst_name", name, "bk_asset_id", asset));
  }
  bkcc_error err;
  json_t *created = bkcc_batch_create_inst(client, "bk_switch", details, NULL, &err);
  CHECK_STATUS(err, BKCC_OK);
  json_t *map = json_object_get(created, "success_created");
  CHECK(json_object_size(map) == ROWS);

  /* search all: pages of 400, each once, in order; one created during the search: at most once */
  seen all = {json_object(), 0, 0, 0, 0, NULL, 0, NULL, em};
  json_t *query = json_pack("{s:i}", "page_size", 400);
  CHECK(bkcc_search_inst(client, "bk_switch", query, on_page, &all, &err) == BKCC_OK);
  CHECK_STATUS(err, BKCC_OK);
  CHECK(all.pages >= 3 && all.out_of_order == 0 && every_once(&all));
  CHECK(json_object_size(all.ids) == ROWS || json_object_size(all.ids) == ROWS + 1);

  /* update all 1,000 (bk_sn), then a search shows the new values */
  json_t *updates = json_array();
  const char *key;
  json_t *id;
  json_object_foreach(map, key, id) json_array_append_new(updates, json_pack("{s:O, s:s}", "bk_inst_id", id, "bk_sn", "SN-NEW"));
  json_t *updated = bkcc_batch_update_inst(client, "bk_switch", updates, NULL, &err);
  CHECK_STATUS(err, BKCC_OK);
  CHECK(json_object_size(json_object_get(updated, "updated")) == ROWS);
  CHECK(json_integer_value(json_object_get(json_object_get(updated, "summary"), "updated")) == ROWS);
  seen after = {json_object(), 0, 0, 0, 0, "bk_sn", 0, "SN-NEW", NULL};
  json_t *fields = json_pack("{s:[s], s:i}", "fields", "bk_sn", "page_size", 500);
  CHECK(bkcc_search_inst(client, "bk_switch", fields, on_page, &after, &err) == BKCC_OK);
  CHECK(after.watched == ROWS);

  /* an update naming no instance is refused before anything is sent (the JSON twin) */
  char *text = bkcc_batch_update_inst_json(client, "bk_switch", "[{\"bk_inst_id\": 0, \"bk_sn\": \"x\"}]", NULL, &err);
  CHECK(text == NULL);
  CHECK_STATUS(err, BKCC_EVALIDATION);

  /* delete them all; a search then shows none of them */
  json_t *ids = json_array();
  json_object_foreach(map, key, id) json_array_append(ids, id);
  char *ids_text = json_dumps(ids, 0);
  text = bkcc_batch_delete_inst_json(client, "bk_switch", ids_text, NULL, &err);
  CHECK_STATUS(err, BKCC_OK);
  json_t *deleted = text ? json_loads(text, 0, NULL) : NULL;
  CHECK(json_object_size(json_object_get(deleted, "deleted")) == ROWS);
  seen none = {json_object(), 0, 0, 0, 0, NULL, 0, NULL, NULL};
  CHECK(bkcc_search_inst(client, "bk_switch", NULL, on_page, &none, &err) == BKCC_OK);
  int still_there = 0;
  json_object_foreach(map, key, id) if (json_object_get(none.ids, key)) still_there++;
  CHECK(still_there == 0);
  CHECK(bkcc_search_inst(client, "bk_switch", NULL, NULL, NULL, &err) == BKCC_EINVAL);
  json_t *bad = json_pack("{s:i}", "page_size", 501);
  CHECK(bkcc_search_inst(client, "bk_switch", bad, on_page, &none, &err) == BKCC_EINVAL);

  json_decref(bad);
  json_decref(none.ids);
  json_decref(deleted);
  bkcc_free(text);
  free(ids_text);
  json_decref(ids);
  json_decref(fields);
  json_decref(after.ids);
  json_decref(updated);
  json_decref(updates);
  json_decref(query);
  json_decref(all.ids);
  json_decref(created);
  json_decref(details);
  bkcc_client_free(client);
}

static long requests_of(const emulator *em, const char *op) {
  json_t *stats = emulator_stats(em);
  long n = (long)json_integer_value(json_object_get(json_object_get(stats, "requests"), op));
  json_decref(stats);
  return n;
}

/* A reset after the server applied an update: unknown when no retry is allowed; with retries, sent again and
   updated (setting the same values twice changes nothing). A rate-limited search page is asked again. */
static void test_faults(const emulator *em) {
  CHECK(emulator_reset(em) == 0);
  bkcc_client *client = emulator_client(em, ", \"retries\": 0");
  bkcc_client *retrying = emulator_client(em, ", \"retries\": 2");
  json_t *details = json_pack("[{s:s, s:s}, {s:s, s:s}]", "bk_inst_name", "f-0", "bk_asset_id", "F-0", "bk_inst_name", "f-1",
                              "bk_asset_id", "F-1");
  bkcc_error err;
  json_t *created = bkcc_batch_create_inst(client, "bk_switch", details, NULL, &err);
  json_t *map = json_object_get(created, "success_created");
  json_t *updates = json_pack("[{s:O, s:s}, {s:O, s:s}]", "bk_inst_id", json_object_get(map, "0"), "bk_sn", "AFTER-RESET",
                              "bk_inst_id", json_object_get(map, "1"), "bk_sn", "AFTER-RESET");
  CHECK(emulator_set_faults(em, "[{\"name\": \"reset\", \"count\": 1, \"only\": \"batch_update_inst\"}]") == 0);
  long before = requests_of(em, "batch_update_inst");
  json_t *lost = bkcc_batch_update_inst(client, "bk_switch", updates, NULL, &err);
  CHECK_STATUS(err, BKCC_ETRANSPORT);
  CHECK(json_object_size(json_object_get(lost, "unknown")) == 2 && json_object_size(json_object_get(lost, "updated")) == 0);
  CHECK(requests_of(em, "batch_update_inst") == before + 1);
  CHECK(emulator_set_faults(em, "[{\"name\": \"reset\", \"count\": 1, \"only\": \"batch_update_inst\"}]") == 0);
  json_t *again = bkcc_batch_update_inst(retrying, "bk_switch", updates, NULL, &err);
  CHECK_STATUS(err, BKCC_OK);
  CHECK(json_object_size(json_object_get(again, "updated")) == 2 && requests_of(em, "batch_update_inst") == before + 3);
  json_t *stored = emulator_instances(em, "bk_switch");
  size_t index;
  json_t *row;
  int after_reset = 0;
  json_array_foreach(stored, index, row) after_reset += json_is_string(json_object_get(row, "bk_sn")) &&
                                                      strcmp(json_string_value(json_object_get(row, "bk_sn")), "AFTER-RESET") == 0;
  CHECK(after_reset == 2);
  CHECK(emulator_set_faults(em, "[{\"name\": \"rate_limit\", \"count\": 1, \"only\": \"search_object_instances\"}]") == 0);
  seen all = {json_object(), 0, 0, 0, 0, NULL, 0, NULL, NULL};
  long searches = requests_of(em, "search_object_instances");
  CHECK(bkcc_search_inst(retrying, "bk_switch", NULL, on_page, &all, &err) == BKCC_OK);
  CHECK(json_object_size(all.ids) == 2 && requests_of(em, "search_object_instances") == searches + 2);
  json_decref(all.ids);
  json_decref(stored);
  json_decref(again);
  json_decref(lost);
  json_decref(updates);
  json_decref(created);
  json_decref(details);
  bkcc_client_free(retrying);
  bkcc_client_free(client);
}

int main(void) {
  emulator em;
  if (emulator_begin(&em, NULL) != 0) return 2;
  test_create_search_update_delete(&em);
  test_faults(&em);
  if (!emulator_alive(&em)) emulator_print_stderr(&em);
  CHECK(emulator_stop(&em, SIGTERM) == 0);
  curl_global_cleanup();
  printf("%d passed, %d failed\n", passed, failed);
  return failed == 0 ? 0 : 1;
}
