/* Files compiled into the binary by scripts/embed.sh: migrations and the OpenAPI document. */
#ifndef OIH_EMBEDDED_H
#define OIH_EMBEDDED_H

struct embedded_file {
    const char *name;
    const char *text;
};

/* sql/NNN_*.sql in name order. */
extern const struct embedded_file migrations[];
extern const unsigned migrations_count;
/* docs/openapi.json */
extern const struct embedded_file openapi_files[];
extern const unsigned openapi_files_count;

#endif
