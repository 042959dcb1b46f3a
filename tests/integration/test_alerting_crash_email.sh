#!/usr/bin/env bash
# At-least-once across kill -9 with email: test_alerting_crash.sh's 1000 notifications and ten
# SIGKILLs, delivered to a real SMTP server (aiosmtpd) that is down half the time.
CRASH_RECEIVER=email exec bash "$(dirname "${BASH_SOURCE[0]}")/test_alerting_crash.sh"
