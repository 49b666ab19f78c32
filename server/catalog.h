/*
 * catalog: the labs and tracks this server offers.  At start-up every lab
 * folder under <labs>/labs/ is described by the lab runtime itself
 * (`labhub lab exec manifest`, run in a throwaway cell) and the result is stored in the store's catalog
 * with a content hash, so the server never interprets lab.lua.  Tracks
 * come from `labhub lab tracks --json` likewise.
 *
 * Step texts are Markdown files in the (trusted, read-only) lab folder,
 * rendered to HTML with cmark, raw HTML disabled.
 */
#ifndef LABHUB_CATALOG_H
#define LABHUB_CATALOG_H

#include <jansson.h>
#include <stddef.h>

#include "server/server.h"

/* Loads every lab and the tracks. Returns the number of labs loaded (>= 0), or -1. */
int catalog_load(struct server *s);

/* The tracks as {"tracks":[...]} (borrowed; empty array if none). */
json_t *catalog_tracks(void);

/* The lab folder of lab_id into buf. -1 if lab_id is not in the catalog dir. */
int catalog_lab_dir(const struct server *s, const char *lab_id, char *buf, size_t len);

/*
 * Renders steps/<file> of a lab (file as given by the manifest, relative,
 * no "..") to HTML, preferring steps/<lang>/ when that translation exists.
 * {{name}} placeholders are replaced from values (may be NULL).  Returns a
 * malloc'd string or NULL.
 */
char *catalog_render_step(const struct server *s, const char *lab_id, const char *file,
    const json_t *texts, const char *lang, const json_t *values);

/*
 * Runs `/run/labhub/labhub ARGS...` in a throwaway cell with mount_dir
 * read-only at /lab and an empty tmpfs home (manifest, values, tracks:
 * never in the server, never in a learner's cell) and parses the one JSON
 * object it prints.  Blocks for the cell's start plus at most timeout_ms:
 * for start-up (catalog_load) and the CLI, not for the serving loop.
 * Returns a new reference or NULL (logged).
 */
json_t *catalog_exec(const char *mount_dir, const char *const *args, const char *stdin_text,
    int timeout_ms);

/*
 * The same without blocking, for the loop: starts the cell with
 * cell_start_nowait() and queues the exec request (tag CATALOG_EXEC_TAG;
 * the warden runs it once it is ready).  Returns 0 and *out, or -1
 * (logged).  The caller puts cell_fd(*out) on its loop, reads events with
 * cell_read(), gives the CELL_EV_RESULT of CATALOG_EXEC_TAG to
 * catalog_exec_result(), treats CELL_EV_ERROR as failure, and ends the
 * cell with cell_stop() in every case; the cell ends itself timeout_ms/1000
 * + 5 s after it started.
 */
#define CATALOG_EXEC_TAG 1
struct cell;
struct cell_event;
int catalog_exec_start(const char *mount_dir, const char *const *args, const char *stdin_text,
    int timeout_ms, struct cell **out);
/* The JSON object of a result event (new reference), or NULL (logged) when it timed out or is not JSON. */
json_t *catalog_exec_result(const struct cell_event *ev, const char *what);

void catalog_enable_all(struct server *s, int64_t cohort_id);
void catalog_free(void);

#endif
