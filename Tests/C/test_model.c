/* The model through the C ABI against the CMDB emulator: bkcc_get_model reads rack's attributes and unique rules
 * (from the cache the second time), bkcc_validate_model checks details against it and warns about unknown
 * attributes, the batch option "model" refuses before sending, a rack import end to end (a custom model: no
 * bk_asset_id), and hostile arguments give clear errors. Run under valgrind too. Prints "N passed, N failed". */
#define _POSIX_C_SOURCE 200809L
#include <bkcc.h>

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "emulator.h"

static long requests_of(const emulator *em, const char *op) {
  json_t *stats = emulator_stats(em);
  long n = (long)json_integer_value(json_object_get(json_object_get(stats, "requests"), op));
  json_decref(stats);
  return n;
}

static const json_t *attribute(const json_t *model, const char *id) {
  size_t index;
  json_t *entry;
  json_array_foreach(json_object_get(model, "attributes"), index, entry) {
    if (strcmp(json_string_value(json_object_get(entry, "id")), id) == 0) return entry;
  }
  return NULL;
}

static void test_get_model(const emulator *em) {
  bkcc_client *client = emulator_client(em, NULL);
  bkcc_error err;
  json_t *rack = bkcc_get_model(client, "rack", &err);
  CHECK_STATUS(err, BKCC_OK);
  CHECK(rack && strcmp(json_string_value(json_object_get(rack, "bk_obj_id")), "rack") == 0);
  const json_t *u = attribute(rack, "rack_u");
  CHECK(u && strcmp(json_string_value(json_object_get(u, "type")), "int") == 0);
  const json_t *name = attribute(rack, "bk_inst_name");
  CHECK(name && json_is_true(json_object_get(name, "required")));
  json_t *expected_unique = json_pack("[[s]]", "bk_inst_name");
  CHECK(json_equal(json_object_get(rack, "unique"), expected_unique));
  json_decref(expected_unique);
  long reads = requests_of(em, "search_object_attribute");
  char *again = bkcc_get_model_json(client, "rack", &err);
  CHECK_STATUS(err, BKCC_OK);
  CHECK(again && strstr(again, "\"rack_status\"") != NULL);
  CHECK(requests_of(em, "search_object_attribute") == reads); /* the client's cache */
  bkcc_free(again);

  CHECK(bkcc_get_model(client, "no_such_model", &err) == NULL);
  CHECK_STATUS(err, BKCC_EAPI);
  CHECK(strstr(err.message, "no_such_model") != NULL);
  CHECK(bkcc_get_model(NULL, "rack", &err) == NULL);
  CHECK_STATUS(err, BKCC_EINVAL);
  CHECK(bkcc_get_model(client, NULL, &err) == NULL);
  CHECK_STATUS(err, BKCC_EINVAL);
  CHECK(bkcc_get_model(client, "host", &err) == NULL);
  CHECK_STATUS(err, BKCC_EVALIDATION);

  /* Checks against the model. */
  json_t *details = json_loads("[{\"bk_inst_name\": \"R-1\", \"rack_u\": 42},"
                               " {\"bk_inst_name\": \"R-2\", \"rack_u\": 61},"
                               " {\"bk_inst_name\": \"R-3\", \"bk_port_count\": 1}]", 0, NULL);
  json_t *problems = bkcc_validate_model(rack, details, &err);
  CHECK_STATUS(err, BKCC_OK);
  CHECK(json_object_get(problems, "0") == NULL);
  CHECK(json_is_string(json_object_get(problems, "1")) &&
        strstr(json_string_value(json_object_get(problems, "1")), "above the maximum 60") != NULL);
  json_t *warnings = json_object_get(problems, "warnings");
  CHECK(json_object_size(warnings) == 1 && strstr(json_string_value(json_object_get(warnings, "2")), "bk_port_count") != NULL);
  json_decref(problems);
  CHECK(bkcc_validate_model(NULL, details, &err) == NULL);
  CHECK_STATUS(err, BKCC_EINVAL);
  json_t *not_a_model = json_pack("{s:s, s:i}", "bk_obj_id", "rack", "attributes", 3);
  CHECK(bkcc_validate_model(not_a_model, details, &err) == NULL);
  CHECK_STATUS(err, BKCC_EINVAL);
  CHECK(strcmp(err.message, "model.attributes: must be an array") == 0);
  json_decref(not_a_model);
  CHECK(bkcc_validate_model_json("{", "[]", &err) == NULL);
  CHECK_STATUS(err, BKCC_EINVAL);

  /* The batch option: checked before anything is sent. */
  json_t *options = json_pack("{s:O}", "model", rack);
  long creates = emulator_creates(em);
  CHECK(bkcc_batch_create_inst(client, "rack", details, options, &err) == NULL);
  CHECK_STATUS(err, BKCC_EVALIDATION);
  CHECK(strstr(err.message, "rack_u") != NULL && emulator_creates(em) == creates);

  /* A custom model end to end: 300 racks, no bk_asset_id anywhere. */
  json_t *racks = json_array();
  for (int i = 0; i < 300; i++) {
    char name[32];
    snprintf(name, sizeof name, "R-%03d", i);
    json_array_append_new(racks, json_pack("{s:s, s:i, s:s}", "bk_inst_name", name, "rack_u", 1 + i % 60, "rack_status", "idle"));
  }
  json_t *offline = bkcc_validate("rack", racks, &err);
  CHECK_STATUS(err, BKCC_OK);
  CHECK(offline && json_object_size(offline) == 0);
  json_decref(offline);
  json_t *created = bkcc_batch_create_inst(client, "rack", racks, options, &err);
  CHECK_STATUS(err, BKCC_OK);
  CHECK(json_object_size(json_object_get(created, "success_created")) == 300);
  json_t *stored = emulator_instances(em, "rack");
  CHECK(json_array_size(stored) == 300);
  json_decref(stored);
  json_decref(created);

  /* Sync: a plan of one change and one new row; nothing is sent until it is carried out. */
  json_t *rows = json_loads("[{\"bk_inst_name\": \"R-000\", \"rack_u\": 59}, {\"bk_inst_name\": \"R-NEW\"}]", 0, NULL);
  creates = emulator_creates(em);
  json_t *plan = bkcc_sync_plan(client, "rack", rows, NULL, &err);
  CHECK_STATUS(err, BKCC_OK);
  json_t *counts = json_object_get(plan, "counts");
  CHECK(json_integer_value(json_object_get(counts, "create")) == 1 && json_integer_value(json_object_get(counts, "update")) == 1);
  CHECK(json_integer_value(json_object_get(counts, "extra")) == 299 && emulator_creates(em) == creates);
  json_t *first = json_array_get(json_object_get(plan, "rows"), 0);
  CHECK(json_integer_value(json_object_get(json_object_get(first, "update"), "rack_u")) == 59);
  json_decref(plan);
  json_t *bad_key = json_pack("{s:s}", "key", "nope");
  CHECK(bkcc_sync_plan(client, "rack", rows, bad_key, &err) == NULL);
  CHECK_STATUS(err, BKCC_EINVAL);
  json_decref(bad_key);
  char *text = bkcc_sync_plan_json(client, "rack", "[{\"bk_inst_name\": \"R-001\"}, {\"bk_inst_name\": \"R-001\"}]", NULL, &err);
  CHECK(text == NULL);
  CHECK_STATUS(err, BKCC_EVALIDATION);
  CHECK(bkcc_sync_plan_json(client, "rack", "{}", NULL, &err) == NULL);
  CHECK_STATUS(err, BKCC_EINVAL);
  json_decref(rows);
  json_decref(racks);
  json_decref(options);
  json_decref(details);
  json_decref(rack);
  bkcc_client_free(client);
}

int main(void) {
  emulator em;
  if (emulator_begin(&em, NULL) != 0) return 2;
  test_get_model(&em);
  if (!emulator_alive(&em)) emulator_print_stderr(&em);
  CHECK(emulator_stop(&em, SIGTERM) == 0);
  curl_global_cleanup();
  printf("%d passed, %d failed\n", passed, failed);
  return failed == 0 ? 0 : 1;
}
