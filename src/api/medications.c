/* GET /v1/medications: the catalog as loaded at start-up, serialized once. */
#include <string.h>

#include "api/api.h"
#include "util/xalloc.h"

static json_t *
forms_json(const struct medication *m)
{
    json_t *forms = json_array();
    for (int i = 0; i < m->nforms; i++) {
        const struct med_form *f = &m->forms[i];
        json_array_append_new(forms, json_pack("{s:s, s:s, s:o}", "route", f->route, "unit",
                                               f->unit, "mme_factor",
                                               f->has_factor ? json_real(f->factor) : json_null()));
    }
    return forms;
}

char *
api_medications_body(const struct catalog *cat)
{
    json_t *meds = json_array();
    for (size_t i = 0; i < cat->count; i++) {
        const struct medication *m = &cat->meds[i];
        json_array_append_new(meds, json_pack("{s:s, s:s, s:s, s:o}", "key", m->key, "name",
                                              m->name, "class", med_class_name(m->med_class),
                                              "forms", forms_json(m)));
    }
    json_t *body = json_pack("{s:s, s:o}", "source", cat->source, "medications", meds);
    char *text = json_dumps(body, JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(15));
    json_decref(body);
    return text;
}

void
medications_list(struct request *req, struct response *res)
{
    const char *body = req->app->medications_json;
    res->status = 200;
    res->body = xstrdup(body);
    res->length = strlen(body);
    res->content_type = "application/json";
}
