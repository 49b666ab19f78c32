/*
 * cli_db: `labhub db migrate|backup`.  migrate brings the schema up to
 * date (opening the store does that too; this says what it did).  backup
 * copies the live database with SQLite's online backup API, so it is safe
 * while `labhub serve` runs, and never overwrites a file unless told.
 */
#include <config.h>

#include <getopt.h>
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

enum { OPT_FORCE = 1 };

struct args {
	struct cliutil_store_args store;
	int force;
	const char *file;
};

static int
parse(const char *action, int argc, char **argv, int allow_force, int npos, struct args *a)
{
	static const struct option opts[] = {
		{ "force", no_argument, NULL, OPT_FORCE },
		CLIUTIL_STORE_OPTIONS,
		{ NULL, 0, NULL, 0 },
	};
	int o;

	memset(a, 0, sizeof *a);
	optind = 0;
	opterr = 0;
	while ((o = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (o) {
		case 'h':
			usage(stdout);
			return 0;
		case OPT_FORCE:
			if (!allow_force)
				goto bad;
			a->force = 1;
			break;
		case CLIUTIL_OPT_DATA:
			a->store.data_dir = optarg;
			break;
		case CLIUTIL_OPT_CONFIG:
			a->store.config = optarg;
			break;
		default:
			goto bad;
		}
	}
	if (argc - optind != npos) {
		fprintf(stderr, "labhub db %s: %s (try 'labhub db --help')\n", action,
		    argc - optind < npos ? "missing the backup FILE" : "too many arguments");
		return EXIT_USAGE;
	}
	if (npos > 0)
		a->file = argv[optind];
	return -1;
bad:
	fprintf(stderr, "labhub db %s: unknown option or missing value: %s (try 'labhub db --help')\n",
	    action, argv[optind - 1]);
	return EXIT_USAGE;
}

static void
audit(struct store *s, const char *action, const char *target, const char *detail)
{
	char actor[STORE_AUDIT_FIELD_MAX + 1];

	cliutil_actor(actor, sizeof actor);
	if (store_audit_add(s, actor, action, target, detail) != STORE_OK)
		fprintf(stderr, "labhub db: warning: could not write the audit log\n");
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
		audit(s, "db.migrate", "", detail);
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
		audit(s, "db.backup", a.file, a.force ? "force" : "");
	printf("backed up to %s (schema version %d)\n", a.file, v);
	store_close(s);
	return 0;
}

int
cli_db_main(int argc, char **argv)
{
	const char *action;

	if (argc < 2) {
		usage(stderr);
		return EXIT_USAGE;
	}
	action = argv[1];
	if (strcmp(action, "--help") == 0 || strcmp(action, "-h") == 0 || strcmp(action, "help") == 0) {
		usage(stdout);
		return 0;
	}
	if (action[0] == '-') {
		fprintf(stderr, "labhub db: the action (migrate or backup) comes first\n\n");
		usage(stderr);
		return EXIT_USAGE;
	}
	if (strcmp(action, "migrate") == 0)
		return db_migrate(argc - 1, argv + 1);
	if (strcmp(action, "backup") == 0)
		return db_backup(argc - 1, argv + 1);
	fprintf(stderr, "labhub db: unknown action '%s' (try 'labhub db --help')\n", action);
	return EXIT_USAGE;
}
