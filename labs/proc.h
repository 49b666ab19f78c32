/*
 * proc: processes a lab starts.  proc_run() runs one command to completion
 * with a timeout (the whole process group is killed when it expires), feeds
 * it stdin and keeps at most a fixed number of bytes of its stdout and
 * stderr.  Services are long-running lab daemons: started detached (own
 * session, output to a log), tracked by pidfile in a state directory so a
 * later `lab exec` process can query or stop them.
 *
 * Blocking calls; for the single-threaded lab exec process only.
 */
#ifndef LABHUB_LABS_PROC_H
#define LABHUB_LABS_PROC_H

#include <stddef.h>
#include <sys/types.h>

#define PROC_OUT_MAX ((size_t)256 << 10)	/* per stream */
#define PROC_ARGV_MAX 256

struct proc_spec {
	const char *const *argv;	/* NULL-terminated; argv[0] looked up in PATH */
	const char *const *env;		/* NULL-terminated "K=V" list for the child (whole environment) */
	const char *cwd;
	const char *stdin_data;		/* may be NULL */
	size_t stdin_len;
	unsigned timeout_ms;
	uid_t uid;			/* switch to uid/gid when run_as_other (needs root) */
	gid_t gid;
	int run_as_other;
	size_t out_max;			/* 0 = PROC_OUT_MAX */
};

struct proc_result {
	int code;		/* exit status; 128+signal when killed; 127 when exec failed */
	int signal;		/* 0 unless killed by a signal */
	int timed_out;
	int truncated;
	char *out, *err;	/* malloc'd, NUL-terminated; caller frees (proc_result_free) */
	size_t out_len, err_len;
};

/* 0 when the child ran (whatever its status), -1 when it could not be
 * started at all (fork/pipe failed; errno set). */
int proc_run(const struct proc_spec *spec, struct proc_result *res);
void proc_result_free(struct proc_result *res);

/* Services.  NAME: [A-Za-z0-9_.-]{1,64}.  STATEDIR holds NAME.pid, NAME.argv, NAME.log. */
int proc_service_start(const char *statedir, const char *name, const struct proc_spec *spec,
    char *msg, size_t msglen);
int proc_service_stop(const char *statedir, const char *name);
int proc_service_running(const char *statedir, const char *name);	/* 1/0 */
/* argv saved at start: malloc'd NULL-terminated array of malloc'd strings, or NULL. */
char **proc_service_argv(const char *statedir, const char *name);
/* Last MAX bytes of the log, malloc'd and NUL-terminated (empty string if none). */
char *proc_service_log(const char *statedir, const char *name, size_t max, size_t *len);
/* Stop every service recorded in STATEDIR (test teardown). */
void proc_service_stop_all(const char *statedir);
int proc_service_name_ok(const char *name);

#endif
