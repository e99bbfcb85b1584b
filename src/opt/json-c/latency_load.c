#include "render/latency_load.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json.h>

static bool get_u64(struct json_object *o, const char *key, uint64_t *v)
{
	struct json_object *x;
	if (!json_object_object_get_ex(o, key, &x) || !json_object_is_type(x, json_type_int))
		return false;
	int64_t i = json_object_get_int64(x);
	if (i < 0)
		return false;
	*v = (uint64_t)i;
	return true;
}

static int latency_load(const char *path, struct latency_saved **out, size_t *n, char *why, size_t whylen)
{
	*out = NULL;
	*n = 0;
	struct json_object *root = json_object_from_file(path);
	if (!root) {
		const char *e = json_util_get_last_err();
		snprintf(why, whylen, "cannot read '%s': %s", path, e ? e : "not JSON");
		/* json-c folds open errors and syntax errors together; tell them apart */
		FILE *f = fopen(path, "r");
		if (!f)
			return -errno;
		fclose(f);
		return -EINVAL;
	}
	int rc = -EINVAL;
	struct json_object *schema, *cpus;
	if (!json_object_object_get_ex(root, "schema", &schema) ||
	    strcmp(json_object_get_string(schema), "irqsight-latency") != 0) {
		snprintf(why, whylen, "'%s' is not a file written by irqsight latency --save", path);
		goto out;
	}
	if (!json_object_object_get_ex(root, "cpus", &cpus) || !json_object_is_type(cpus, json_type_array)) {
		snprintf(why, whylen, "'%s' has no \"cpus\" array", path);
		goto out;
	}
	size_t len = json_object_array_length(cpus);
	struct latency_saved *v = calloc(len ? len : 1, sizeof(*v));
	if (!v) {
		rc = -ENOMEM;
		goto out;
	}
	size_t k = 0;
	for (size_t i = 0; i < len; i++) {
		struct json_object *c = json_object_array_get_idx(cpus, i);
		uint64_t cpu;
		if (!json_object_is_type(c, json_type_object) || !get_u64(c, "cpu", &cpu))
			continue;
		struct latency_saved *s = &v[k++];
		s->cpu = (int)cpu;
		get_u64(c, "samples", &s->samples);
		s->has_p99 = get_u64(c, "p99_us", &s->p99_us);
		s->has_p99_9 = get_u64(c, "p99_9_us", &s->p99_9_us);
		s->has_max = get_u64(c, "max_us", &s->max_us);
	}
	*out = v;
	*n = k;
	rc = 0;
out:
	json_object_put(root);
	return rc;
}

/* Registered before main: cmd/latency.c names nothing here, so the static build, which
 * leaves this file out, links without it. */
__attribute__((constructor)) static void latency_load_register(void)
{
	latency_register_loader(latency_load);
}
