/* The CMDB emulator (Tests/Emulator/emulator.py) for the C tests: start it on a free loopback port, call its
 * control endpoints under /_emulator/, stop it. The C counterpart of Tests/Emulator/emulator_control.py:
 *
 *   emulator em;
 *   if (emulator_start(&em, (const char *[]){"--fault", "latency:100", NULL}) != 0) return 2;
 *   emulator_reset(&em);
 *   emulator_set_faults(&em, "[{\"name\": \"reset\", \"count\": 1}]");
 *   json_t *stats = emulator_stats(&em);  ...  json_decref(stats);
 *   emulator_stop(&em, SIGTERM);
 *
 * emulator_start runs `python3 Tests/Emulator/emulator.py --port 0 ARGS...` (from the current directory, the
 * checkout's root) with stdin from /dev/null, stdout a pipe for the URL line and stderr into an anonymous
 * temporary file, waits at most EMULATOR_START_MS for the URL line and checks that it is a loopback address.
 * When it fails it kills the child and prints the reason and the emulator's stderr. Control calls go over libcurl
 * (no proxy, bounded by EMULATOR_CALL_MS) and return the parsed JSON answer, NULL (with a line on stderr) unless
 * the answer is 2xx JSON. emulator_stop waits at most EMULATOR_STOP_MS, then kills. Every wait is bounded. On Linux
 * the emulator also gets SIGKILL when the thread that started it ends (a crashed test leaves none behind).
 *
 * The including file defines _POSIX_C_SOURCE 200809L before any #include, links -lcurl and calls
 * curl_global_init() once before starting threads. C99; static inline functions only, so that a test which does not
 * use one gets no warning (like check.h, nothing to link). */
#ifndef BKCC_TEST_EMULATOR_H
#define BKCC_TEST_EMULATOR_H

#if !defined(_POSIX_C_SOURCE) || _POSIX_C_SOURCE < 200809L
#error "define _POSIX_C_SOURCE 200809L before any #include to use emulator.h"
#endif

#include <bkcc.h>
#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#ifdef __linux__
#include <sys/prctl.h>
#endif

#ifndef EMULATOR_SCRIPT
#define EMULATOR_SCRIPT "Tests/Emulator/emulator.py"
#endif
#define EMULATOR_START_MS 15000 /* python3 start-up and the URL line */
#define EMULATOR_STOP_MS 10000  /* after the signal, before SIGKILL */
#define EMULATOR_CALL_MS 30000L /* one control request */
#define EMULATOR_MAX_ARGS 32

typedef struct {
  pid_t pid;      /* 0 when not running */
  int out;        /* read end of its stdout, -1 when closed */
  FILE *err;      /* its stderr (anonymous temporary file), NULL when closed */
  char url[128];  /* "http://127.0.0.1:PORT" */
} emulator;

/* ---- bytes from libcurl --------------------------------------------------------------------------- */

typedef struct {
  char *data; /* NUL-terminated, NULL until something arrived; free() it */
  size_t size;
} emulator_buffer;

/* A CURLOPT_WRITEFUNCTION that appends to the emulator_buffer in CURLOPT_WRITEDATA. */
static inline size_t emulator_collect(char *data, size_t size, size_t count, void *user) {
  emulator_buffer *b = user;
  char *grown = realloc(b->data, b->size + size * count + 1);
  if (!grown) return 0;
  b->data = grown;
  memcpy(b->data + b->size, data, size * count);
  b->size += size * count;
  b->data[b->size] = '\0';
  return size * count;
}

/* ---- life cycle ----------------------------------------------------------------------------------- */

static inline long emulator_now_ms(void) {
  struct timespec now;
  clock_gettime(CLOCK_MONOTONIC, &now);
  return (long)now.tv_sec * 1000 + now.tv_nsec / 1000000;
}

/* Prints (the last 4 KiB of) what the emulator wrote on stderr so far. */
static inline void emulator_print_stderr(const emulator *em) {
  struct stat info;
  if (!em->err || fstat(fileno(em->err), &info) != 0) return;
  off_t from = info.st_size > 4096 ? info.st_size - 4096 : 0;
  char text[4097];
  ssize_t n = pread(fileno(em->err), text, (size_t)(info.st_size - from), from);  /* the offset stays: the child's */
  text[n > 0 ? n : 0] = '\0';
  fprintf(stderr, "--- emulator stderr\n%s%s---\n", text, n > 0 && text[n - 1] != '\n' ? "\n" : "");
}

/* Waits up to ms for the child; its exit code, 128 + the signal that ended it, or -1 if it still runs. */
static inline int emulator_wait(emulator *em, long ms) {
  long deadline = emulator_now_ms() + ms;
  struct timespec pause = {0, 10 * 1000 * 1000};
  for (;;) {
    int status;
    pid_t done = waitpid(em->pid, &status, WNOHANG);
    if (done == em->pid) {
      em->pid = 0;
      return WIFEXITED(status) ? WEXITSTATUS(status) : WIFSIGNALED(status) ? 128 + WTERMSIG(status) : -1;
    }
    if (done < 0 && errno != EINTR) {
      em->pid = 0;
      return -1;
    }
    if (emulator_now_ms() >= deadline) return -1;
    nanosleep(&pause, NULL);
  }
}

/* 1 while the emulator runs. */
static inline int emulator_alive(const emulator *em) {
  siginfo_t info;
  memset(&info, 0, sizeof info);
  return em->pid > 0 && waitid(P_PID, (id_t)em->pid, &info, WEXITED | WNOHANG | WNOWAIT) == 0 && info.si_pid == 0;
}

/* Sends sig (if it still runs), waits up to EMULATOR_STOP_MS, kills it if need be, closes its pipe and stderr file.
   Returns its exit code (128 + signal when a signal ended it), -1 if it was not running. Safe to call twice. */
static inline int emulator_stop(emulator *em, int sig) {
  int code = -1;
  if (em->pid > 0) {
    kill(em->pid, sig);
    code = emulator_wait(em, EMULATOR_STOP_MS);
    if (em->pid > 0) {
      fprintf(stderr, "emulator: still running %d ms after signal %d, killed\n", EMULATOR_STOP_MS, sig);
      kill(em->pid, SIGKILL);
      code = emulator_wait(em, EMULATOR_STOP_MS);
      em->pid = 0;
    }
  }
  if (em->out >= 0) close(em->out);
  em->out = -1;
  if (em->err) fclose(em->err);
  em->err = NULL;
  return code;
}

static inline int emulator_fail(emulator *em, const char *why) {
  fprintf(stderr, "emulator: %s\n", why);
  if (em->pid > 0) {
    kill(em->pid, SIGKILL);
    emulator_wait(em, EMULATOR_STOP_MS);
    em->pid = 0;
  }
  emulator_print_stderr(em);
  emulator_stop(em, SIGKILL);
  return -1;
}

/* Reads one line (without its end) from fd into line until deadline_ms; 0, -1 on timeout, -2 on end of file or error. */
static inline int emulator_read_line(int fd, char *line, size_t size, long deadline_ms) {
  size_t used = 0;
  while (used + 1 < size) {
    long left = deadline_ms - emulator_now_ms();
    if (left <= 0) return -1;
    struct pollfd p = {fd, POLLIN, 0};
    int ready = poll(&p, 1, (int)left);
    if (ready < 0 && errno == EINTR) continue;
    if (ready == 0) return -1;
    if (ready < 0) return -2;
    ssize_t n = read(fd, line + used, 1);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return -2;
    if (line[used] == '\n') break;
    used++;
  }
  line[used] = '\0';
  if (used > 0 && line[used - 1] == '\r') line[used - 1] = '\0';
  return 0;
}

/* Starts the emulator with the extra arguments args (a NULL-terminated array, or NULL for none); 0 when it runs
   and em->url is its loopback URL, else -1 (the child killed, the reason and its stderr printed). */
static inline int emulator_start(emulator *em, const char *const *args) {
  const char *argv[EMULATOR_MAX_ARGS + 5] = {"python3", EMULATOR_SCRIPT, "--port", "0"};
  int argc = 4;
  memset(em, 0, sizeof *em);
  em->out = -1;
  for (; args && *args; args++) {
    if (argc == EMULATOR_MAX_ARGS + 4) return emulator_fail(em, "too many arguments");
    argv[argc++] = *args;
  }
  argv[argc] = NULL;
  em->err = tmpfile();
  int fds[2];
  if (!em->err) return emulator_fail(em, "cannot create a file for its stderr");
  if (pipe(fds) != 0) return emulator_fail(em, "pipe() failed");
  fcntl(fds[0], F_SETFD, FD_CLOEXEC); /* not inherited by a later emulator's child */
  fcntl(fds[1], F_SETFD, FD_CLOEXEC);
  fcntl(fileno(em->err), F_SETFD, FD_CLOEXEC);
  fflush(NULL); /* nothing buffered is written twice */
  pid_t parent = getpid();
  em->pid = fork();
  if (em->pid == 0) {
#ifdef __linux__
    prctl(PR_SET_PDEATHSIG, SIGKILL); /* a test that crashes leaves no emulator behind (start it from a thread
                                         that outlives it: the main thread) */
    if (getppid() != parent) _exit(126);
#else
    (void)parent;
#endif
    int in = open("/dev/null", O_RDONLY);
    if (in < 0 || dup2(in, 0) < 0 || dup2(fds[1], 1) < 0 || dup2(fileno(em->err), 2) < 0) _exit(126);
    if (in > 2) close(in);
    execvp(argv[0], (char *const *)argv);
    _exit(127);
  }
  close(fds[1]);
  em->out = fds[0];
  if (em->pid < 0) {
    em->pid = 0;
    return emulator_fail(em, "fork() failed");
  }
  int got = emulator_read_line(em->out, em->url, sizeof em->url, emulator_now_ms() + EMULATOR_START_MS);
  if (got != 0) {
    char why[128];
    if (got == -1) {
      snprintf(why, sizeof why, "printed no URL line within %d ms", EMULATOR_START_MS);
    } else {
      int code = emulator_wait(em, EMULATOR_STOP_MS);
      snprintf(why, sizeof why, "closed its stdout before printing the URL line (exit status %d)", code);
    }
    return emulator_fail(em, why);
  }
  if (strncmp(em->url, "http://127.", 11) != 0 && strncmp(em->url, "https://127.", 12) != 0 &&
      strncmp(em->url, "http://[::1]:", 13) != 0 && strncmp(em->url, "https://[::1]:", 14) != 0) {
    char why[192];
    snprintf(why, sizeof why, "not a loopback URL: \"%s\"", em->url);
    return emulator_fail(em, why);
  }
  return 0;
}

/* ---- control endpoints ---------------------------------------------------------------------------- */

/* One control request (method "GET", "POST" or "DELETE"; body JSON text or NULL): the parsed JSON answer (a new
   reference), or NULL with a line on stderr unless the emulator answered 2xx JSON. */
static inline json_t *emulator_call(const emulator *em, const char *method, const char *path, const char *body) {
  char url[384];
  snprintf(url, sizeof url, "%s%s", em->url, path);
  emulator_buffer b = {NULL, 0};
  CURL *curl = curl_easy_init();
  if (!curl) {
    fprintf(stderr, "emulator: %s %s: curl_easy_init failed\n", method, path);
    return NULL;
  }
  struct curl_slist *headers = curl_slist_append(NULL, "Content-Type: application/json");
  curl_easy_setopt(curl, CURLOPT_URL, url);
  curl_easy_setopt(curl, CURLOPT_NOPROXY, "*");
  curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, method);
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, emulator_collect);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &b);
  curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, EMULATOR_CALL_MS);
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
  if (body) curl_easy_setopt(curl, CURLOPT_POSTFIELDS, body);
  CURLcode rc = curl_easy_perform(curl);
  long status = 0;
  curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
  curl_easy_cleanup(curl);
  curl_slist_free_all(headers);
  json_t *json = rc == CURLE_OK && status / 100 == 2 && b.data ? json_loads(b.data, JSON_DECODE_ANY, NULL) : NULL;
  if (!json) {
    fprintf(stderr, "emulator: %s %s: %s, HTTP %ld: %.300s\n", method, path,
            rc == CURLE_OK ? "answered" : curl_easy_strerror(rc), status, b.data ? b.data : "");
  }
  free(b.data);
  return json;
}

/* No instances (ids from --first-id again), no faults, counters at 0. 0 on success. */
static inline int emulator_reset(const emulator *em) {
  json_t *answer = emulator_call(em, "POST", "/_emulator/reset", "{}");
  json_decref(answer);
  return answer ? 0 : -1;
}

/* Replaces the faults (JSON text: an array of "name[:arg]" or {"name", "arg", "count", "only"}). 0 on success. */
static inline int emulator_set_faults(const emulator *em, const char *faults_json) {
  json_t *answer = emulator_call(em, "POST", "/_emulator/faults", faults_json);
  json_decref(answer);
  return answer ? 0 : -1;
}

/* The counters ({"requests": {"batch_create_inst": n, …}, "instances": n, "items_created": n, …}), new reference. */
static inline json_t *emulator_stats(const emulator *em) { return emulator_call(em, "GET", "/_emulator/stats", NULL); }

/* batch_create_inst requests that reached the emulator since the last reset; -1 when the call failed. */
static inline long emulator_creates(const emulator *em) {
  json_t *stats = emulator_stats(em);
  json_t *count = json_object_get(json_object_get(stats, "requests"), "batch_create_inst");
  long n = json_is_integer(count) ? (long)json_integer_value(count) : -1;
  json_decref(stats);
  return n;
}

/* The stored instances of model obj_id (all models when NULL), in bk_inst_id order: a new reference to an array. */
static inline json_t *emulator_instances(const emulator *em, const char *obj_id) {
  char path[160];
  snprintf(path, sizeof path, "/_emulator/instances%s%s", obj_id ? "?bk_obj_id=" : "", obj_id ? obj_id : "");
  return emulator_call(em, "GET", path, NULL);
}

/* A test's start: libcurl's global state, then the emulator with `args`; 0, or 2 with the reason on stderr. */
static inline int emulator_begin(emulator *em, const char *const *args) {
  curl_global_init(CURL_GLOBAL_DEFAULT);
  if (emulator_start(em, args) == 0) return 0;
  fprintf(stderr, "cannot start the emulator\n");
  curl_global_cleanup();
  return 2;
}

/* A bkcc client for the emulator's demo credentials; `extra` adds configuration members (", \"concurrency\": 8").
   NULL (and the reason on stderr) when the configuration is refused. */
static inline bkcc_client *emulator_client(const emulator *em, const char *extra) {
  char config[512];
  snprintf(config, sizeof config,
           "{\"url\": \"%s\", \"app_code\": \"bkcc-demo\", \"app_secret\": \"bkcc-demo-secret\", \"username\": \"admin\"%s}",
           em->url, extra ? extra : "");
  bkcc_error err;
  bkcc_client *client = bkcc_client_new_json(config, &err);
  if (!client) fprintf(stderr, "client: %s\n", err.message);
  return client;
}

#endif
