/*
 * The leakgate harness for libonvif_server: each scenario runs one feature once, the way the
 * camera's daemon would, and frees what the API says the caller owns. Built with the kit
 * (leakgate_harness.h), it speaks leakgate's line protocol and returns from main when told.
 */
#include "leakgate_harness.h"
#include "onvif_server.h"

#include <stdio.h>

/* The stream profile the camera would read: written once into the run's working directory. */
static const char *profile(const char *name, const char *multicast) {
    static char path[64];
    snprintf(path, sizeof path, "%s.xml", name);
    FILE *f = fopen(path, "r");
    if (f == NULL) {
        f = fopen(path, "w");
        if (f == NULL) {
            return path;
        }
        fprintf(f, "<?xml version=\"1.0\"?>\n<profile>\n  <name>%s</name>\n  <encoding>H264</encoding>\n"
                   "  <port>8554</port>\n  <multicast>%s</multicast>\n</profile>\n", name, multicast);
    }
    fclose(f);
    return path;
}

/* Starts and stops the main (multicast) stream. */
static void start_stream(int argc, char **argv) {
    (void) argc;
    (void) argv;
    struct onvif_stream stream;
    if (onvifStartStream(profile("main", "true"), &stream) == 0) {
        onvifStopStream(&stream);
    }
}

/* Starts and stops the sub (unicast) stream. */
static void start_sub_stream(int argc, char **argv) {
    (void) argc;
    (void) argv;
    struct onvif_stream stream;
    if (onvifStartStream(profile("sub", "false"), &stream) == 0) {
        onvifStopStream(&stream);
    }
}

LEAKGATE_SCENARIOS(LEAKGATE_SCENARIO_NAMED("onvifStartStream", start_stream),
                   LEAKGATE_SCENARIO_NAMED("onvifStartSubStream", start_sub_stream))
