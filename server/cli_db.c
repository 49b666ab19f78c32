/*
 * cli_db: `labhub db migrate|backup`.  migrate brings the schema up to
 * date (opening the store does that too; this says what it did).  backup
 * copies the live database with SQLite's online backup API, so it is safe
 * while `labhub serve` runs, and never overwrites a file unless told.
 */
#include <config.h>

#include <stdio.h>
#include <string.h>

#include "server/cli.h"
#include "server/cliutil.h"
#include "server/store.h"

static void
usage(FILE *out)
{
	fprintf(out,
	    "usage: labhub db migrate\n"
	    "       labhub db backup FILE [--force]\n"
	    "\n"
	    "migrate applies pending schema migrations and prints the schema version\n"
	    "before and after.  backup writes a consistent copy of the database to\n"
	    "FILE while the server keeps running (mode 0600: it holds password hashes);\n"
	    "an existing FILE is kept unless --force.  Run as root on a data directory\n"
	    "owned by the service account, labhub acts as that account, so FILE must\n"
	    "be writable by it.\n"
	    "\n"
	    "Options:\n"
	    "  --force         replace FILE if it exists (backup)\n"
	    CLIUTIL_STORE_HELP);
}

static const struct cliutil_cmd db_cmd = { "db", usage, "the backup FILE", 0 };

struct args {
	struct cliutil_store_args store;
	int force;
	const char *file;
};

static int
parse(const char *action, int argc, char **argv, int allow_force, int npos, struct args *a)
{
	const struct cliutil_opt opts[] = {
		{ "force", NULL, &a->force, allow_force },
		{ NULL, NULL, NULL, 0 },
	};

	memset(a, 0, sizeof *a);
	return cliutil_parse(&db_cmd, action, argc, argv, opts, npos, &a->store, &a->file);
}

static int
db_migrate(int argc, char **argv)
{
	struct store *s;
	struct args a;
	int rc, before = 0, after = 0;
	char detail[64];

	if ((rc = parse("migrate", argc, argv, 0, 0, &a)) >= 0)
		return rc;
	if (cliutil_open_store("db migrate", &a.store, STORE_OPEN_NOMIGRATE, &s) != 0)
		return 1;
	rc = store_migrate(s, &before, &after);
	if (rc == STORE_TOONEW) {
		fprintf(stderr, "labhub db migrate: the database has schema version %d, newer than this"
		    " labhub knows (%d); upgrade labhub\n", before, store_schema_latest());
		store_close(s);
		return 1;
	}
	if (rc != STORE_OK) {
		fprintf(stderr, "labhub db migrate: migration failed; the database stays at version %d"
		    " or the last step that succeeded\n", before);
		store_close(s);
		return 1;
	}
	if (before == after)
		printf("schema version %d (up to date)\n", after);
	else {
		printf("schema version %d -> %d\n", before, after);
		snprintf(detail, sizeof detail, "%d->%d", before, after);
		cliutil_audit("db", s, "db.migrate", "", detail);
	}
	store_close(s);
	return 0;
}

static int
db_backup(int argc, char **argv)
{
	char err[512];
	struct store *s;
	struct args a;
	int rc, v = 0;

	if ((rc = parse("backup", argc, argv, 1, 1, &a)) >= 0)
		return rc;
	if (a.file[0] == '\0') {
		fprintf(stderr, "labhub db backup: the backup FILE name is empty\n");
		return EXIT_USAGE;
	}
	/* a backup copies what is there: it must not migrate first */
	if (cliutil_open_store("db backup", &a.store, STORE_OPEN_NOMIGRATE, &s) != 0)
		return 1;
	rc = store_backup(s, a.file, a.force, err, sizeof err);
	if (rc == STORE_EXISTS) {
		fprintf(stderr, "labhub db backup: %s exists; use --force to replace it\n", a.file);
		store_close(s);
		return 1;
	}
	if (rc != STORE_OK) {
		fprintf(stderr, "labhub db backup: %s\n", err);
		store_close(s);
		return 1;
	}
	if (store_schema_version(s, &v) == STORE_OK && v == store_schema_latest())
		cliutil_audit("db", s, "db.backup", a.file, a.force ? "force" : "");
	printf("backed up to %s (schema version %d)\n", a.file, v);
	store_close(s);
	return 0;
}

int
cli_db_main(int argc, char **argv)
{
	static const struct cliutil_action actions[] = {
		{ "migrate", db_migrate },
		{ "backup", db_backup },
		{ NULL, NULL },
	};

	return cliutil_main(&db_cmd, actions, argc, argv);
}
