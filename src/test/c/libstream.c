/* A shared library that leaks the profile it reads, like the field report's onvifStartStream. */
#include <stdlib.h>
#include <string.h>

char *read_profile(const char *name) {
    size_t n = strlen(name) + 64;
    char *xml = malloc(n);
    memset(xml, 0, n);
    strcpy(xml, "<profile>");
    return xml;
}

int start_stream(const char *name) {
    char *profile = read_profile(name);
    int ok = profile[0] == '<';
    /* the profile is never freed */
    return ok;
}
