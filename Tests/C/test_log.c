/* bkcc_client_set_log through the C ABI against the CMDB emulator: one BKCC_LOG_REQUESTS line per request with
 * method, path, status, request_id, items and elapsed_ms; BKCC_LOG_BODIES adds the request and the answer with
 * the secret as "***"; removing the log (fn NULL, level 0) stops it; a NULL client is ignored. Prints
 * "N passed, N failed". */
#define _POSIX_C_SOURCE 200809L
#include <bkcc.h>

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "emulator.h"

/* What the log function received: the count of each level, and every text concatenated (bounded). */
typedef struct {
  int lines, bodies, other;
  char text[1 << 16];
  size_t used;
} captured;

static void on_log(int level, const char *text, void *user) {
  captured *c = user;
  if (level == BKCC_LOG_REQUESTS) c->lines++;
  else if (level == BKCC_LOG_BODIES) c->bodies++;
  else c->other++;
  size_t length = strlen(text);
  if (c->used + length + 2 < sizeof c->text) {
    memcpy(c->text + c->used, text, length);
    c->used += length;
    c->text[c->used++] = '\n';
    c->text[c->used] = '\0';
  }
}

static json_t *switches(int count, const char *prefix) {
  json_t *details = json_array();
  for (int i = 0; i < count; i++) {
    char name[32], asset[32];
    snprintf(name, sizeof name, "%s-%d", prefix, i);
    snprintf(asset, sizeof asset, "%s-A-%d", prefix, i);
    json_array_append_new(details, json_pack("{s:s, s:s}", "bk_inst_name", name, "bk_asset_id", asset));
  }
  return details;
}

static void create(bkcc_client *client, int count, const char *prefix) {
  json_t *details = switches(count, prefix);
  bkcc_error err;
  json_t *result = bkcc_batch_create_inst(client, "bk_switch", details, NULL, &err);
  CHECK_STATUS(err, BKCC_OK);
  json_decref(result);
  json_decref(details);
}

int main(void) {
  emulator em;
  if (emulator_begin(&em, NULL) != 0) return 2;
  bkcc_client *client = emulator_client(&em, ", \"concurrency\": 1");
  CHECK(client != NULL);
  static captured c;

  bkcc_client_set_log(NULL, BKCC_LOG_REQUESTS, on_log, &c); /* ignored, no crash */

  bkcc_client_set_log(client, BKCC_LOG_REQUESTS, on_log, &c);
  create(client, 450, "req");
  CHECK(c.lines == 3 && c.bodies == 0 && c.other == 0);
  CHECK(strstr(c.text, "POST /api/c/compapi/v2/cc/batch_create_inst/ 200 request_id=") == c.text);
  CHECK(strstr(c.text, " items=200 elapsed_ms=") != NULL && strstr(c.text, " items=50 elapsed_ms=") != NULL);

  memset(&c, 0, sizeof c);
  bkcc_client_set_log(client, 7, on_log, &c); /* above 2: bodies */
  create(client, 2, "body");
  CHECK(c.lines == 1 && c.bodies == 2);
  CHECK(strstr(c.text, "> POST http://127.0.0.1:") == c.text);
  CHECK(strstr(c.text, "\"bk_app_secret\":\"***\"") != NULL);
  CHECK(strstr(c.text, "\n< 200\n") != NULL);
  CHECK(strstr(c.text, "bkcc-demo-secret") == NULL);

  memset(&c, 0, sizeof c);
  bkcc_client_set_log(client, BKCC_LOG_OFF, on_log, &c);
  create(client, 1, "off");
  bkcc_client_set_log(client, BKCC_LOG_REQUESTS, NULL, &c);
  create(client, 1, "null");
  CHECK(c.lines == 0 && c.bodies == 0);

  bkcc_client_free(client);
  if (!emulator_alive(&em)) emulator_print_stderr(&em);
  CHECK(emulator_stop(&em, SIGTERM) == 0);
  curl_global_cleanup();
  printf("%d passed, %d failed\n", passed, failed);
  return failed == 0 ? 0 : 1;
}
