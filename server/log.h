/*
 * log: one-line diagnostics to stderr, shared by the server, the cell
 * supervisor and the lab runtime.  Every line carries a level and the
 * component; *_errno variants append strerror(errno) so that a failing
 * syscall is always named together with its reason.
 *
 * Safe to call from any process (no allocation, one write per line).
 */
#ifndef LABHUB_LOG_H
#define LABHUB_LOG_H

#include <stdarg.h>

enum log_level { LOG_LEVEL_DEBUG, LOG_LEVEL_INFO, LOG_LEVEL_WARN, LOG_LEVEL_ERROR };

/* Lines below this level are dropped.  Default INFO; LABHUB_LOG=debug lowers it. */
void log_set_level(enum log_level level);
void log_init_from_env(void);
/* A short tag printed on every line ("serve", "cell", "warden"). Not copied. */
void log_set_tag(const char *tag);

void log_msg(enum log_level level, int with_errno, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#define log_debug(...) log_msg(LOG_LEVEL_DEBUG, 0, __VA_ARGS__)
#define log_info(...) log_msg(LOG_LEVEL_INFO, 0, __VA_ARGS__)
#define log_warn(...) log_msg(LOG_LEVEL_WARN, 0, __VA_ARGS__)
#define log_error(...) log_msg(LOG_LEVEL_ERROR, 0, __VA_ARGS__)
#define log_warn_errno(...) log_msg(LOG_LEVEL_WARN, 1, __VA_ARGS__)
#define log_error_errno(...) log_msg(LOG_LEVEL_ERROR, 1, __VA_ARGS__)

#endif
