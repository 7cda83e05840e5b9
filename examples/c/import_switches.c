/* Import N switches into a CMDB (or the emulator) and print what became of them.
 * Usage: import URL [N]   Build: gcc -std=c99 import_switches.c $(pkg-config --cflags --libs bkcc) */
#include <bkcc.h>
#include <stdio.h>
#include <stdlib.h>

int main(int argc, char **argv) {
  if (argc < 2) {
    fprintf(stderr, "usage: %s URL [N]\n", argv[0]);
    return 2;
  }
  int count = argc > 2 ? atoi(argv[2]) : 1000;

  json_t *config = json_pack("{s:s, s:s, s:s, s:s, s:i}", "url", argv[1], "app_code", "bkcc-demo",
                             "app_secret", "bkcc-demo-secret", "username", "admin", "concurrency", 8);
  bkcc_error err;
  bkcc_client *client = bkcc_client_new(config, &err);
  json_decref(config);
  if (!client) {
    fprintf(stderr, "%s: %s\n", bkcc_status_name(err.status), err.message);
    return 2;
  }

  json_t *details = json_array();
  for (int i = 0; i < count; i++) {
    char name[32], asset[32];
    snprintf(name, sizeof name, "sw-%05d", i);
    snprintf(asset, sizeof asset, "SW-%05d", i);
    json_array_append_new(details, json_pack("{s:s, s:s, s:s}", "bk_inst_name", name, "bk_asset_id", asset,
                                             "bk_operator", "admin"));
  }

  /* Any number of details: bkcc splits, sends up to 8 requests at once, and merges the answers. */
  json_t *result = bkcc_batch_create_inst(client, "bk_switch", details, NULL, &err);
  if (!result) {  /* nothing was attempted: a bad argument or an invalid detail */
    fprintf(stderr, "%s: %s\n", bkcc_status_name(err.status), err.message);
    return 2;
  }
  json_t *summary = json_object_get(result, "summary");
  printf("%s: %lld created, %lld failed, %lld unknown, %lld skipped in %zu requests\n", bkcc_status_name(err.status),
         json_integer_value(json_object_get(summary, "created")), json_integer_value(json_object_get(summary, "failed")),
         json_integer_value(json_object_get(summary, "unknown")), json_integer_value(json_object_get(summary, "skipped")),
         json_array_size(json_object_get(result, "requests")));
  const char *index;
  json_t *message;
  json_object_foreach(json_object_get(result, "error_msg"), index, message) {
    printf("  details[%s]: %s\n", index, json_string_value(message));
    break; /* the first is enough here */
  }

  json_decref(result);
  json_decref(details);
  bkcc_client_free(client);
  return err.status == BKCC_OK ? 0 : 1;
}
