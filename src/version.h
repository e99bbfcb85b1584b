/* The one version string (irqsight --version, check --json, export's irqsight_info).
 * A packager may override it: make CPPFLAGS+=-DIRQSIGHT_VERSION='"1.2.3"'. */
#ifndef IRQSIGHT_VERSION_H
#define IRQSIGHT_VERSION_H

#ifndef IRQSIGHT_VERSION
#define IRQSIGHT_VERSION "0.1.0"
#endif

#endif
