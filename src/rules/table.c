/* The rule table, made from rules/rules.def (the one list of rules). */
#include "rules/finding.h"
#include "rules/rules.h"

const struct rule rules_table[] = {
#define RULE(fn, id, sev, summary) { id, rule_##fn, sev, summary },
#include "rules/rules.def"
#undef RULE
};
const size_t rules_count = sizeof(rules_table) / sizeof(rules_table[0]);
