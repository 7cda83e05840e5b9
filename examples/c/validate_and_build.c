/* Validate three switches and build the request bkcc would send for them — no network needed.
 * Build: gcc -std=c99 validate_and_build.c $(pkg-config --cflags --libs bkcc) */
#include <bkcc.h>
#include <stdio.h>

int main(void) {
  bkcc_error err;
  bkcc_client *client = bkcc_client_new_json(
      "{\"url\": \"http://127.0.0.1:8000\", \"app_code\": \"bkcc-demo\","
      " \"app_secret\": \"bkcc-demo-secret\", \"username\": \"admin\"}", &err);
  if (!client) {
    fprintf(stderr, "config: %s: %s\n", bkcc_status_name(err.status), err.message);
    return 1;
  }

  json_t *details = json_pack("[{s:s, s:s}, {s:s, s:s}, {s:s}]",
                              "bk_inst_name", "sw-01", "bk_asset_id", "SW-0001",
                              "bk_inst_name", "sw-02", "bk_asset_id", "SW-0001",  /* same asset id */
                              "bk_inst_name", "sw-03");                           /* no asset id   */

  json_t *problems = bkcc_validate("bk_switch", details, &err);  /* new reference */
  const char *index;
  json_t *message;
  json_object_foreach(problems, index, message) {
    printf("invalid %s: %s\n", index, json_string_value(message));
  }
  json_decref(problems);

  json_t *request = bkcc_build_request(client, "bk_switch", details, &err);  /* new reference */
  if (request) {
    printf("%s %s\n", json_string_value(json_object_get(request, "method")),
           json_string_value(json_object_get(request, "url")));
    json_decref(request);
  } else {
    fprintf(stderr, "build: %s\n", err.message);
  }

  json_decref(details);
  bkcc_client_free(client);
  return 0;
}
