/* The C ABI of libbkcc, exercised from C against the built library (dist/): every exported function,
 * NULL for every pointer, wrong JSON types, invalid UTF-8, hostile answers, ownership (refcounts).
 * Run under valgrind by `make test`. Prints "N passed, N failed" and exits non-zero on any failure. */
#include <bkcc.h>

#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"

static int contains(const char *haystack, const char *needle) {
  return haystack != NULL && strstr(haystack, needle) != NULL;
}

/* 1 when s is valid UTF-8 (no partial character at the end). */
static int valid_utf8(const char *s) {
  const unsigned char *p = (const unsigned char *)s;
  while (*p) {
    int n = *p < 0x80 ? 0 : (*p & 0xE0) == 0xC0 ? 1 : (*p & 0xF0) == 0xE0 ? 2 : (*p & 0xF8) == 0xF0 ? 3 : -1;
    if (n < 0) return 0;
    p++;
    while (n-- > 0) {
      if ((*p & 0xC0) != 0x80) return 0;
      p++;
    }
  }
  return 1;
}

static json_t *load(const char *text) {
  json_error_t error;
  json_t *json = json_loads(text, 0, &error);
  if (!json) {
    fprintf(stderr, "bad test JSON: %s\n", error.text);
    exit(2);
  }
  return json;
}

static const char *ESB_CONFIG =
    "{\"url\": \"http://127.0.0.1:9/\", \"app_code\": \"app\", \"app_secret\": \"S3CRET-value\","
    " \"username\": \"admin\"}";

static const char *THREE_DETAILS =
    "[{\"bk_inst_name\": \"s1\", \"bk_asset_id\": \"test_001\", \"bk_sn\": \"00000001\", \"bk_operator\": \"admin\"},"
    " {\"bk_inst_name\": \"s2\", \"bk_asset_id\": \"test_002\"},"
    " {\"bk_inst_name\": \"s3\", \"bk_asset_id\": \"test_003\"}]";

static void test_version_and_names(void) {
  CHECK(strcmp(bkcc_version(), BKCC_VERSION_STRING) == 0);
  CHECK(strcmp(bkcc_status_name(BKCC_OK), "BKCC_OK") == 0);
  CHECK(strcmp(bkcc_status_name(BKCC_EINVAL), "BKCC_EINVAL") == 0);
  CHECK(strcmp(bkcc_status_name(BKCC_EVALIDATION), "BKCC_EVALIDATION") == 0);
  CHECK(strcmp(bkcc_status_name(BKCC_ETRANSPORT), "BKCC_ETRANSPORT") == 0);
  CHECK(strcmp(bkcc_status_name(BKCC_EHTTP), "BKCC_EHTTP") == 0);
  CHECK(strcmp(bkcc_status_name(BKCC_EPROTOCOL), "BKCC_EPROTOCOL") == 0);
  CHECK(strcmp(bkcc_status_name(BKCC_EAPI), "BKCC_EAPI") == 0);
  CHECK(strcmp(bkcc_status_name(BKCC_EPARTIAL), "BKCC_EPARTIAL") == 0);
  CHECK(strcmp(bkcc_status_name(BKCC_ECANCELLED), "BKCC_ECANCELLED") == 0);
  CHECK(strcmp(bkcc_status_name(BKCC_ENOMEM), "BKCC_ENOMEM") == 0);
  CHECK(strcmp(bkcc_status_name(-1), "BKCC_UNKNOWN") == 0);
  CHECK(strcmp(bkcc_status_name(10), "BKCC_UNKNOWN") == 0);
  bkcc_free(NULL);
  bkcc_json_decref(NULL);
  bkcc_client_free(NULL);
  bkcc_client_set_transport(NULL, NULL, NULL);
  bkcc_client_set_progress(NULL, NULL, NULL);
}

static void test_status_text(void) {
  const char *texts[BKCC_ENOMEM + 1];
  for (int status = BKCC_OK; status <= BKCC_ENOMEM; status++) {
    const char *text = bkcc_status_text(status);
    texts[status] = text;
    int ok = text != NULL && strlen(text) >= 8 && strlen(text) < 200 && text[strlen(text) - 1] == '.' &&
             valid_utf8(text) && strcmp(text, bkcc_status_name(status)) != 0 && strstr(text, "BKCC_") == NULL;
    if (!ok) fprintf(stderr, "bkcc_status_text(%d) = \"%s\"\n", status, text ? text : "NULL");
    CHECK(ok);
    CHECK(bkcc_status_text(status) == text); /* static: the same string every time, nothing to free */
    for (int other = BKCC_OK; text && other < status; other++) CHECK(strcmp(texts[other], text) != 0);
  }
  CHECK(contains(texts[BKCC_EAPI], "result:false"));
  CHECK(contains(texts[BKCC_OK], "uccess"));
  CHECK(contains(texts[BKCC_ENOMEM], "memory"));
  CHECK(contains(texts[BKCC_EVALIDATION], "nothing was sent"));
  /* Unknown values get a sentence too: one that names no known status. */
  const int unknown[] = {-1, BKCC_ENOMEM + 1, 1000, INT_MAX, INT_MIN};
  for (size_t i = 0; i < sizeof unknown / sizeof unknown[0]; i++) {
    const char *text = bkcc_status_text(unknown[i]);
    CHECK(text != NULL && strlen(text) >= 8 && text[strlen(text) - 1] == '.' && strcmp(text, "BKCC_UNKNOWN") != 0);
    for (int status = BKCC_OK; text && status <= BKCC_ENOMEM; status++) CHECK(strcmp(texts[status], text) != 0);
  }
}

/* 1 when value is the JSON that text spells. */
static int is_json(const json_t *value, const char *text) {
  json_t *expected = load(text);
  int same = json_equal(value, expected);
  json_decref(expected);
  return same;
}

static int in_strings(const json_t *array, const char *s) {
  size_t i;
  json_t *value;
  json_array_foreach(array, i, value) {
    if (json_is_string(value) && strcmp(json_string_value(value), s) == 0) return 1;
  }
  return 0;
}

/* ESB_CONFIG with key set to value (stolen); 1 when bkcc_client_new accepts it. */
static int config_accepted(const char *key, json_t *value) {
  json_t *config = load(ESB_CONFIG);
  json_object_set_new(config, key, value);
  bkcc_error err;
  bkcc_client *client = bkcc_client_new(config, &err);
  bkcc_client_free(client);
  json_decref(config);
  return client != NULL;
}

/* The configuration keys bkcc.h documents (bkcc_client_new), in its order. */
static const char *const CONFIG_KEYS[] = {
    "url",      "api",        "stage",      "app_code",           "app_secret", "username",    "token",
    "access_token", "auth",   "language",   "timeout_ms",         "connect_timeout_ms", "verify_tls", "ca_file",
    "proxy",    "concurrency", "max_requests_per_second", "retries", "user_agent", "headers"};
#define CONFIG_KEY_COUNT (sizeof CONFIG_KEYS / sizeof CONFIG_KEYS[0])

/* One entry of the schema: its fields' types, and what bkcc_client_new does with its default, range and choices. */
static void check_schema_entry(const json_t *entry, const char *key) {
  const char *type = json_string_value(json_object_get(entry, "type"));
  const json_t *def = json_object_get(entry, "default");
  const json_t *range = json_object_get(entry, "range");
  const json_t *choices = json_object_get(entry, "choices");
  const json_t *environment = json_object_get(entry, "environment");
  int numeric = type && (strcmp(type, "integer") == 0 || strcmp(type, "number") == 0);
  int ok = type && (numeric || strcmp(type, "string") == 0 || strcmp(type, "boolean") == 0 || strcmp(type, "object") == 0) &&
           json_is_boolean(json_object_get(entry, "required")) && json_is_boolean(json_object_get(entry, "secret")) &&
           json_string_length(json_object_get(entry, "help")) > 0 && (json_is_null(def) || json_is_string(def)) &&
           json_is_array(environment) && (!choices || json_is_array(choices)) && (numeric || !range);
  if (!ok) fprintf(stderr, "schema entry %s: bad fields\n", key);
  CHECK(ok);
  size_t i;
  json_t *name;
  json_array_foreach(environment, i, name) {
    const char *s = json_string_value(name);
    CHECK(s && s[0] && strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_") == strlen(s));
  }
  /* The default is JSON text of the key's type, and bkcc_client_new accepts it. */
  if (json_is_string(def)) {
    json_t *value = json_loads(json_string_value(def), JSON_DECODE_ANY, NULL);
    int typed = value && ((strcmp(type, "string") == 0 && json_is_string(value)) ||
                          (strcmp(type, "integer") == 0 && json_is_integer(value)) ||
                          (strcmp(type, "number") == 0 && json_is_number(value)) ||
                          (strcmp(type, "boolean") == 0 && json_is_boolean(value)) ||
                          (strcmp(type, "object") == 0 && json_is_object(value)));
    if (!typed) fprintf(stderr, "schema entry %s: default %s is not JSON text of type %s\n", key, json_string_value(def), type);
    CHECK(typed);
    if (typed) CHECK(config_accepted(key, json_incref(value)));
    json_decref(value);
  }
  /* The range's ends are accepted and what is just outside them is refused. */
  if (numeric) {
    int integer = strcmp(type, "integer") == 0;
    const json_t *low = json_array_get(range, 0), *high = json_array_get(range, 1);
    CHECK(json_is_array(range) && json_array_size(range) == 2 && json_is_number(low) && (json_is_number(high) || json_is_null(high)));
    if (json_is_number(low)) {
      double l = json_number_value(low);
      CHECK(config_accepted(key, integer ? json_integer((json_int_t)l) : json_real(l)));
      CHECK(!config_accepted(key, integer ? json_integer((json_int_t)l - 1) : json_real(l - 0.5)));
    }
    if (json_is_number(high)) {
      double h = json_number_value(high);
      CHECK(!json_is_number(low) || json_number_value(low) <= h);
      CHECK(config_accepted(key, integer ? json_integer((json_int_t)h) : json_real(h)));
      CHECK(!config_accepted(key, integer ? json_integer((json_int_t)h + 1) : json_real(h + 0.5)));
    }
  }
  /* Every choice is accepted, and a string that is not one is refused. */
  if (json_array_size(choices) > 0) {
    json_t *choice;
    json_array_foreach(choices, i, choice) {
      CHECK(json_is_string(choice) && config_accepted(key, json_incref(choice)));
    }
    CHECK(!config_accepted(key, json_string("not-a-choice")));
  }
  /* A required key cannot be left out. */
  if (json_is_true(json_object_get(entry, "required"))) {
    json_t *config = load(ESB_CONFIG);
    json_object_del(config, key);
    bkcc_error err;
    bkcc_client *client = bkcc_client_new(config, &err);
    CHECK(client == NULL && err.status == BKCC_EINVAL && contains(err.message, key));
    bkcc_client_free(client);
    json_decref(config);
  }
}

static void test_config_schema(void) {
  const char *text = bkcc_config_schema();
  CHECK(text != NULL && bkcc_config_schema() == text); /* static */
  json_error_t error;
  json_t *schema = text ? json_loads(text, JSON_REJECT_DUPLICATES, &error) : NULL;
  if (text && !schema) fprintf(stderr, "bkcc_config_schema: not JSON: %s\n", error.text);
  CHECK(json_is_array(schema) && json_array_size(schema) == CONFIG_KEY_COUNT);
  /* Each documented key once, in the header's order, and nothing else. */
  for (size_t k = 0; k < CONFIG_KEY_COUNT; k++) {
    json_t *entry = json_array_get(schema, k);
    const char *key = json_string_value(json_object_get(entry, "key"));
    if (!key || strcmp(key, CONFIG_KEYS[k]) != 0) {
      fprintf(stderr, "bkcc_config_schema()[%zu]: key %s, expected %s\n", k, key ? key : "NULL", CONFIG_KEYS[k]);
    }
    CHECK(json_is_object(entry) && key && strcmp(key, CONFIG_KEYS[k]) == 0);
    if (json_is_object(entry)) check_schema_entry(entry, CONFIG_KEYS[k]);
  }
  /* No environment variable serves two keys. */
  size_t i, j;
  json_t *entry, *other;
  json_array_foreach(schema, i, entry) {
    json_array_foreach(schema, j, other) {
      size_t e;
      json_t *name;
      json_array_foreach(json_object_get(entry, "environment"), e, name) {
        if (j != i) CHECK(!in_strings(json_object_get(other, "environment"), json_string_value(name)));
      }
    }
  }
  /* What the header says of particular keys. */
  json_t *by_key = json_object();
  json_array_foreach(schema, i, entry) {
    if (json_is_string(json_object_get(entry, "key"))) json_object_set(by_key, json_string_value(json_object_get(entry, "key")), entry);
  }
  json_t *url = json_object_get(by_key, "url");
  CHECK(json_is_true(json_object_get(url, "required")) && json_is_false(json_object_get(url, "secret")));
  CHECK(strcmp(json_string_value(json_object_get(url, "type")), "string") == 0);
  CHECK(is_json(json_object_get(url, "environment"), "[\"BK_COMPONENT_API_URL\"]"));
  for (size_t k = 0; k < CONFIG_KEY_COUNT; k++) {
    const char *key = CONFIG_KEYS[k];
    int secret = strcmp(key, "app_secret") == 0 || strcmp(key, "token") == 0 || strcmp(key, "access_token") == 0;
    int required = strcmp(key, "url") == 0 || strcmp(key, "app_code") == 0 || strcmp(key, "app_secret") == 0;
    CHECK(json_is_boolean(json_object_get(json_object_get(by_key, key), "secret")) &&
          json_is_true(json_object_get(json_object_get(by_key, key), "secret")) == secret);
    if (json_is_true(json_object_get(json_object_get(by_key, key), "required")) != required) {
      fprintf(stderr, "bkcc_config_schema: %s required is not %d\n", key, required);
    }
    CHECK(json_is_true(json_object_get(json_object_get(by_key, key), "required")) == required);
  }
  CHECK(in_strings(json_object_get(json_object_get(by_key, "app_code"), "environment"), "BK_APP_CODE"));
  CHECK(in_strings(json_object_get(json_object_get(by_key, "app_secret"), "environment"), "BK_APP_SECRET"));
  CHECK(in_strings(json_object_get(json_object_get(by_key, "username"), "environment"), "BK_USERNAME"));
  json_t *concurrency = json_object_get(by_key, "concurrency");
  CHECK(strcmp(json_string_value(json_object_get(concurrency, "type")), "integer") == 0);
  CHECK(json_number_value(json_array_get(json_object_get(concurrency, "range"), 0)) == 1 &&
        json_number_value(json_array_get(json_object_get(concurrency, "range"), 1)) == 64);
  CHECK(strcmp(json_string_value(json_object_get(concurrency, "default")), "4") == 0);
  json_t *retries = json_object_get(by_key, "retries");
  CHECK(json_number_value(json_array_get(json_object_get(retries, "range"), 0)) == 0 &&
        json_number_value(json_array_get(json_object_get(retries, "range"), 1)) == 10);
  CHECK(strcmp(json_string_value(json_object_get(retries, "default")), "3") == 0);
  CHECK(strcmp(json_string_value(json_object_get(json_object_get(by_key, "timeout_ms"), "default")), "60000") == 0);
  CHECK(strcmp(json_string_value(json_object_get(json_object_get(by_key, "connect_timeout_ms"), "default")), "10000") == 0);
  CHECK(strcmp(json_string_value(json_object_get(json_object_get(by_key, "verify_tls"), "default")), "true") == 0);
  CHECK(strcmp(json_string_value(json_object_get(json_object_get(by_key, "api"), "default")), "\"esb\"") == 0);
  CHECK(strcmp(json_string_value(json_object_get(json_object_get(by_key, "stage"), "default")), "\"prod\"") == 0);
  CHECK(strcmp(json_string_value(json_object_get(json_object_get(by_key, "auth"), "default")), "\"body\"") == 0);
  CHECK(is_json(json_object_get(json_object_get(by_key, "api"), "choices"), "[\"esb\", \"apigw\"]"));
  CHECK(is_json(json_object_get(json_object_get(by_key, "auth"), "choices"), "[\"body\", \"header\"]"));
  CHECK(is_json(json_object_get(json_object_get(by_key, "language"), "choices"), "[\"en\", \"zh-cn\"]"));
  CHECK(strcmp(json_string_value(json_object_get(json_object_get(by_key, "headers"), "type")), "object") == 0);
  json_decref(by_key);
  json_decref(schema);
}

static void test_client_new(void) {
  bkcc_error err;
  memset(&err, 0x55, sizeof err);
  CHECK(bkcc_client_new(NULL, &err) == NULL);
  CHECK_STATUS(err, BKCC_EINVAL);
  CHECK(contains(err.message, "config"));
  CHECK(err.http_status == 0 && err.api_code == 0 && err.request_id[0] == '\0');
  CHECK(bkcc_client_new(NULL, NULL) == NULL);

  json_t *array = json_array();
  CHECK(bkcc_client_new(array, &err) == NULL);
  CHECK_STATUS(err, BKCC_EINVAL);
  CHECK(contains(err.message, "must be a JSON object"));
  json_decref(array);

  /* An unknown key is named, with a suggestion. */
  json_t *config = load(ESB_CONFIG);
  json_object_set_new(config, "timout_ms", json_integer(5));
  CHECK(bkcc_client_new(config, &err) == NULL);
  CHECK_STATUS(err, BKCC_EINVAL);
  CHECK(contains(err.message, "timout_ms") && contains(err.message, "timeout_ms"));
  json_object_del(config, "timout_ms");

  /* Wrong types name the key, and never echo a value (secrets). */
  json_object_set_new(config, "timeout_ms", json_string("S3CRET-value"));
  CHECK(bkcc_client_new(config, &err) == NULL);
  CHECK(contains(err.message, "timeout_ms") && !contains(err.message, "S3CRET"));
  json_object_set_new(config, "timeout_ms", json_integer(1000));
  json_object_set_new(config, "app_secret", json_integer(7));
  CHECK(bkcc_client_new(config, &err) == NULL);
  CHECK(contains(err.message, "app_secret"));
  json_object_set_new(config, "app_secret", json_string("S3CRET-value"));
  json_object_del(config, "url");
  CHECK(bkcc_client_new(config, &err) == NULL);
  CHECK(contains(err.message, "url") && contains(err.message, "required"));
  json_object_set_new(config, "url", json_string("ftp://x"));
  CHECK(bkcc_client_new(config, &err) == NULL);
  CHECK(contains(err.message, "http://"));
  json_object_set_new(config, "url", json_string("http://127.0.0.1:9"));
  json_object_del(config, "username");
  CHECK(bkcc_client_new(config, &err) == NULL);
  CHECK(contains(err.message, "username or token"));
  json_object_set_new(config, "username", json_string("admin"));
  json_object_set_new(config, "headers", load("{\"X-Bkapi-Authorization\": \"x\"}"));
  CHECK(bkcc_client_new(config, &err) == NULL);
  CHECK(contains(err.message, "X-Bkapi-Authorization"));
  json_object_set_new(config, "headers", load("{\"X-Team\": \"a\\r\\nInjected: 1\"}"));
  CHECK(bkcc_client_new(config, &err) == NULL);
  CHECK(contains(err.message, "control characters"));
  json_object_set_new(config, "headers", load("{\"X-Team\": \"ops\"}"));
  json_object_set_new(config, "concurrency", json_integer(0));
  CHECK(bkcc_client_new(config, &err) == NULL);
  CHECK(contains(err.message, "concurrency"));
  json_object_set_new(config, "concurrency", json_integer(8));

  /* The config is borrowed: its refcount is unchanged by a successful call. */
  size_t refcount = config->refcount;
  bkcc_client *client = bkcc_client_new(config, &err);
  CHECK(client != NULL);
  CHECK_STATUS(err, BKCC_OK);
  CHECK(err.message[0] == '\0');
  CHECK(config->refcount == refcount);
  bkcc_client_free(client);
  json_decref(config);

  CHECK(bkcc_client_new_json(NULL, &err) == NULL);
  CHECK_STATUS(err, BKCC_EINVAL);
  CHECK(bkcc_client_new_json("{\"url\": ", &err) == NULL);
  CHECK_STATUS(err, BKCC_EINVAL);
  CHECK(contains(err.message, "not valid JSON"));
  CHECK(bkcc_client_new_json("{\"url\": \"http://x\xff\"}", &err) == NULL);
  CHECK_STATUS(err, BKCC_EINVAL);
  CHECK(bkcc_client_new_json("[1,2]", &err) == NULL);
  CHECK_STATUS(err, BKCC_EINVAL);
  client = bkcc_client_new_json(ESB_CONFIG, NULL);
  CHECK(client != NULL);
  bkcc_client_free(client);
}

static void test_validate(void) {
  bkcc_error err;
  json_t *details = load(THREE_DETAILS);
  size_t refcount = details->refcount;
  json_t *problems = bkcc_validate("bk_switch", details, &err);
  CHECK(problems != NULL && json_is_object(problems) && json_object_size(problems) == 0);
  CHECK_STATUS(err, BKCC_OK);
  CHECK(problems != NULL && problems->refcount == 1);
  CHECK(details->refcount == refcount);
  json_decref(problems);

  CHECK(bkcc_validate(NULL, details, &err) == NULL);
  CHECK_STATUS(err, BKCC_EINVAL);
  CHECK(bkcc_validate("bk_switch", NULL, &err) == NULL);
  CHECK_STATUS(err, BKCC_EINVAL);
  CHECK(bkcc_validate("bk_switch", NULL, NULL) == NULL);
  CHECK(bkcc_validate("bk_sw\xc3", details, &err) == NULL);
  CHECK_STATUS(err, BKCC_EINVAL);
  CHECK(contains(err.message, "UTF-8"));
  CHECK(bkcc_validate("", details, &err) == NULL);
  CHECK_STATUS(err, BKCC_EVALIDATION);
  CHECK(bkcc_validate("host", details, &err) == NULL);
  CHECK_STATUS(err, BKCC_EVALIDATION);
  CHECK(contains(err.message, "built-in"));
  CHECK(bkcc_validate("bk switch", details, &err) == NULL);
  CHECK_STATUS(err, BKCC_EVALIDATION);

  json_t *object = json_object();
  CHECK(bkcc_validate("bk_switch", object, &err) == NULL);
  CHECK_STATUS(err, BKCC_EINVAL);
  CHECK(contains(err.message, "array"));
  json_decref(object);
  json_t *empty = json_array();
  CHECK(bkcc_validate("bk_switch", empty, &err) == NULL);
  CHECK_STATUS(err, BKCC_EVALIDATION);
  json_decref(empty);

  json_t *bad = load("[{\"bk_inst_name\": \"a\", \"bk_asset_id\": \"A1\"}, 7, {\"bk_inst_name\": \"  \"},"
                     " {\"bk_inst_name\": \"d\", \"bk_asset_id\": \" A1 \", \"bk_sn\": 5},"
                     " {\"bk_inst_name\": \"e\", \"bk_asset_id\": [\"x\"], \"bk_operator\": null}]");
  problems = bkcc_validate("bk_switch", bad, &err);
  CHECK_STATUS(err, BKCC_OK);
  CHECK(problems != NULL && json_object_size(problems) == 4);
  if (problems) {
    CHECK(json_object_get(problems, "0") == NULL);
    CHECK(contains(json_string_value(json_object_get(problems, "1")), "details[1]: must be an object, got integer"));
    CHECK(contains(json_string_value(json_object_get(problems, "2")), "details[2].bk_inst_name: required, must be a non-empty string"));
    CHECK(contains(json_string_value(json_object_get(problems, "2")), "details[2].bk_asset_id: required"));
    CHECK(contains(json_string_value(json_object_get(problems, "3")), "details[3].bk_sn: must be a string, got integer"));
    CHECK(contains(json_string_value(json_object_get(problems, "3")), "repeats details[0]"));
    CHECK(contains(json_string_value(json_object_get(problems, "4")), "details[4].bk_asset_id: must be a string, got array"));
    CHECK(contains(json_string_value(json_object_get(problems, "4")), "bk_operator: must be a string, got null"));
  }
  json_decref(problems);
  json_decref(bad);
  json_decref(details);

  char *text = bkcc_validate_json("bk_switch", "[{\"bk_inst_name\": \"a\"}]", &err);
  CHECK_STATUS(err, BKCC_OK);
  CHECK(contains(text, "\"0\"") && contains(text, "bk_asset_id"));
  bkcc_free(text);
  CHECK(bkcc_validate_json("bk_switch", "[{", &err) == NULL);
  CHECK_STATUS(err, BKCC_EINVAL);
  CHECK(bkcc_validate_json("bk_switch", NULL, &err) == NULL);
  CHECK_STATUS(err, BKCC_EINVAL);
  CHECK(bkcc_validate_json("bk_switch", "\"x\"", &err) == NULL);
  CHECK_STATUS(err, BKCC_EINVAL);
}

static int request_id_ok(const char *id) { return id != NULL && strlen(id) == 32 && strspn(id, "0123456789abcdef") == 32; }

/* 1 when a and b are the same request: method, url, body and headers, but for each request's own X-Request-Id. */
static int same_request(const json_t *a, const json_t *b) {
  json_t *ha = json_deep_copy(json_object_get(a, "headers"));
  json_t *hb = json_deep_copy(json_object_get(b, "headers"));
  int ok = request_id_ok(json_string_value(json_object_get(ha, "X-Request-Id"))) &&
           request_id_ok(json_string_value(json_object_get(hb, "X-Request-Id")));
  json_object_del(ha, "X-Request-Id");
  json_object_del(hb, "X-Request-Id");
  ok = ok && json_object_size(a) == 4 && json_object_size(b) == 4 && json_is_object(ha) && json_equal(ha, hb) &&
       json_is_string(json_object_get(a, "method")) && json_equal(json_object_get(a, "method"), json_object_get(b, "method")) &&
       json_is_string(json_object_get(a, "url")) && json_equal(json_object_get(a, "url"), json_object_get(b, "url")) &&
       json_is_object(json_object_get(a, "body")) && json_equal(json_object_get(a, "body"), json_object_get(b, "body"));
  json_decref(ha);
  json_decref(hb);
  return ok;
}

/* The request that a client made from config_json builds for details with bkcc_build_request (a new reference, NULL on
   failure), checked to be the request bkcc_build_request_json builds from the same details as text. */
static json_t *built(const char *config_json, const char *bk_obj_id, const json_t *details) {
  bkcc_error err;
  bkcc_client *client = bkcc_client_new_json(config_json, &err);
  CHECK(client != NULL);
  json_t *request = bkcc_build_request(client, bk_obj_id, details, &err);
  CHECK_STATUS(err, BKCC_OK);
  char *details_text = json_dumps(details, JSON_COMPACT);
  memset(&err, 0x55, sizeof err);
  char *text = bkcc_build_request_json(client, bk_obj_id, details_text, &err);
  CHECK_STATUS(err, BKCC_OK);
  CHECK(err.message[0] == '\0');
  json_t *from_text = text ? json_loads(text, JSON_REJECT_DUPLICATES, NULL) : NULL;
  int same = request && from_text && same_request(request, from_text) && strchr(text, '\n') == NULL;
  if (!same) fprintf(stderr, "bkcc_build_request_json: %s\n", text ? text : "NULL");
  CHECK(same);
  json_decref(from_text);
  bkcc_free(text);
  free(details_text);
  bkcc_client_free(client);
  return request;
}

/* What bkcc_build_request_json refuses (NULL, BKCC_EINVAL). */
static void test_build_request_json_refuses(const bkcc_client *client, const json_t *details) {
  char *good = json_dumps(details, JSON_COMPACT);
  json_t *many = json_array();
  for (int i = 0; i < BKCC_MAX_BATCH; i++) json_array_append(many, json_array_get(details, 0));
  char *most = json_dumps(many, JSON_COMPACT);
  json_array_append(many, json_array_get(details, 0));
  char *too_many = json_dumps(many, JSON_COMPACT);
  json_decref(many);
  bkcc_error err;
  char *text = bkcc_build_request_json(client, "bk_switch", most, &err); /* BKCC_MAX_BATCH is allowed */
  CHECK_STATUS(err, BKCC_OK);
  CHECK(text != NULL);
  bkcc_free(text);
  const struct {
    const bkcc_client *client;
    const char *obj, *details;
  } bad[] = {
      {NULL, "bk_switch", good},      {client, NULL, good},          {client, "bk_switch", NULL},
      {client, "bk_switch", ""},      {client, "bk_switch", "[{"},   {client, "bk_switch", "{}"},
      {client, "bk_switch", "[]"},    {client, "bk_switch", "7"},    {client, "bk_switch", too_many},
      {client, "bk_switch", "[{\"bk_inst_name\": \"a\xff\"}]"},      {client, "bk_sw\xc3", good},
      {client, "bk_switch/../x", good},
  };
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    text = bkcc_build_request_json(bad[i].client, bad[i].obj, bad[i].details, &err);
    if (text || err.status != BKCC_EINVAL) fprintf(stderr, "build_request_json bad[%zu]: %s\n", i, bkcc_status_name(err.status));
    CHECK(text == NULL);
    CHECK_STATUS(err, BKCC_EINVAL);
    bkcc_free(text);
  }
  CHECK(bkcc_build_request_json(client, "bk_switch", too_many, &err) == NULL && contains(err.message, "1 to 200"));
  CHECK(bkcc_build_request_json(client, "bk_switch", NULL, NULL) == NULL); /* err may be NULL */
  free(too_many);
  free(most);
  free(good);
}

static void test_build_request(void) {
  bkcc_error err;
  json_t *details = load(THREE_DETAILS);
  json_t *request = built(ESB_CONFIG, "bk_switch", details);
  if (request) {
    CHECK(strcmp(json_string_value(json_object_get(request, "method")), "POST") == 0);
    CHECK(strcmp(json_string_value(json_object_get(request, "url")),
                 "http://127.0.0.1:9/api/c/compapi/v2/cc/batch_create_inst/") == 0);
    json_t *headers = json_object_get(request, "headers");
    CHECK(strcmp(json_string_value(json_object_get(headers, "Content-Type")), "application/json") == 0);
    CHECK(request_id_ok(json_string_value(json_object_get(headers, "X-Request-Id"))));
    CHECK(json_object_get(headers, "X-Bkapi-Authorization") == NULL);
    json_t *body = json_object_get(request, "body");
    CHECK(strcmp(json_string_value(json_object_get(body, "bk_app_code")), "app") == 0);
    CHECK(strcmp(json_string_value(json_object_get(body, "bk_app_secret")), "S3CRET-value") == 0);
    CHECK(strcmp(json_string_value(json_object_get(body, "bk_username")), "admin") == 0);
    CHECK(strcmp(json_string_value(json_object_get(body, "bk_obj_id")), "bk_switch") == 0);
    CHECK(json_equal(json_object_get(body, "details"), details));
  }
  json_decref(request);

  /* Text that is not ASCII, and escapes, come through the JSON variant unchanged. */
  json_t *unicode = load("[{\"bk_inst_name\": \"\xe4\xba\xa4\xe6\x8d\xa2\xe6\x9c\xba-\\u00e9\", \"bk_asset_id\": \"q\\\"\\\\/\\t1\"}]");
  request = built(ESB_CONFIG, "bk_switch", unicode);
  CHECK(request && json_equal(json_object_get(json_object_get(request, "body"), "details"), unicode));
  json_decref(request);
  json_decref(unicode);

  bkcc_client *client = bkcc_client_new_json(ESB_CONFIG, &err);
  CHECK(client != NULL);
  CHECK(bkcc_build_request(NULL, "bk_switch", details, &err) == NULL);
  CHECK_STATUS(err, BKCC_EINVAL);
  CHECK(bkcc_build_request(client, NULL, details, &err) == NULL);
  CHECK_STATUS(err, BKCC_EINVAL);
  CHECK(bkcc_build_request(client, "bk_switch", NULL, &err) == NULL);
  CHECK_STATUS(err, BKCC_EINVAL);
  CHECK(bkcc_build_request(client, "bk_switch/../x", details, &err) == NULL);
  CHECK_STATUS(err, BKCC_EINVAL);
  json_t *many = json_array();
  for (int i = 0; i < BKCC_MAX_BATCH + 1; i++) json_array_append(many, json_array_get(details, 0));
  CHECK(bkcc_build_request(client, "bk_switch", many, &err) == NULL);
  CHECK_STATUS(err, BKCC_EINVAL);
  CHECK(contains(err.message, "1 to 200"));
  json_array_remove(many, 0);
  request = bkcc_build_request(client, "bk_switch", many, &err);
  CHECK_STATUS(err, BKCC_OK);
  json_decref(request);
  json_decref(many);
  test_build_request_json_refuses(client, details);
  bkcc_client_free(client);

  /* Header credentials on the ESB; the gateway's route, stage and language header. */
  request = built("{\"url\": \"http://cmdb.example/\", \"app_code\": \"app\", \"app_secret\": \"S\","
                  " \"token\": \"TOK\", \"auth\": \"header\", \"language\": \"zh-cn\"}", "bk_router", details);
  if (request) {
    json_t *headers = json_object_get(request, "headers");
    json_t *auth = load(json_string_value(json_object_get(headers, "X-Bkapi-Authorization")));
    CHECK(strcmp(json_string_value(json_object_get(auth, "bk_app_secret")), "S") == 0);
    CHECK(strcmp(json_string_value(json_object_get(auth, "bk_token")), "TOK") == 0);
    json_decref(auth);
    CHECK(strcmp(json_string_value(json_object_get(headers, "Blueking-Language")), "zh-cn") == 0);
    CHECK(json_object_get(json_object_get(request, "body"), "bk_app_secret") == NULL);
  }
  json_decref(request);

  request = built("{\"url\": \"https://gw.example\", \"api\": \"apigw\", \"stage\": \"stag\","
                  " \"app_code\": \"app\", \"app_secret\": \"S\", \"access_token\": \"AT\"}", "bk_router", details);
  if (request) {
    CHECK(strcmp(json_string_value(json_object_get(request, "url")),
                 "https://gw.example/api/bk-cmdb/stag/api/v3/createmany/instance/object/bk_router") == 0);
    json_t *body = json_object_get(request, "body");
    CHECK(json_object_size(body) == 1 && json_equal(json_object_get(body, "details"), details));
    CHECK(contains(json_string_value(json_object_get(json_object_get(request, "headers"), "X-Bkapi-Authorization")),
                   "\"access_token\":\"AT\""));
  }
  json_decref(request);
  json_decref(details);
}

static json_t *parse(int status, const char *body, size_t count, bkcc_error *err) {
  return bkcc_parse_response(status, body, body ? strlen(body) : 0, count, err);
}

static void test_parse_response(void) {
  bkcc_error err;
  const char *example =
      "{\"result\": true, \"code\": 0, \"message\": \"\", \"permission\": null,"
      " \"request_id\": \"e43da4ef221746868dc4c837d36f3807\", \"data\": {\"success_created\": {\"1\": 1001, \"2\": 1002},"
      " \"error_msg\": {\"0\": \"Data uniqueness check failed, [bk_asset_id: test_001] duplicated\"}}}";
  json_t *answer = parse(200, example, 3, &err);
  CHECK_STATUS(err, BKCC_OK);
  CHECK(answer != NULL);
  if (answer) {
    CHECK(json_is_true(json_object_get(answer, "result")));
    CHECK(json_integer_value(json_object_get(json_object_get(answer, "success_created"), "2")) == 1002);
    CHECK(contains(json_string_value(json_object_get(json_object_get(answer, "error_msg"), "0")), "duplicated"));
    CHECK(strcmp(json_string_value(json_object_get(answer, "request_id")), "e43da4ef221746868dc4c837d36f3807") == 0);
    CHECK(answer->refcount == 1);
  }
  json_decref(answer);

  /* The native spelling. */
  answer = parse(200, "{\"result\": true, \"bk_error_code\": 0, \"bk_error_msg\": \"success\","
                      " \"data\": {\"success_created\": {\"0\": 7}, \"error_msg\": {}}}", 1, &err);
  CHECK_STATUS(err, BKCC_OK);
  CHECK(answer && strcmp(json_string_value(json_object_get(answer, "message")), "success") == 0);
  json_decref(answer);

  /* result:false keeps the envelope and the permission object; the status is BKCC_EAPI. */
  answer = parse(200, "{\"result\": false, \"code\": 9900403, \"message\": \"no permission\", \"request_id\": \"r1\","
                      " \"permission\": {\"system_id\": \"bk_cmdb\", \"actions\": [{\"id\": \"create_comobj\"}]}, \"data\": null}",
                 3, &err);
  CHECK_STATUS(err, BKCC_EAPI);
  CHECK(err.api_code == 9900403 && err.http_status == 200 && strcmp(err.request_id, "r1") == 0);
  CHECK(contains(err.message, "[9900403] no permission"));
  CHECK(answer && json_is_false(json_object_get(answer, "result")));
  CHECK(answer && strcmp(json_string_value(json_object_get(json_object_get(answer, "permission"), "system_id")), "bk_cmdb") == 0);
  json_decref(answer);

  /* A gateway error with its HTTP status. */
  answer = parse(429, "{\"code_name\": \"RATE_LIMIT\", \"code\": 1642902, \"message\": \"too many\", \"result\": false, \"data\": null}",
                 3, &err);
  CHECK_STATUS(err, BKCC_EAPI);
  CHECK(err.api_code == 1642902 && err.http_status == 429);
  json_decref(answer);

  /* A proxy's HTML page. */
  CHECK(parse(502, "<html><head><title>502 Bad Gateway</title></head><body>nginx</body></html>", 3, &err) == NULL);
  CHECK_STATUS(err, BKCC_EHTTP);
  CHECK(err.http_status == 502 && contains(err.message, "502 Bad Gateway"));

  /* Answers that cannot be trusted. */
  const char *untrusted[] = {
      "{\"result\": true, \"code\": 0, \"data\": {\"success_created\": {\"0\": 1",   /* truncated */
      "Service Unavailable",                                                           /* not JSON */
      "[1, 2]",                                                                        /* not an envelope */
      "{\"code\": 0}",                                                                 /* no result */
      "{\"result\": \"true\", \"code\": 0}",                                           /* result not bool */
      "{\"result\": true, \"code\": 0, \"data\": null}",                               /* no data */
      "{\"result\": true, \"code\": 0, \"data\": {\"success_created\": {\"3\": 1}, \"error_msg\": {}}}",    /* out of range */
      "{\"result\": true, \"code\": 0, \"data\": {\"success_created\": {\"-1\": 1}, \"error_msg\": {}}}",   /* negative */
      "{\"result\": true, \"code\": 0, \"data\": {\"success_created\": {\"01\": 1}, \"error_msg\": {}}}",   /* leading zero */
      "{\"result\": true, \"code\": 0, \"data\": {\"success_created\": {\"x\": 1}, \"error_msg\": {}}}",    /* not a number */
      "{\"result\": true, \"code\": 0, \"data\": {\"success_created\": {\"0\": \"1001\"}, \"error_msg\": {}}}", /* id string */
      "{\"result\": true, \"code\": 0, \"data\": {\"success_created\": {\"0\": 1.5}, \"error_msg\": {}}}",  /* id real */
      "{\"result\": true, \"code\": 0, \"data\": {\"success_created\": {\"0\": -4}, \"error_msg\": {}}}",   /* id negative */
      "{\"result\": true, \"code\": 0, \"data\": {\"success_created\": {\"0\": 1}, \"error_msg\": {\"0\": \"x\"}}}", /* both */
      "{\"result\": true, \"code\": 0, \"data\": {\"success_created\": {\"0\": 1, \"0\": 2}, \"error_msg\": {}}}", /* dup key */
      "{\"result\": true, \"code\": 0, \"data\": {\"success_created\": [], \"error_msg\": {}}}",            /* map type */
      "{\"result\": true, \"code\": 0, \"data\": {\"success_created\": {}, \"error_msg\": {\"1\": 5}}}",    /* msg type */
      "{\"result\": true, \"code\": {}, \"data\": {}}",                                                    /* code type */
      "{\"result\": true, \"code\": 0, \"message\": \"\xff\xfe\", \"data\": {}}",                          /* bad UTF-8 */
      "",                                                                                                  /* empty */
  };
  for (size_t i = 0; i < sizeof untrusted / sizeof untrusted[0]; i++) {
    answer = parse(200, untrusted[i], 3, &err);
    if (answer != NULL || err.status != BKCC_EPROTOCOL) {
      fprintf(stderr, "untrusted[%zu] gave %s: %s\n", i, bkcc_status_name(err.status), err.message);
    }
    CHECK(answer == NULL);
    CHECK_STATUS(err, BKCC_EPROTOCOL);
    json_decref(answer);
  }
  CHECK(parse(500, "{\"result\": true, \"code\": 0, \"data\": {\"success_created\": {}, \"error_msg\": {}}}", 3, &err) == NULL);
  CHECK_STATUS(err, BKCC_EPROTOCOL);

  /* Bad arguments. */
  CHECK(bkcc_parse_response(200, NULL, 5, 3, &err) == NULL);
  CHECK_STATUS(err, BKCC_EINVAL);
  CHECK(bkcc_parse_response(200, example, SIZE_MAX, 3, &err) == NULL);
  CHECK_STATUS(err, BKCC_EINVAL);
  CHECK(bkcc_parse_response(200, NULL, 0, 3, NULL) == NULL);
  /* The length is honoured: no NUL is needed and bytes past it are not read. */
  char buffer[512];
  size_t length = strlen(example);
  memcpy(buffer, example, length);
  memset(buffer + length, 'x', sizeof buffer - length);
  answer = bkcc_parse_response(200, buffer, length, 3, &err);
  CHECK_STATUS(err, BKCC_OK);
  json_decref(answer);

  /* A long message is cut on a character boundary. */
  char longmsg[2048];
  strcpy(longmsg, "{\"result\": false, \"code\": 1199011, \"message\": \"");
  for (int i = 0; i < 300; i++) strcat(longmsg, "\xe4\xb8\xad");
  strcat(longmsg, "\"}");
  answer = parse(200, longmsg, 3, &err);
  CHECK_STATUS(err, BKCC_EAPI);
  CHECK(strlen(err.message) <= 511 && strlen(err.message) > 480 && valid_utf8(err.message));
  json_decref(answer);

  char *text = bkcc_parse_response_json(200, example, strlen(example), 3, &err);
  CHECK_STATUS(err, BKCC_OK);
  CHECK(contains(text, "\"1\":1001"));
  bkcc_free(text);
  const char *auth_failure = "{\"result\": false, \"code\": 1306000, \"message\": \"auth\"}";
  text = bkcc_parse_response_json(200, auth_failure, strlen(auth_failure), 3, &err);
  CHECK_STATUS(err, BKCC_EAPI);
  CHECK(err.api_code == 1306000 && contains(text, "\"result\":false"));
  bkcc_free(text);
  CHECK(bkcc_parse_response_json(200, "nope", 4, 3, &err) == NULL);
  CHECK_STATUS(err, BKCC_EPROTOCOL);
}

int main(void) {
  test_version_and_names();
  test_status_text();
  test_config_schema();
  test_client_new();
  test_validate();
  test_build_request();
  test_parse_response();
  printf("%d passed, %d failed\n", passed, failed);
  return failed == 0 ? 0 : 1;
}
