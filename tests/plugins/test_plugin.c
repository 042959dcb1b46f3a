/* Misbehaving and well-behaved plugins for the tests, one .so per TEST_MODE:
 *   TEST_MODE_OK        echoes its config as labels, counts collects, status from config "status"
 *   TEST_MODE_CRASH     segfaults in collect (after `crash_after` good runs, default 0)
 *   TEST_MODE_HANG      sleeps forever in collect
 *   TEST_MODE_WRONG_ABI reports ABI version 99
 *   TEST_MODE_INIT_FAIL refuses to initialise
 *   TEST_MODE_NO_ENTRY  has no entry symbol
 * Built as strict C99 with -Wpedantic: this is also the header's C compile test. */
#include <hawatch/plugin.h>

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

typedef struct test_state {
  int runs;
  int crash_after;
  int status;
  char greeting[64];
} test_state;

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
