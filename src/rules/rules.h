/* The rules: one function per finding, declared from rules/rules.def (the one list). */
#ifndef IRQSIGHT_RULES_RULES_H
#define IRQSIGHT_RULES_RULES_H

struct host;
struct findings;

#define RULE(fn, id, sev, summary) void rule_##fn(const struct host *h, struct findings *fs);
#include "rules/rules.def"
#undef RULE

#endif
