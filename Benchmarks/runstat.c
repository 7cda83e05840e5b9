/* runstat: run one command as a child process and report what it cost, measured by the kernel.
 *
 *   runstat OUT TIMEOUT_S command [args...]
 *
 * Writes one line to OUT: "wall_s user_s sys_s maxrss_kib exit" (exit is the status, or 128+signal).
 * The child is forked from this small process, so its ru_maxrss (kept across exec) is the command's own peak
 * and not the forking Python's. Past TIMEOUT_S seconds the child is killed (SIGKILL) and exit is 137.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static volatile pid_t child = 0;

static void on_alarm(int sig) {
  (void)sig;
  if (child > 0) kill(child, SIGKILL);
}

static double now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(int argc, char **argv) {
  if (argc < 4) {
    fprintf(stderr, "usage: runstat OUT TIMEOUT_S command [args...]\n");
    return 2;
  }
  int timeout = atoi(argv[2]);
  double start = now();
  pid_t pid = fork();
  if (pid < 0) {
    perror("fork");
    return 2;
  }
  if (pid == 0) {
    execvp(argv[3], argv + 3);
    perror(argv[3]);
    _exit(127);
  }
  child = pid;
  signal(SIGALRM, on_alarm);
  if (timeout > 0) alarm((unsigned)timeout);
  int status = 0;
  struct rusage ru;
  while (wait4(pid, &status, 0, &ru) < 0) {
    if (errno != EINTR) {
      perror("wait4");
      return 2;
    }
  }
  double wall = now() - start;
  int code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  FILE *out = fopen(argv[1], "w");
  if (!out) {
    perror(argv[1]);
    return 2;
  }
  fprintf(out, "%.6f %.6f %.6f %ld %d\n", wall, (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6,
          (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6, ru.ru_maxrss, code);
  fclose(out);
  return 0;
}
