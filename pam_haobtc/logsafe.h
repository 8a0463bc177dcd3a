/* What may reach a log line: escaping, and the rule for remote hosts. */
#ifndef HB_LOGSAFE_H
#define HB_LOGSAFE_H

#include <stdbool.h>
#include <stddef.h>

size_t hb_log_escape(const char *in, char *out, size_t n);
bool hb_host_is_valid(const char *host);

#endif
