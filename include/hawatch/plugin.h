/*
 * hawatch plugin C ABI, version 1.
 *
 * A plugin is a shared object (.so) exporting one symbol:
 *
 *     const hawatch_plugin *hawatch_plugin_entry(void);
 *
 * which returns a pointer to a static descriptor. hawatch checks `abi_version` before touching
 * anything else: a plugin built against another ABI version is refused with an error naming the
 * file, and the daemon runs on without it.
 *
 * Life cycle, all calls from one thread at a time (never concurrently for one plugin):
 *   init(config, &state, err, errlen)   once; non-zero return = refuse to load (write why into err)
 *   collect(state, sink, timeout)       once per interval; emit samples through the sink API
 *   shutdown(state)                     once, before unloading (may be skipped if the host dies)
 *
 * By default a plugin runs in a separate process (hawatch-plugin-host), so a crash or hang in it
 * marks the plugin down (hawatch_plugin_up 0) and restarts the host, while the daemon carries on.
 * `in_process: true` in the config loads a trusted plugin into the daemon itself.
 *
 * This header is C99 and C++ compatible. Strings are NUL-terminated UTF-8; every pointer handed
 * to a plugin is valid only for the duration of the call that received it (copy what you keep).
 * See docs/plugins.md for a worked example.
 */
#ifndef HAWATCH_PLUGIN_H
#define HAWATCH_PLUGIN_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Bumped on any incompatible change of the structs or calls below. */
#define HAWATCH_PLUGIN_ABI_VERSION 1u

/* The exported entry point's name, for dlsym. */
#define HAWATCH_PLUGIN_ENTRY_SYMBOL "hawatch_plugin_entry"

/* Check status, Nagios semantics; exported as hawatch_check_status{check="<plugin name>"}. */
enum hawatch_status {
  HAWATCH_STATUS_OK = 0,
  HAWATCH_STATUS_WARNING = 1,
  HAWATCH_STATUS_CRITICAL = 2,
  HAWATCH_STATUS_UNKNOWN = 3
};

/* One label of a sample. Names follow Prometheus rules ([a-zA-Z_][a-zA-Z0-9_]*). */
typedef struct hawatch_label {
  const char *name;
  const char *value;
} hawatch_label;

/* One key of the plugin's `config:` mapping, flattened: nested keys are joined with '.', list
 * items get their index ("cameras.0.host"). Values are the YAML scalars as written. */
typedef struct hawatch_config_entry {
  const char *key;
  const char *value;
} hawatch_config_entry;

typedef struct hawatch_plugin_config {
  const hawatch_config_entry *entries;
  size_t count;
  const char *rootfs;    /* --path.rootfs: prefix host paths with it ("/" normally) */
  const char *node_name; /* global.node_name */
} hawatch_plugin_config;

/* Opaque: where samples go. Only ever used through hawatch_sink_api. */
typedef struct hawatch_sink hawatch_sink;

/* The calls a plugin makes while collecting. Metric names follow Prometheus rules; a name or
 * label that is invalid is dropped and reported as a problem of that run. A family must keep one
 * type (gauge or counter) within a run. */
typedef struct hawatch_sink_api {
  uint32_t abi_version; /* == HAWATCH_PLUGIN_ABI_VERSION */
  void (*gauge)(hawatch_sink *sink, const char *name, const char *help, double value,
                const hawatch_label *labels, size_t label_count);
  void (*counter)(hawatch_sink *sink, const char *name, const char *help, double value,
                  const hawatch_label *labels, size_t label_count);
  /* The overall result of this run (HAWATCH_STATUS_*) and a one-line reason. Optional; the last
   * call wins. */
  void (*status)(hawatch_sink *sink, int status, const char *message);
  /* A problem worth logging; makes this run count as failed (hawatch_plugin_up stays 1 if
   * collect returns 0, the problem is shown on the status page). */
  void (*problem)(hawatch_sink *sink, const char *message);
} hawatch_sink_api;

typedef struct hawatch_plugin {
  uint32_t abi_version; /* set to HAWATCH_PLUGIN_ABI_VERSION */
  const char *name;     /* short identifier, e.g. "amslpr_db" */
  /* Validates config and allocates per-instance state. Returns 0 on success; otherwise writes a
   * message of at most error_size bytes (NUL included) into `error`. May be NULL. */
  int (*init)(const hawatch_plugin_config *config, void **state, char *error, size_t error_size);
  /* Emits this run's samples. Must return within timeout_seconds (the host kills it otherwise).
   * Returns 0 on success, non-zero when the run failed (hawatch_plugin_up 0). */
  int (*collect)(void *state, const hawatch_sink_api *api, hawatch_sink *sink,
                 double timeout_seconds);
  /* Frees `state`. May be NULL. */
  void (*shutdown)(void *state);
} hawatch_plugin;

typedef const hawatch_plugin *(*hawatch_plugin_entry_fn)(void);

/* Declares the entry point: HAWATCH_PLUGIN_EXPORT const hawatch_plugin *hawatch_plugin_entry(void) */
#if defined(__GNUC__)
#define HAWATCH_PLUGIN_EXPORT __attribute__((visibility("default")))
#else
#define HAWATCH_PLUGIN_EXPORT
#endif

/* Convenience: the value of `key` in the plugin's config, or `fallback` when absent. */
static inline const char *hawatch_config_get(const hawatch_plugin_config *config, const char *key,
                                             const char *fallback) {
  size_t i;
  if (!config || !key) return fallback;
  for (i = 0; i < config->count; ++i) {
    const char *a = config->entries[i].key;
    const char *b = key;
    while (*a && *a == *b) {
      ++a;
      ++b;
    }
    if (*a == '\0' && *b == '\0') return config->entries[i].value;
  }
  return fallback;
}

#ifdef __cplusplus
}
#endif

#endif /* HAWATCH_PLUGIN_H */
