/* sansio: the cost of bkcc's sans-IO path for one 200-item batch, through the C API in dist/.
 *
 *   sansio [ITERATIONS] [MAX_SECONDS]
 *
 * Each iteration: bkcc_validate (the 200 details) + bkcc_build_request + json_dumps of the request body (the bytes
 * that would go on the wire) + bkcc_parse_response of a 200-item success answer. Prints one JSON line with the
 * nanoseconds per instance of each step and of the whole. Bounded: stops after ITERATIONS or MAX_SECONDS.
 */
#include <bkcc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define N 200

static double now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static const char *VENDORS[] = {"华为", "新华三", "Cisco", "Arista", "锐捷"};
static const char *MODELS[] = {"CE6881-48S6CQ", "S5130S-52S-EI", "C9300-48T", "7280SR3-48YC8", "RG-S5750-48GT4XS-E"};

int main(int argc, char **argv) {
  long iterations = argc > 1 ? atol(argv[1]) : 2000;
  double max_seconds = argc > 2 ? atof(argv[2]) : 10.0;
  bkcc_error err;
  bkcc_client *client = bkcc_client_new_json(
      "{\"url\": \"http://127.0.0.1:9\", \"app_code\": \"bkcc-demo\", \"app_secret\": \"bkcc-demo-secret\","
      " \"username\": \"admin\"}", &err);
  if (!client) {
    fprintf(stderr, "client: %s\n", err.message);
    return 1;
  }
  json_t *details = json_array();
  char name[128], asset[64], sn[32];
  for (int i = 0; i < N; i++) {
    snprintf(name, sizeof name, "北京-亦庄-接入交换机-A%02d-%05d", i % 40, i + 1);
    snprintf(asset, sizeof asset, "ZC-SW-%d-%06d", 2020 + i % 5, i + 1);
    snprintf(sn, sizeof sn, "CTD%010d", 179419893 + i * 7919);
    json_array_append_new(details, json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:i}", "bk_inst_name", name,
                                             "bk_asset_id", asset, "bk_sn", sn, "bk_operator", "zhangwei",
                                             "bk_vendor", VENDORS[i % 5], "bk_model", MODELS[i % 5],
                                             "bk_port_count", 52));
  }
  /* The emulator's answer to such a request: every item created. */
  json_t *created = json_object();
  char key[16];
  for (int i = 0; i < N; i++) {
    snprintf(key, sizeof key, "%d", i);
    json_object_set_new(created, key, json_integer(1001 + i));
  }
  json_t *answer = json_pack("{s:b, s:i, s:s, s:n, s:s, s:{s:o, s:{}}}", "result", 1, "code", 0, "message", "",
                             "permission", "request_id", "0123456789abcdef0123456789abcdef", "data",
                             "success_created", created, "error_msg");
  char *response = json_dumps(answer, JSON_COMPACT);
  size_t response_len = strlen(response);
  json_decref(answer);

  double t_validate = 0, t_build = 0, t_dump = 0, t_parse = 0;
  size_t body_bytes = 0;
  long done = 0;
  double start = now();
  for (; done < iterations && now() - start < max_seconds; done++) {
    double t0 = now();
    json_t *problems = bkcc_validate("bk_switch", details, &err);
    if (!problems || json_object_size(problems) != 0) {
      fprintf(stderr, "validate: %s\n", err.message);
      return 1;
    }
    json_decref(problems);
    double t1 = now();
    json_t *request = bkcc_build_request(client, "bk_switch", details, &err);
    if (!request) {
      fprintf(stderr, "build: %s\n", err.message);
      return 1;
    }
    double t2 = now();
    char *body = json_dumps(json_object_get(request, "body"), JSON_COMPACT);
    body_bytes = strlen(body);
    free(body);
    json_decref(request);
    double t3 = now();
    json_t *parsed = bkcc_parse_response(200, response, response_len, N, &err);
    if (!parsed || json_object_size(json_object_get(parsed, "success_created")) != N) {
      fprintf(stderr, "parse: %s\n", err.message);
      return 1;
    }
    json_decref(parsed);
    double t4 = now();
    t_validate += t1 - t0;
    t_build += t2 - t1;
    t_dump += t3 - t2;
    t_parse += t4 - t3;
  }
  double per = 1e9 / ((double)done * N);
  printf("{\"iterations\": %ld, \"items\": %d, \"body_bytes\": %zu, \"response_bytes\": %zu, "
         "\"validate_ns\": %.1f, \"build_ns\": %.1f, \"dump_ns\": %.1f, \"parse_ns\": %.1f, \"total_ns\": %.1f}\n",
         done, N, body_bytes, response_len, t_validate * per, t_build * per, t_dump * per, t_parse * per,
         (t_validate + t_build + t_dump + t_parse) * per);
  free(response);
  json_decref(details);
  bkcc_client_free(client);
  return 0;
}
