/* Misbehaving and well-behaved plugins for the tests, one .so per TEST_MODE:
 *   TEST_MODE_OK        echoes its config as labels, counts collects, status from config "status";
 *                       with config "control_file", misbehaves as that file's first word says at
 *                       each collect (the fault matrix): exit, hang, crash, garbage (writes bytes
 *                       no frame parser accepts onto the host's protocol socket), else behaves
 *   TEST_MODE_CRASH     segfaults in collect (after `crash_after` good runs, default 0)
 *   TEST_MODE_HANG      sleeps forever in collect
 *   TEST_MODE_WRONG_ABI reports ABI version 99
 *   TEST_MODE_INIT_FAIL refuses to initialise
 *   TEST_MODE_NO_ENTRY  has no entry symbol
 * Built as strict C99 with -Wpedantic: this is also the header's C compile test. */
#define _POSIX_C_SOURCE 200809L /* fstat, S_ISSOCK, write in strict C99 */
#include <hawatch/plugin.h>

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

typedef struct test_state {
  int runs;
  int crash_after;
  int status;
  char greeting[64];
  char control_file[256];
} test_state;

/* The fault the control file asks for ("" when none or unreadable). */
static void read_control(const char *path, char *word, size_t size) {
  FILE *f;
  word[0] = '\0';
  if (!path[0] || !(f = fopen(path, "r"))) return;
  if (!fgets(word, (int)size, f)) word[0] = '\0';
  fclose(f);
  word[strcspn(word, " \n")] = '\0';
}

/* Writes nonsense onto every socket the host holds (its protocol socket is one of them). */
static void write_garbage(void) {
  static const char junk[] = "\xff\xff\xff\x7fgarbage\r\n\x00\x01not a frame";
  struct stat st;
  int fd;
  for (fd = 3; fd < 64; fd++)
    if (fstat(fd, &st) == 0 && S_ISSOCK(st.st_mode)) (void)!write(fd, junk, sizeof junk - 1);
}

static void misbehave(const test_state *s) {
  char word[32];
  read_control(s->control_file, word, sizeof word);
  if (strcmp(word, "exit") == 0) _exit(3);
  if (strcmp(word, "hang") == 0)
    for (;;) pause();
  if (strcmp(word, "crash") == 0) raise(SIGSEGV);
  if (strcmp(word, "garbage") == 0) write_garbage();
}

static int test_init(const hawatch_plugin_config *config, void **state, char *error, size_t error_size) {
  test_state *s;
#ifdef TEST_MODE_INIT_FAIL
  (void)config;
  (void)state;
  snprintf(error, error_size, "the test plugin refuses to start");
  return 7;
#endif
  s = calloc(1, sizeof *s);
  if (!s) {
    snprintf(error, error_size, "out of memory");
    return 1;
  }
  s->crash_after = atoi(hawatch_config_get(config, "crash_after", "0"));
  s->status = atoi(hawatch_config_get(config, "status", "0"));
  snprintf(s->greeting, sizeof s->greeting, "%s", hawatch_config_get(config, "greeting.text", "none"));
  snprintf(s->control_file, sizeof s->control_file, "%s", hawatch_config_get(config, "control_file", ""));
  *state = s;
  return 0;
}

static int test_collect(void *state, const hawatch_sink_api *api, hawatch_sink *sink, double timeout) {
  test_state *s = state;
  hawatch_label label;
  (void)timeout;
  s->runs++;
#ifdef TEST_MODE_CRASH
  if (s->runs > s->crash_after) {
    volatile int *p = NULL;
    *p = 1; /* a real segfault, not abort(): what a buggy plugin does */
  }
#endif
#ifdef TEST_MODE_HANG
  for (;;) pause();
#endif
  misbehave(s);
  label.name = "greeting";
  label.value = s->greeting;
  api->gauge(sink, "hawatch_test_plugin_greeting", "The configured greeting (as a label).", 1.0, &label, 1);
  api->counter(sink, "hawatch_test_plugin_collects_total", "collect() calls so far.", (double)s->runs, NULL, 0);
  api->gauge(sink, "bad name", "An invalid name: dropped and reported.", 1.0, NULL, 0);
  api->status(sink, s->status, "test status");
  return 0;
}

static void test_shutdown(void *state) { free(state); }

#ifdef TEST_MODE_WRONG_ABI
#define TEST_ABI 99u
#else
#define TEST_ABI HAWATCH_PLUGIN_ABI_VERSION
#endif

static const hawatch_plugin kTest = {TEST_ABI, "test", test_init, test_collect, test_shutdown};

#ifndef TEST_MODE_NO_ENTRY
HAWATCH_PLUGIN_EXPORT const hawatch_plugin *hawatch_plugin_entry(void) { return &kTest; }
#else
HAWATCH_PLUGIN_EXPORT const hawatch_plugin *not_the_entry(void) { return &kTest; }
#endif
