/* Operator commands. They talk to the database directly with one connection, print their
 * result on stdout and messages on stderr, and never log a token. */
#include "cli.h"

#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "db/migrate.h"
#include "db/principals.h"
#include "domain/uuid.h"
#include "log.h"
#include "util/random.h"

static struct db_conn *
connect_or_complain(const struct config *cfg)
{
    char err[256];
    struct db_conn *c =
        db_connect(cfg->database_url, cfg->db_connect_timeout_s, false, err, sizeof(err));
    if (!c)
        (void)fprintf(stderr, "oihwatch: cannot connect to the database: %s\n", err);
    return c;
}

int
cli_version(void)
{
    (void)printf("oihwatch %s (schema %d)\n", OIH_VERSION, db_expected_schema_version());
    return 0;
}

int
cli_migrate(const struct config *cfg)
{
    int applied = 0;
    struct db_conn *c = connect_or_complain(cfg);
    if (!c)
        return 1;
    int rc = db_migrate(c, &applied);
    db_disconnect(c);
    if (rc < 0) {
        (void)fprintf(stderr, "oihwatch: migration failed\n");
        return 1;
    }
    (void)fprintf(stderr, "oihwatch: %d migration(s) applied; schema at %d\n", applied,
                  db_expected_schema_version());
    return 0;
}

static int
usage(void)
{
    (void)fprintf(stderr, "usage: oihwatch token create --role admin|clinician|patient"
                          " [--name NAME] [--patient UUID]\n"
                          "       oihwatch token revoke TOKEN_ID\n");
    return 2;
}

/* Parses the options of "token create" into spec; 0 or -1. */
static int
parse_create(int argc, char **argv, struct token_spec *spec, char patient[37])
{
    static const struct option opts[] = {{"role", required_argument, NULL, 'r'},
                                         {"name", required_argument, NULL, 'n'},
                                         {"patient", required_argument, NULL, 'p'},
                                         {NULL, 0, NULL, 0}};
    int opt, has_role = 0;
    optind = 1;
    while ((opt = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        if (opt == 'r' && role_parse(optarg, &spec->role) == 0)
            has_role = 1;
        else if (opt == 'n')
            spec->name = optarg;
        else if (opt == 'p' && uuid_normalize(optarg, patient))
            spec->patient_id = patient;
        else
            return -1;
    }
    if (!has_role || optind != argc || (spec->role == ROLE_PATIENT) != (spec->patient_id != NULL))
        return -1;
    return 0;
}

static int
token_create(const struct config *cfg, int argc, char **argv)
{
    struct token_spec spec = {0};
    char patient[37], token[TOKEN_TEXT_SIZE];
    struct token_record rec;
    if (parse_create(argc, argv, &spec, patient) < 0)
        return usage();
    struct db_conn *c = connect_or_complain(cfg);
    if (!c)
        return 1;
    enum db_status st = random_token(token) < 0 ? DB_ERROR : db_token_create(c, &spec, token, &rec);
    db_disconnect(c);
    if (st != DB_OK) {
        (void)fprintf(stderr, "oihwatch: cannot create the token%s\n",
                      st == DB_NOT_FOUND ? ": no such patient" : "");
        return 1;
    }
    (void)printf("%s\n", token);
    (void)fprintf(stderr, "oihwatch: token %s for principal %s\n", rec.id, rec.principal_id);
    return 0;
}

static int
token_revoke(const struct config *cfg, int argc, char **argv)
{
    char id[37];
    if (argc != 2 || !uuid_normalize(argv[1], id))
        return usage();
    struct db_conn *c = connect_or_complain(cfg);
    if (!c)
        return 1;
    enum db_status st = db_token_revoke(c, id, NULL);
    db_disconnect(c);
    if (st != DB_OK) {
        (void)fprintf(stderr, "oihwatch: %s\n",
                      st == DB_NOT_FOUND ? "no active token with that id" : "revoke failed");
        return 1;
    }
    (void)fprintf(stderr, "oihwatch: token %s revoked\n", id);
    return 0;
}

int
cli_token(const struct config *cfg, int argc, char **argv)
{
    /* argv[0] is "token" */
    if (argc >= 2 && strcmp(argv[1], "create") == 0)
        return token_create(cfg, argc - 1, argv + 1);
    if (argc >= 2 && strcmp(argv[1], "revoke") == 0)
        return token_revoke(cfg, argc - 1, argv + 1);
    return usage();
}
