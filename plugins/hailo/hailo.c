/* hailo: is the Hailo AI accelerator (AMSLPR's plate recognition TPU) present?
 * A C plugin against include/hawatch/plugin.h. Config (all optional):
 *   devices: /dev/hailo0      comma-separated device nodes, seen through --path.rootfs
 * Emits hawatch_hailo_device_present{device} (1 when the node exists and is a character device;
 * a regular file counts too, so fixture trees can stand in for /dev) and a status: CRITICAL when
 * any listed device is missing. */
#include <hawatch/plugin.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define MAX_DEVICES 8
#define MAX_PATH 512

typedef struct hailo_state {
  char rootfs[MAX_PATH];
  char devices[MAX_DEVICES][128];
  int count;
} hailo_state;

static int hailo_init(const hawatch_plugin_config *config, void **state, char *error, size_t error_size) {
  hailo_state *s = calloc(1, sizeof *s);
  const char *list = hawatch_config_get(config, "devices", "/dev/hailo0");
  const char *p = list;
  if (!s) {
    snprintf(error, error_size, "out of memory");
    return 1;
  }
  snprintf(s->rootfs, sizeof s->rootfs, "%s", config->rootfs ? config->rootfs : "/");
  while (*p) {
    size_t n = strcspn(p, ",");
    if (n > 0) {
      if (s->count == MAX_DEVICES || n >= sizeof s->devices[0] || p[0] != '/') {
        snprintf(error, error_size, "devices: \"%s\" must be at most %d absolute paths", list, MAX_DEVICES);
        free(s);
        return 1;
      }
      memcpy(s->devices[s->count], p, n);
      s->devices[s->count][n] = '\0';
      s->count++;
    }
    p += n;
    if (*p == ',') p++;
  }
  if (s->count == 0) {
    snprintf(error, error_size, "devices: no device listed");
    free(s);
    return 1;
  }
  *state = s;
  return 0;
}

static int hailo_collect(void *state, const hawatch_sink_api *api, hawatch_sink *sink, double timeout) {
  const hailo_state *s = state;
  int missing = 0;
  int i;
  char path[MAX_PATH + 128];
  (void)timeout;
  for (i = 0; i < s->count; ++i) {
    struct stat st;
    const char *root = strcmp(s->rootfs, "/") == 0 ? "" : s->rootfs;
    int present;
    hawatch_label label;
    snprintf(path, sizeof path, "%s%s", root, s->devices[i]);
    present = stat(path, &st) == 0 && (S_ISCHR(st.st_mode) || S_ISREG(st.st_mode));
    if (!present) missing++;
    label.name = "device";
    label.value = s->devices[i];
    api->gauge(sink, "hawatch_hailo_device_present",
               "Whether the Hailo accelerator device node exists (1) or not (0).", present ? 1.0 : 0.0,
               &label, 1);
  }
  if (missing)
    api->status(sink, HAWATCH_STATUS_CRITICAL, "Hailo device missing");
  else
    api->status(sink, HAWATCH_STATUS_OK, "Hailo device present");
  return 0;
}

static void hailo_shutdown(void *state) { free(state); }

static const hawatch_plugin kHailo = {HAWATCH_PLUGIN_ABI_VERSION, "hailo", hailo_init, hailo_collect,
                                      hailo_shutdown};

HAWATCH_PLUGIN_EXPORT const hawatch_plugin *hawatch_plugin_entry(void) { return &kHailo; }
