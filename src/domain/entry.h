/* Pain and dose entries as validated values, and the limits api.md sets on them.
 * Strings they point to are borrowed from whoever owns the parsed request or the result. */
#ifndef OIH_ENTRY_H
#define OIH_ENTRY_H

#include <stdbool.h>
#include <stdint.h>

#include "domain/catalog.h"
#include "domain/vocab.h"

enum {
    BATCH_MAX = 1000,
    NOTE_MAX_CHARS = 1000,
    LOCATIONS_MAX = 16,
    SCORE_MAX = 10,
    FUTURE_SLACK_SECONDS = 300,
};

/* 2000-01-01T00:00:00Z: nothing earlier is accepted. */
#define ENTRY_EARLIEST_US INT64_C(946684800000000)
#define DOSE_DURATION_MAX_HOURS 168.0

struct pain_entry {
    char id[37];
    int64_t recorded_at; /* microseconds since the epoch */
    int score;
    int enjoyment; /* -1 when absent */
    int activity;  /* -1 when absent */
    int nlocations;
    /* borrowed, like note: pointers rather than 16 x 41 chars keep a 1000-entry batch at
     * 200 KiB instead of 720 KiB */
    const char *locations[LOCATIONS_MAX];
    unsigned qualities; /* bit i: vocab_qualities[i] */
    unsigned evoked;    /* bit i: vocab_evoked[i] */
    const char *note;   /* borrowed; NULL when absent */
};

struct dose_entry {
    char id[37];
    int64_t taken_at;
    const struct medication *med; /* borrowed from the catalog */
    const struct med_form *form;  /* borrowed from the catalog */
    double dose;
    bool has_duration;
    double duration_hours;
    bool has_mme;
    double mme;
    const char *note; /* borrowed; NULL when absent */
};

/* PEG score: mean of score, enjoyment and activity to one decimal; false when an item is
 * missing. */
bool pain_entry_peg(const struct pain_entry *e, double *out);

/* True when t lies in the accepted window for a time an entry happened:
 * not before 2000-01-01 and not more than 5 minutes after now. */
bool entry_time_ok(int64_t t, int64_t now);

#endif
