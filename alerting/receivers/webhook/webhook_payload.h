#pragma once
// Alertmanager's webhook message, version 4 (notify/webhook + template.Data):
// {receiver, status, alerts[{status, labels, annotations, startsAt, endsAt, generatorURL,
// fingerprint}], groupLabels, commonLabels, commonAnnotations, externalURL, version, groupKey,
// truncatedAlerts}, in Go's field order. Valid JSON whatever the labels hold (model/json_writer).

#include <string>
#include <vector>

#include "model/alert.h"
#include "notify/stage.h"

namespace hawatch::alerting {

struct WebhookMessageOptions {
  std::string external_url;
  std::size_t max_alerts = 0;  // 0: all
};

std::string render_webhook_message(const NotifyContext& ctx, const std::vector<Alert>& alerts,
                                   const WebhookMessageOptions& options);

// The pairs every alert has with the same value (template.Data's commonLabels and
// commonAnnotations); also the exec integration's HAWATCH_COMMON_* variables.
LabelSet common_labels(const std::vector<Alert>& alerts);
LabelSet common_annotations(const std::vector<Alert>& alerts);

// Go's regexp.QuoteMeta, which Alertmanager applies to the receiver name in template data.
std::string quote_meta(const std::string& text);

}  // namespace hawatch::alerting
